import { PUBLIC_KEY_LENGTH, SHA256_LENGTH, SIGNATURE_LENGTH, type Ed25519Backend, type Signer } from '../crypto/index.js';
import { bytes, decodeOrNull, decodeWith, encodeWith, struct, u32, u64, type Codec, type InferStruct, type StructCodec, type StructFields } from '../wire/index.js';

/**
 * The authority's signed statements (SPEC §3). Each is a fixed-layout record followed by an
 * Ed25519 signature over `tag || record`: the tag is different for every type, so a signature on
 * a game key can never be presented as one on a key certificate or a ban, even where the bytes of
 * two records happen to coincide (a game key and a ban both start with a u64 player id).
 *
 * Certificates carry no issuer key: the verifier already holds the root of trust (the authority's
 * public key, or the payment issuer's for tokens) and checks against that alone.
 */

/** Only signature verification is needed to check a certificate. */
export type CertificateVerifier = Pick<Ed25519Backend, 'verify'>;

type WithSignature<F extends StructFields> = F & { signature: Codec<Uint8Array> };

export interface CertificateType<F extends StructFields> {
  readonly name: string;
  /** One line for docs/wire.md. */
  readonly summary: string;
  /** ASCII domain tag prefixed to the record before signing. */
  readonly tag: Uint8Array;
  /** The signed fields alone. */
  readonly record: StructCodec<F>;
  /** Fields then the 64-byte signature: the certificate as it travels and is stored. */
  readonly codec: StructCodec<WithSignature<F>>;
}

export type CertificateOf<T> = T extends CertificateType<infer F> ? InferStruct<WithSignature<F>> : never;
export type RecordOf<T> = T extends CertificateType<infer F> ? InferStruct<F> : never;

function defineCertificate<F extends StructFields>(name: string, summary: string, fields: F): CertificateType<F> {
  return Object.freeze({
    name,
    summary,
    tag: new TextEncoder().encode(`p2p-mmog/${name}/v1`),
    record: struct(fields),
    codec: struct({ ...fields, signature: bytes(SIGNATURE_LENGTH) } as WithSignature<F>),
  });
}

export const TOKEN_ID_BYTES = 16;

/** Issued by the payment stand-in, not by the authority; registers one account, once. */
export const PaymentTokenType = defineCertificate('payment-token', 'payment stand-in: a paid subscription of planMs, spendable once; signed by the payment issuer', {
  tokenId: bytes(TOKEN_ID_BYTES),
  /** What was paid, in cents; recorded, not interpreted. */
  amount: u32,
  /** How long the subscription it buys lasts. */
  planMs: u64,
  /** Wall-clock ms (Unix epoch) when it was issued. */
  issuedAtMs: u64,
});

/** The right to play until `expiresAtMs`: short-lived, renewed at the authority while the subscription is paid. */
export const GameKeyType = defineCertificate('game-key', 'authority: player_id may play until expiresAtMs (Unix epoch ms)', {
  playerId: u64,
  expiresAtMs: u64,
});

/** Binds a public key to a player id; every message the key signs is attributable to that player. */
export const KeyCertificateType = defineCertificate('key-certificate', 'authority: publicKey belongs to player_id', {
  playerId: u64,
  publicKey: bytes(PUBLIC_KEY_LENGTH),
});

/** Self-verifying: anyone holding the authority key can check it, so it may be gossiped freely. */
export const BanType = defineCertificate('ban', 'authority: player_id is banned since bannedAtMs; reason = SHA-256 digest of the cheat proof', {
  playerId: u64,
  bannedAtMs: u64,
  reason: bytes(SHA256_LENGTH),
});

export type PaymentToken = CertificateOf<typeof PaymentTokenType>;
export type GameKey = CertificateOf<typeof GameKeyType>;
export type KeyCertificate = CertificateOf<typeof KeyCertificateType>;
export type BanCertificate = CertificateOf<typeof BanType>;

export const CERTIFICATE_TYPES = [PaymentTokenType, GameKeyType, KeyCertificateType, BanType] as const;

/** `tag || record`: what the issuer signs. Extra properties of `record` (a signature) are ignored. */
export function certificateSigningBytes<F extends StructFields>(type: CertificateType<F>, record: InferStruct<F>): Uint8Array {
  const body = encodeWith(type.record, record);
  const out = new Uint8Array(type.tag.length + body.length);
  out.set(type.tag);
  out.set(body, type.tag.length);
  return out;
}

/** Signs a record. A record that does not fit its layout is a programmer error and throws. */
export function signCertificate<F extends StructFields>(type: CertificateType<F>, signer: Signer, record: InferStruct<F>): InferStruct<WithSignature<F>> {
  const signature = signer.sign(certificateSigningBytes(type, record));
  const fields = decodeWith(type.record, encodeWith(type.record, record));
  return { ...fields, signature } as InferStruct<WithSignature<F>>;
}

/** True only when `certificate` was signed by `issuerKey` under this type's tag. */
export function verifyCertificate<F extends StructFields>(
  type: CertificateType<F>,
  certificate: InferStruct<WithSignature<F>>,
  issuerKey: Uint8Array,
  ed25519: CertificateVerifier,
): boolean {
  const signature = (certificate as { signature: Uint8Array }).signature;
  return ed25519.verify(signature, certificateSigningBytes(type, certificate as InferStruct<F>), issuerKey);
}

export function encodeCertificate<F extends StructFields>(type: CertificateType<F>, certificate: InferStruct<WithSignature<F>>): Uint8Array {
  return encodeWith(type.codec, certificate);
}

/** Remote bytes: null when they do not decode (never a throw). The signature is not checked here. */
export function decodeCertificate<F extends StructFields>(type: CertificateType<F>, input: Uint8Array): InferStruct<WithSignature<F>> | null {
  if (!(input instanceof Uint8Array)) throw new TypeError(`decodeCertificate(${type.name}): expected a Uint8Array`);
  return decodeOrNull(type.codec, input);
}

/** Decode and verify remote bytes in one step: the certificate, or null if either fails. */
export function openCertificate<F extends StructFields>(
  type: CertificateType<F>,
  input: Uint8Array,
  issuerKey: Uint8Array,
  ed25519: CertificateVerifier,
): InferStruct<WithSignature<F>> | null {
  const certificate = decodeCertificate(type, input);
  return certificate && verifyCertificate(type, certificate, issuerKey, ed25519) ? certificate : null;
}
