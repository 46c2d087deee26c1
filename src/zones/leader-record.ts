import { DomainTag, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, equalBytes, taggedSha256, toHex, type Signer } from '../crypto/index.js';
import { signRecord, type DhtRecord, type RecordPolicy } from '../dht/index.js';
import { MAX_HOST_BYTES, type GroupView } from '../groups/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import { bytes, decodeOrNull, encodeTagged, encodeWith, list, struct, u16, u32, u8, utf8, type Infer } from '../wire/index.js';
import { leafKey, type LeafAddress } from './leaf.js';
import { MAX_LEAF_BYTES } from './messages.js';

/**
 * The DHT record of a leaf's leaders (SPEC §5: "the DHT maps each zone ID to its current leaders";
 * docs/zones.md, "The DHT record of a leaf's leaders"). Keyed by the leaf, it names the group's
 * session, its agreed view and the endpoints of the view's leader and standby, and carries the
 * endorsements of a strict majority of the members it lists: every member builds the same body from
 * its agreed view and signs it, and one of them writes the record. The DHT itself knows nothing of
 * zones; `zoneLeadersPolicy` is the record type's policy, composed in by src/peer.
 */

/** Members listed by key; a larger view lists its first ones (the leader and standby among them). */
export const MAX_LISTED_MEMBERS = 8;
/** The leader (member 0) and its standby (member 1). */
export const MAX_ZONE_LEADERS = 2;
/**
 * A strict majority of the most members a record lists: the writer needs no more, and eight
 * endorsements would not fit the DHT's 800-byte value (786 bytes at most with five).
 */
export const MAX_ENDORSEMENTS = Math.floor(MAX_LISTED_MEMBERS / 2) + 1;

/** Domain separation: an endorsement can never pass as a signature over anything else. */
export const ZONE_LEADERS_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/zone-leaders/v1');

const bodyFields = {
  /** leafKey: "zone/path"; the record's subject is leafRecordSubject of it. */
  leaf: utf8(MAX_LEAF_BYTES),
  session: bytes(SESSION_ID_BYTES),
  /** The view's number and first round. */
  view: u32,
  startRound: u32,
  /** The view's first members in view order: member 0 leads, member 1 is its standby. */
  members: list(bytes(PUBLIC_KEY_LENGTH), MAX_LISTED_MEMBERS),
  /** The view's real size (more than listed when the view holds more than MAX_LISTED_MEMBERS). */
  memberCount: u8,
  /** Where members 0 and 1 listen, as group-welcome carries endpoints. */
  leaders: list(struct({ host: utf8(MAX_HOST_BYTES), port: u16 }), MAX_ZONE_LEADERS),
};

/** What every member signs: the value without its endorsements. */
export const ZoneLeadersBodyCodec = struct(bodyFields);
export const ZoneLeadersCodec = struct({
  ...bodyFields,
  /** `index` into `members`; the signature is over endorsementBytes(body). */
  endorsements: list(struct({ index: u8, signature: bytes(SIGNATURE_LENGTH) }), MAX_ENDORSEMENTS),
});

export type ZoneLeadersBody = Infer<typeof ZoneLeadersBodyCodec>;
export type ZoneLeadersValue = Infer<typeof ZoneLeadersCodec>;
export type ZoneLeadersEndorsement = ZoneLeadersValue['endorsements'][number];

const textEncoder = new TextEncoder();
const PATH_RE = /^[0-3]*$/;

/**
 * The record's subject: SHA-256("p2p-mmog/zone-leaf/v1" ‖ UTF-8 of "zone/path"). The text is
 * unambiguous because a path holds only the digits 0–3: the last '/' ends the zone id.
 */
export function leafRecordSubject(leaf: LeafAddress): Uint8Array {
  if (typeof leaf?.zoneId !== 'string' || leaf.zoneId.length === 0 || typeof leaf.path !== 'string' || !PATH_RE.test(leaf.path)) {
    throw new TypeError(`leafRecordSubject: expected a zone id and a path of quarters 0-3, got ${JSON.stringify(leaf)}`);
  }
  return subjectOfKey(leafKey(leaf));
}

function subjectOfKey(key: string): Uint8Array {
  return taggedSha256(DomainTag.zoneLeaf, textEncoder.encode(key));
}

/** The leaf a value names, or null when its text is no leaf key (remote bytes). */
function leafOfKey(key: string): LeafAddress | null {
  const slash = key.lastIndexOf('/');
  if (slash <= 0) return null;
  const path = key.slice(slash + 1);
  return PATH_RE.test(path) ? { zoneId: key.slice(0, slash), path } : null;
}

/**
 * The body every member of `view` computes alike from its agreed view: the first
 * MAX_LISTED_MEMBERS members, the view's size, and the endpoints of its leader and standby.
 */
export function zoneLeadersBody(leaf: LeafAddress, view: GroupView): ZoneLeadersBody {
  const count = view.members.length;
  if (count < 1 || count > 0xff) throw new RangeError(`zoneLeadersBody: a view of 1 to 255 members, got ${count}`);
  leafRecordSubject(leaf); // the leaf's own checks
  const body: ZoneLeadersBody = {
    leaf: leafKey(leaf),
    session: view.sessionId,
    view: view.number,
    startRound: view.startRound,
    members: view.members.slice(0, MAX_LISTED_MEMBERS).map((m) => m.publicKey),
    memberCount: count,
    leaders: view.members.slice(0, MAX_ZONE_LEADERS).map((m) => ({ host: m.endpoint.host, port: m.endpoint.port })),
  };
  encodeWith(ZoneLeadersBodyCodec, body); // a leaf key or host over its cap is a caller bug: throw here, not at the writer
  return body;
}

/** Tag ‖ the body as encoded: what each endorsing member signs. */
export function endorsementBytes(body: ZoneLeadersBody): Uint8Array {
  return encodeTagged(ZONE_LEADERS_SIGNING_TAG, ZoneLeadersBodyCodec, body);
}

/** This member's endorsement of `body`; a signer the body does not list cannot endorse it (RangeError). */
export function endorse(body: ZoneLeadersBody, signer: Pick<Signer, 'publicKey' | 'sign'>): ZoneLeadersEndorsement {
  const index = listedIndex(body, signer.publicKey);
  if (index < 0) throw new RangeError('endorse: the signer is not among the members the body lists');
  return { index, signature: signer.sign(endorsementBytes(body)) };
}

function listedIndex(body: ZoneLeadersBody, publicKey: Uint8Array): number {
  return body.members.findIndex((m) => equalBytes(m, publicKey));
}

export function encodeZoneLeaders(value: ZoneLeadersValue): Uint8Array {
  return encodeWith(ZoneLeadersCodec, value);
}

/**
 * The record a listed member writes with the endorsements it collected. `seq` must grow with each
 * publication of the leaf (players use their wall clock in ms), so a later view's record replaces an earlier one. The endorsements cover
 * the body only, not seq or expiry: a listed member that writes a far higher seq hides the group's
 * later records until its own expires (docs/zones.md).
 */
export function zoneLeadersRecord(
  body: ZoneLeadersBody,
  endorsements: readonly ZoneLeadersEndorsement[],
  writer: Pick<Signer, 'publicKey' | 'sign'>,
  seq: bigint,
  expiresAtMs: bigint,
): DhtRecord {
  if (listedIndex(body, writer.publicKey) < 0) throw new RangeError('zoneLeadersRecord: the writer is not among the members the body lists');
  const leaf = leafOfKey(body.leaf);
  if (!leaf) throw new TypeError(`zoneLeadersRecord: ${JSON.stringify(body.leaf)} is not a leaf key`);
  const value = encodeZoneLeaders({ ...body, endorsements: [...endorsements] });
  return signRecord({ type: 'zone-leaders', subject: leafRecordSubject(leaf), seq, expiresAtMs, value }, writer);
}

/** The value of a zone-leaders record, or null when the record is of another type or its value does not decode. */
export function decodeZoneLeaders(record: DhtRecord): ZoneLeadersValue | null {
  if (record.type !== 'zone-leaders') return null;
  return decodeOrNull(ZoneLeadersCodec, record.value);
}

/**
 * The zone-leaders record type's policy, for storing nodes and readers alike. The writer must be a
 * member the value lists; the value must decode, be filed under its own leaf, list distinct members
 * (min(memberCount, 8) of them, 1 or 2 leaders among them) and carry valid endorsements, with
 * distinct indexes, of a strict majority of the listed members.
 *
 * A value that does not decode lists nobody, so it is refused as `unauthorized` before its value
 * is looked at.
 *
 * Limit: only signatures by the listed keys are checked, not that those keys are certified players
 * or that the view is the one the group agreed: whoever holds a majority of the keys a value lists
 * (for a view of more than 8, a majority of its first 8) can publish a group of its own for a leaf,
 * and a record with a higher seq hides the real group's until it expires (docs/zones.md).
 */
export function zoneLeadersPolicy(verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean): RecordPolicy {
  return {
    authorizedWriter(record) {
      const value = decodeZoneLeaders(record);
      return value !== null && value.members.some((m) => equalBytes(m, record.writer));
    },
    validateValue(record) {
      const value = decodeZoneLeaders(record);
      if (!value) return false;
      if (!leafOfKey(value.leaf) || !equalBytes(record.subject, subjectOfKey(value.leaf))) return false;
      const listed = value.members.length;
      if (listed === 0 || listed !== Math.min(value.memberCount, MAX_LISTED_MEMBERS)) return false;
      if (new Set(value.members.map(toHex)).size !== listed) return false;
      if (value.leaders.length < 1 || value.leaders.length > listed || value.leaders.some((e) => e.port === 0 || e.host.length === 0)) return false;
      const indexes = new Set(value.endorsements.map((e) => e.index));
      if (indexes.size !== value.endorsements.length || value.endorsements.some((e) => e.index >= listed)) return false;
      if (value.endorsements.length < Math.floor(listed / 2) + 1) return false;
      // Signatures last: the structural checks above cost no verification.
      const { endorsements: _, ...body } = value;
      const message = endorsementBytes(body);
      // Every endorsement carried must hold, not only a majority of them: the writer has no reason to carry a bad one.
      return value.endorsements.every((e) => verify(e.signature, message, value.members[e.index] as Uint8Array));
    },
  };
}
