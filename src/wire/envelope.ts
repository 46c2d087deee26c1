import { ByteReader, ByteWriter } from './bytes.js';
import { DecodeError } from './errors.js';
import type { Codec } from './schema.js';

/** Bumped on any change to the envelope or to a message layout; peers refuse other versions. */
export const WIRE_VERSION = 1;
/** Keeps every datagram under the common 1280-byte IPv6 minimum MTU after IP/UDP headers. */
export const MAX_DATAGRAM_BYTES = 1200;
export const HEADER_BYTES = 3;
export const PUBLIC_KEY_BYTES = 32;
export const SEQUENCE_BYTES = 8;
export const SIGNATURE_BYTES = 64;
/** Header, sender key and sequence before the body, signature after it. */
export const SIGNED_OVERHEAD_BYTES = HEADER_BYTES + PUBLIC_KEY_BYTES + SEQUENCE_BYTES + SIGNATURE_BYTES;
export const MAX_SIGNED_BODY_BYTES = MAX_DATAGRAM_BYTES - SIGNED_OVERHEAD_BYTES;
export const MAX_UNSIGNED_BODY_BYTES = MAX_DATAGRAM_BYTES - HEADER_BYTES;

const FLAG_SIGNED = 0x01;
const KNOWN_FLAGS = FLAG_SIGNED;

/** One message kind: its type byte, its name, whether it must be signed, and its body layout. */
export interface MessageSpec<T = unknown> {
  readonly kind: number;
  readonly name: string;
  readonly signed: boolean;
  readonly body: Codec<T>;
  /** One line for docs/wire.md: what the message is for. */
  readonly summary: string;
}

export function defineMessage<T>(spec: MessageSpec<T>): MessageSpec<T> {
  if (!Number.isInteger(spec.kind) || spec.kind < 1 || spec.kind > 0xff) {
    throw new RangeError(`defineMessage(${spec.name}): kind must be an integer in [1, 255], got ${spec.kind}`);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new RangeError(`defineMessage: name must be kebab-case, got "${spec.name}"`);
  const maxBody = spec.signed ? MAX_SIGNED_BODY_BYTES : MAX_UNSIGNED_BODY_BYTES;
  if (spec.body.minSize > maxBody) throw new RangeError(`defineMessage(${spec.name}): body can never fit in a datagram`);
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

export interface SignedEnvelope {
  readonly publicKey: Uint8Array;
  readonly sequence: bigint;
  readonly signature: Uint8Array;
  /** The bytes the signature covers (header through body). A view into the received datagram. */
  readonly signedBytes: Uint8Array;
}

export interface DecodedMessage<T = unknown> {
  readonly spec: MessageSpec<T>;
  readonly body: T;
  /** Present exactly when the kind is signed; the signature is not yet verified here. */
  readonly auth: SignedEnvelope | null;
}

export interface SigningContext {
  readonly signer: MessageSigner;
  /** Strictly increasing per sender; receivers use it against replays. */
  readonly sequence: bigint;
}

/**
 * Encode one message into one datagram. Throws (programmer error) when the body does not match
 * its schema, when a signed kind gets no signer or an unsigned one gets one, or when the result
 * would exceed MAX_DATAGRAM_BYTES: callers split large values into chunks before they get here.
 */
export function encodeMessage<T>(spec: MessageSpec<T>, body: T, signing?: SigningContext): Uint8Array {
  if (spec.signed !== (signing !== undefined)) {
    throw new TypeError(`${spec.name}: ${spec.signed ? 'a signed kind needs a signing context' : 'an unsigned kind takes no signing context'}`);
  }
  const bodySize = spec.body.size(body, spec.name);
  const total = spec.signed ? SIGNED_OVERHEAD_BYTES + bodySize : HEADER_BYTES + bodySize;
  if (total > MAX_DATAGRAM_BYTES) {
    throw new RangeError(`${spec.name}: encodes to ${total} bytes, above the ${MAX_DATAGRAM_BYTES}-byte datagram cap; split it into chunks`);
  }
  const w = new ByteWriter(total);
  w.u8(WIRE_VERSION);
  w.u8(spec.kind);
  w.u8(spec.signed ? FLAG_SIGNED : 0);
  if (signing) {
    if (signing.signer.publicKey.length !== PUBLIC_KEY_BYTES) throw new TypeError(`${spec.name}: signer public key must be ${PUBLIC_KEY_BYTES} bytes`);
    if (signing.sequence < 0n || signing.sequence >= 1n << 64n) throw new RangeError(`${spec.name}: sequence out of u64 range`);
    w.raw(signing.signer.publicKey);
    w.u64(signing.sequence);
  }
  spec.body.write(w, body);
  if (signing) {
    const signature = signing.signer.sign(w.bytes.subarray(0, w.offset));
    if (signature.length !== SIGNATURE_BYTES) throw new TypeError(`${spec.name}: signer returned ${signature.length} bytes, expected ${SIGNATURE_BYTES}`);
    w.raw(signature);
  }
  return w.bytes;
}

/**
 * Decode one datagram. Everything that is wrong with the bytes is a DecodeError with the offset
 * where it was found; nothing else is thrown for any input. The signature is returned, not
 * checked: verification needs the crypto backend and belongs to the receive pipeline.
 */
export function decodeMessage(datagram: Uint8Array, registry: MessageRegistry): DecodedMessage {
  if (datagram.length > MAX_DATAGRAM_BYTES) {
    throw new DecodeError('oversized', MAX_DATAGRAM_BYTES, '', `${datagram.length} bytes, cap ${MAX_DATAGRAM_BYTES}`);
  }
  const r = new ByteReader(datagram);
  const version = r.u8('header.version');
  if (version !== WIRE_VERSION) throw new DecodeError('bad-version', 0, 'header.version', `version ${version}, this build speaks ${WIRE_VERSION}`);
  const kind = r.u8('header.kind');
  const spec = registry.get(kind);
  if (!spec) throw new DecodeError('unknown-kind', 1, 'header.kind', `no schema for kind 0x${kind.toString(16).padStart(2, '0')}`);
  const flags = r.u8('header.flags');
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new DecodeError('bad-flags', 2, 'header.flags', `reserved flag bits 0x${flags.toString(16)}`);
  const signed = (flags & FLAG_SIGNED) !== 0;
  if (spec.signed && !signed) throw new DecodeError('unsigned', 2, 'header.flags', `${spec.name} must be signed`);
  if (!spec.signed && signed) throw new DecodeError('bad-flags', 2, 'header.flags', `${spec.name} is never signed`);

  if (!signed) {
    const body = spec.body.read(r, spec.name);
    if (r.remaining !== 0) throw new DecodeError('trailing-bytes', r.offset, spec.name, `${r.remaining} byte(s) after the body`);
    return { spec, body, auth: null };
  }

  if (datagram.length < SIGNED_OVERHEAD_BYTES) {
    throw new DecodeError('truncated', datagram.length, 'envelope', `signed datagram of ${datagram.length} bytes, minimum ${SIGNED_OVERHEAD_BYTES}`);
  }
  const publicKey = r.raw(PUBLIC_KEY_BYTES, 'envelope.publicKey');
  const sequence = r.u64('envelope.sequence');
  const bodyEnd = datagram.length - SIGNATURE_BYTES;
  const bodyReader = new ByteReader(datagram, r.offset, bodyEnd);
  const body = spec.body.read(bodyReader, spec.name);
  if (bodyReader.remaining !== 0) {
    throw new DecodeError('trailing-bytes', bodyReader.offset, spec.name, `${bodyReader.remaining} byte(s) after the body`);
  }
  return {
    spec,
    body,
    auth: {
      publicKey,
      sequence,
      signature: datagram.slice(bodyEnd),
      signedBytes: datagram.subarray(0, bodyEnd),
    },
  };
}
