import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, sha256, toHex, type Signer } from '../crypto/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import { DecodeError, bytes, decodeWith, encodeWith, enumU8, struct, u32, utf8, type Infer } from '../wire/index.js';

/**
 * Zone-wide events (SPEC §5: "the lights go out in a building"): raised by a player in one group,
 * played by that group, and carried by its leaders to every group of the zone (and of the zones
 * nested in it), each of which plays it once. The event is signed by the player who raised it, so
 * any replica anywhere can check it and nobody on the way can alter it.
 */
export const ZONE_EVENT_KINDS = ['lights-out', 'lights-on'] as const;
export type ZoneEventKind = (typeof ZONE_EVENT_KINDS)[number];

/** Zone ids longer than this cannot raise events (the signed event must fit one group update). */
export const MAX_EVENT_ZONE_BYTES = 32;

const eventFields = {
  /** The session of the group it was raised in: the group that forwards it. */
  origin: bytes(SESSION_ID_BYTES),
  /** The raiser's own counter: two events of one raiser never share bytes. */
  seq: u32,
  zone: utf8(MAX_EVENT_ZONE_BYTES),
  kind: enumU8(ZONE_EVENT_KINDS),
  raiser: bytes(PUBLIC_KEY_LENGTH),
};
const UnsignedZoneEventCodec = struct(eventFields);
export const ZoneEventCodec = struct({ ...eventFields, signature: bytes(SIGNATURE_LENGTH) });
export type ZoneEventBody = Infer<typeof ZoneEventCodec>;

/** Domain separation: an event signature is never a signature over anything else. */
export const ZONE_EVENT_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/zone-event/v1');

function signingBytes(event: Omit<ZoneEventBody, 'signature'>): Uint8Array {
  const body = encodeWith(UnsignedZoneEventCodec, { origin: event.origin, seq: event.seq, zone: event.zone, kind: event.kind, raiser: event.raiser });
  const out = new Uint8Array(ZONE_EVENT_SIGNING_TAG.length + body.length);
  out.set(ZONE_EVENT_SIGNING_TAG);
  out.set(body, ZONE_EVENT_SIGNING_TAG.length);
  return out;
}

/** The signed event's bytes (what groups put in their updates and leaders forward). */
export function signZoneEvent(event: Omit<ZoneEventBody, 'signature' | 'raiser'>, signer: Signer): Uint8Array {
  if (new TextEncoder().encode(event.zone).length > MAX_EVENT_ZONE_BYTES) throw new RangeError(`signZoneEvent: zone id "${event.zone}" is longer than ${MAX_EVENT_ZONE_BYTES} bytes`);
  const unsigned = { ...event, raiser: signer.publicKey };
  return encodeWith(ZoneEventCodec, { ...unsigned, signature: signer.sign(signingBytes(unsigned)) });
}

export type CheckedZoneEvent = { readonly ok: true; readonly event: ZoneEventBody; readonly id: string } | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' };

/**
 * The event `bytes` carry if they are exactly one signed event whose signature verifies; remote
 * input never throws. `id` (hex SHA-256 of the bytes) names it everywhere: dedup, delivery, reports.
 */
export function checkZoneEvent(bytesIn: Uint8Array, verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean): CheckedZoneEvent {
  let event: ZoneEventBody;
  try {
    event = decodeWith(ZoneEventCodec, bytesIn);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: 'malformed' };
    throw e;
  }
  if (!verify(event.signature, signingBytes(event), event.raiser)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, event, id: zoneEventId(bytesIn) };
}

export function zoneEventId(eventBytes: Uint8Array): string {
  return toHex(sha256(eventBytes));
}
