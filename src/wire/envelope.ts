import { ByteReader, ByteWriter, writeUint64 } from './bytes.js';
import { DecodeError } from './errors.js';
import type { Codec } from './schema.js';

/** Bumped on any change to the envelope or to a message layout; peers refuse other versions. */
export const WIRE_VERSION = 2;
/** Keeps every datagram under the common 1280-byte IPv6 minimum MTU after IP/UDP headers. */
export const MAX_DATAGRAM_BYTES = 1200;
export const HEADER_BYTES = 3;
export const PUBLIC_KEY_BYTES = 32;
export const SEQUENCE_BYTES = 8;
export const SIGNATURE_BYTES = 64;
/** A pairwise HMAC-SHA-256 tag, truncated (src/crypto/pairwise.ts). */
export const MAC_BYTES = 16;
/** Header, sender key and sequence before the body of an authenticated kind. */
export const AUTHENTICATED_PREFIX_BYTES = HEADER_BYTES + PUBLIC_KEY_BYTES + SEQUENCE_BYTES;
export const SIGNED_OVERHEAD_BYTES = AUTHENTICATED_PREFIX_BYTES + SIGNATURE_BYTES;
export const MAC_OVERHEAD_BYTES = AUTHENTICATED_PREFIX_BYTES + MAC_BYTES;
/** An authenticated body must fit behind either proof: the sender picks one per datagram. */
export const MAX_AUTHENTICATED_BODY_BYTES = MAX_DATAGRAM_BYTES - SIGNED_OVERHEAD_BYTES;
export const MAX_UNAUTHENTICATED_BODY_BYTES = MAX_DATAGRAM_BYTES - HEADER_BYTES;

const FLAG_SIGNED = 0x01;
const FLAG_MAC = 0x02;
const KNOWN_FLAGS = FLAG_SIGNED | FLAG_MAC;

/** The largest body a kind can carry: an authenticated one must fit behind either proof. */
function maxBodyBytes(spec: { readonly authenticated: boolean }): number {
  return spec.authenticated ? MAX_AUTHENTICATED_BODY_BYTES : MAX_UNAUTHENTICATED_BODY_BYTES;
}

/** One message kind: its type byte, its name, whether its sender must be authenticated, and its body layout. */
export interface MessageSpec<T = unknown> {
  readonly kind: number;
  readonly name: string;
  /**
   * The envelope proves who sent the datagram: the sender's key and sequence, then an Ed25519
   * signature or a pairwise MAC for its one recipient (the sender picks; docs/wire.md).
   */
  readonly authenticated: boolean;
  readonly body: Codec<T>;
  /** One line for docs/wire.md: what the message is for. */
  readonly summary: string;
}

export function defineMessage<T>(spec: MessageSpec<T>): MessageSpec<T> {
  if (!Number.isInteger(spec.kind) || spec.kind < 1 || spec.kind > 0xff) {
    throw new RangeError(`defineMessage(${spec.name}): kind must be an integer in [1, 255], got ${spec.kind}`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new RangeError(`defineMessage: name must be kebab-case, got "${spec.name}"`);
  if (spec.body.minSize > maxBodyBytes(spec)) throw new RangeError(`defineMessage(${spec.name}): body can never fit in a datagram`);
  return Object.freeze({ ...spec });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMessageSpec = MessageSpec<any>;

/** The kinds a peer speaks, looked up by type byte on every received datagram. */
export interface MessageRegistry {
  get(kind: number): AnyMessageSpec | undefined;
  readonly specs: readonly AnyMessageSpec[];
}

export function createMessageRegistry(specs: readonly AnyMessageSpec[]): MessageRegistry {
  const byKind = new Array<AnyMessageSpec | undefined>(256);
  const names = new Set<string>();
  for (const spec of specs) {
    const clash = byKind[spec.kind];
    if (clash) throw new RangeError(`message kind 0x${spec.kind.toString(16)} declared twice: ${clash.name} and ${spec.name}`);
    if (names.has(spec.name)) throw new RangeError(`message name ${spec.name} declared twice`);
    byKind[spec.kind] = spec;
    names.add(spec.name);
  }
  const sorted = [...specs].sort((a, b) => a.kind - b.kind);
  return { get: (kind) => byKind[kind], specs: sorted };
}

/** What signs outgoing messages: the peer's key, prepared once (see src/crypto). */
export interface MessageSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A pairwise MAC for one recipient: `tag` covers the datagram up to the tag (src/crypto/pairwise.ts). */
export interface MessageMac {
  readonly publicKey: Uint8Array;
  tag(covered: Uint8Array): Uint8Array;
}

/** How one datagram of an authenticated kind proves its sender: a signature anyone can check, or a MAC only its recipient can. */
export type EnvelopeAuth =
  | { readonly signer: MessageSigner; readonly sequence: bigint }
  | { readonly mac: MessageMac; readonly sequence: bigint };

export type AuthMethod = 'signature' | 'mac';

export interface ReceivedAuth {
  readonly publicKey: Uint8Array;
  readonly sequence: bigint;
  readonly method: AuthMethod;
  /** The signature (64 bytes) or the tag (16 bytes); not yet checked here. */
  readonly proof: Uint8Array;
  /** The bytes the proof covers (header through body). A view into the received datagram. */
  readonly coveredBytes: Uint8Array;
}

export interface DecodedMessage<T = unknown> {
  readonly spec: MessageSpec<T>;
  readonly body: T;
  /** Present exactly when the kind is authenticated; the proof is not yet checked here. */
  readonly auth: ReceivedAuth | null;
}

/**
 * Encode one message into one datagram. Throws (programmer error) when the body does not match
 * its schema, when an authenticated kind gets no proof or another kind gets one, or when the result
 * would exceed MAX_DATAGRAM_BYTES: callers split large values into chunks before they get here.
 */
export function encodeMessage<T>(spec: MessageSpec<T>, body: T, auth?: EnvelopeAuth): Uint8Array {
  return sealEnvelope(spec, encodeBody(spec, body), auth);
}

/** The body alone, validated against its schema: encode once, then seal it for each recipient. */
export function encodeBody<T>(spec: MessageSpec<T>, body: T): Uint8Array {
  const size = spec.body.size(body, spec.name);
  if (size > maxBodyBytes(spec)) {
    const overhead = spec.authenticated ? SIGNED_OVERHEAD_BYTES : HEADER_BYTES;
    throw new RangeError(`${spec.name}: encodes to ${overhead + size} bytes, above the ${MAX_DATAGRAM_BYTES}-byte datagram cap; split it into chunks`);
  }
  const w = new ByteWriter(size);
  spec.body.write(w, body);
  return w.bytes;
}

// Datagrams are carved out of shared slabs rather than allocated one by one: a datagram lives only
// until it is handed to the socket (a shaped link may hold it a few hundred ms at most), and a
// typed array this size gets a malloc'd backing store of its own, which a busy peer paid for every
// datagram it sent (docs/performance.md, "Scale"). A slab is freed once none of its datagrams is
// referenced. The views never overlap, so each datagram is still a buffer no one else writes.
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

function datagramBytes(size: number): Uint8Array {
  if (size > SLAB_BYTES / 8) return new Uint8Array(size);
  if (slabOffset + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new Uint8Array(slab, slabOffset, size);
  slabOffset += size;
  return out;
}

/** Header, sender and sequence, the encoded body, and the proof: one datagram. */
export function sealEnvelope(spec: MessageSpec<unknown>, encodedBody: Uint8Array, auth?: EnvelopeAuth): Uint8Array {
  if (spec.authenticated !== (auth !== undefined)) {
    throw new TypeError(`${spec.name}: ${spec.authenticated ? 'an authenticated kind needs a signer or a MAC' : 'an unauthenticated kind takes no signer or MAC'}`);
  }
  if (!auth) {
    const out = datagramBytes(HEADER_BYTES + encodedBody.length);
    out[0] = WIRE_VERSION;
    out[1] = spec.kind;
    out[2] = 0;
    out.set(encodedBody, HEADER_BYTES);
    return out;
  }
  const signed = 'signer' in auth;
  const sender = signed ? auth.signer.publicKey : auth.mac.publicKey;
  if (sender.length !== PUBLIC_KEY_BYTES) throw new TypeError(`${spec.name}: sender public key must be ${PUBLIC_KEY_BYTES} bytes`);
  if (auth.sequence < 0n || auth.sequence >= 1n << 64n) throw new RangeError(`${spec.name}: sequence out of u64 range`);
  const coveredLength = AUTHENTICATED_PREFIX_BYTES + encodedBody.length;
  const proofLength = signed ? SIGNATURE_BYTES : MAC_BYTES;
  const out = datagramBytes(coveredLength + proofLength);
  out[0] = WIRE_VERSION;
  out[1] = spec.kind;
  out[2] = signed ? FLAG_SIGNED : FLAG_MAC;
  out.set(sender, HEADER_BYTES);
  writeUint64(out, HEADER_BYTES + PUBLIC_KEY_BYTES, auth.sequence);
  out.set(encodedBody, AUTHENTICATED_PREFIX_BYTES);
  const covered = out.subarray(0, coveredLength);
  const proof = signed ? auth.signer.sign(covered) : auth.mac.tag(covered);
  if (proof.length !== proofLength) throw new TypeError(`${spec.name}: ${signed ? 'signer' : 'MAC'} returned ${proof.length} bytes, expected ${proofLength}`);
  out.set(proof, coveredLength);
  return out;
}

/**
 * Decode one datagram. Everything that is wrong with the bytes is a DecodeError with the offset
 * where it was found; nothing else is thrown for any input. The proof is returned, not checked:
 * checking needs keys and belongs to the receive pipeline. Byte fields of the result are views
 * into `datagram`: the caller hands over a buffer nobody changes or reuses (a received datagram).
 */
export function decodeMessage(datagram: Uint8Array, registry: MessageRegistry): DecodedMessage {
  if (datagram.length > MAX_DATAGRAM_BYTES) {
    throw new DecodeError('oversized', MAX_DATAGRAM_BYTES, '', `${datagram.length} bytes, cap ${MAX_DATAGRAM_BYTES}`);
  }
  const r = new ByteReader(datagram, 0, datagram.length, true);
  const version = r.u8('header.version');
  if (version !== WIRE_VERSION) throw new DecodeError('bad-version', 0, 'header.version', `version ${version}, this build speaks ${WIRE_VERSION}`);
  const kind = r.u8('header.kind');
  const spec = registry.get(kind);
  if (!spec) throw new DecodeError('unknown-kind', 1, 'header.kind', `no schema for kind 0x${kind.toString(16).padStart(2, '0')}`);
  const flags = r.u8('header.flags');
  if ((flags & ~KNOWN_FLAGS) !== 0 || flags === KNOWN_FLAGS) throw new DecodeError('bad-flags', 2, 'header.flags', `flags 0x${flags.toString(16)}: reserved bits, or both proofs`);
  const method: AuthMethod | null = flags === FLAG_SIGNED ? 'signature' : flags === FLAG_MAC ? 'mac' : null;
  if (spec.authenticated && !method) throw new DecodeError('unsigned', 2, 'header.flags', `${spec.name} must carry a signature or a MAC`);
  if (!spec.authenticated && method) throw new DecodeError('bad-flags', 2, 'header.flags', `${spec.name} is never authenticated`);

  if (!method) {
    const body = spec.body.read(r, spec.name);
    if (r.remaining !== 0) throw new DecodeError('trailing-bytes', r.offset, spec.name, `${r.remaining} byte(s) after the body`);
    return { spec, body, auth: null };
  }

  const proofLength = method === 'signature' ? SIGNATURE_BYTES : MAC_BYTES;
  if (datagram.length < AUTHENTICATED_PREFIX_BYTES + proofLength) {
    throw new DecodeError('truncated', datagram.length, 'envelope', `authenticated datagram of ${datagram.length} bytes, minimum ${AUTHENTICATED_PREFIX_BYTES + proofLength}`);
  }
  const publicKey = r.raw(PUBLIC_KEY_BYTES, 'envelope.publicKey');
  const sequence = r.u64('envelope.sequence');
  const bodyEnd = datagram.length - proofLength;
  const bodyReader = new ByteReader(datagram, r.offset, bodyEnd, true);
  const body = spec.body.read(bodyReader, spec.name);
  if (bodyReader.remaining !== 0) {
    throw new DecodeError('trailing-bytes', bodyReader.offset, spec.name, `${bodyReader.remaining} byte(s) after the body`);
  }
  return {
    spec,
    body,
    auth: { publicKey, sequence, method, proof: datagram.subarray(bodyEnd), coveredBytes: datagram.subarray(0, bodyEnd) },
  };
}
