import { PUBLIC_KEY_LENGTH, equalBytes, type Ed25519Backend, type Signer } from '../crypto/index.js';
import { ownerWriterPolicy, signRecord, type DhtMembership, type DhtNode, type DhtRecord, type RecordPolicies, type RecordPolicy } from '../dht/index.js';
import { BanType, GameKeyType, KeyCertificateType, decodeCertificate, encodeCertificate, verifyCertificate, type BanCertificate, type GameKey, type KeyCertificate } from './certificates.js';
import type { CertificateBundle, CertificateSource } from './identity.js';

/**
 * Certificates and bans in the DHT (SPEC §3, §4). Every such record is keyed by the player's
 * public key and carries AC-signed certificates as its value; storing nodes and readers verify the
 * authority's signature and that the certificates name the record's subject. The authority's
 * signature inside the value is what authorizes the content, so the record itself may be written
 * by the certificate's owner (who must be able to republish on joining, SPEC §3) or, for a ban,
 * by whoever holds the self-verifying ban certificate (docs/auth.md, "Certificates in the DHT").
 *
 * Values: key-certificate = KeyCertificate; game-key = KeyCertificate ‖ GameKey (the game key
 * names a player id, the key certificate binds that id to the subject key); ban = KeyCertificate ‖
 * BanCertificate.
 */
const KEY_CERT_BYTES = KeyCertificateType.codec.minSize;

function split(value: Uint8Array): [Uint8Array, Uint8Array] {
  return [value.subarray(0, KEY_CERT_BYTES), value.subarray(KEY_CERT_BYTES)];
}

function boundKeyCertificate(bytes: Uint8Array, subject: Uint8Array, authority: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>): KeyCertificate | null {
  const cert = decodeCertificate(KeyCertificateType, bytes);
  if (!cert || !equalBytes(cert.publicKey, subject) || !verifyCertificate(KeyCertificateType, cert, authority, ed25519)) return null;
  return cert;
}

export function certificateRecordPolicies(authorityPublicKey: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>): RecordPolicies {
  const authority = authorityPublicKey.slice();
  const ownerOrAuthority = (r: DhtRecord) => equalBytes(r.writer, r.subject) || equalBytes(r.writer, authority);
  const subjectIsKey = (r: DhtRecord) => r.subject.length === PUBLIC_KEY_LENGTH;
  const keyCertificate: RecordPolicy = {
    authorizedWriter: ownerOrAuthority,
    validateValue: (r) => subjectIsKey(r) && r.value.length === KEY_CERT_BYTES && boundKeyCertificate(r.value, r.subject, authority, ed25519) !== null,
  };
  const gameKey: RecordPolicy = {
    authorizedWriter: ownerOrAuthority,
    validateValue: (r) => {
      if (!subjectIsKey(r)) return false;
      const [kc, gk] = split(r.value);
      const cert = boundKeyCertificate(kc, r.subject, authority, ed25519);
      const key = decodeCertificate(GameKeyType, gk);
      return cert !== null && key !== null && key.playerId === cert.playerId && verifyCertificate(GameKeyType, key, authority, ed25519);
    },
  };
  const ban: RecordPolicy = {
    // A ban is self-verifying: anyone holding one may store it.
    authorizedWriter: () => true,
    validateValue: (r) => {
      if (!subjectIsKey(r)) return false;
      const [kc, b] = split(r.value);
      const cert = boundKeyCertificate(kc, r.subject, authority, ed25519);
      const banCert = decodeCertificate(BanType, b);
      return cert !== null && banCert !== null && banCert.playerId === cert.playerId && verifyCertificate(BanType, banCert, authority, ed25519);
    },
  };
  const owner = ownerWriterPolicy();
  return { 'key-certificate': keyCertificate, 'game-key': gameKey, ban, 'player-data': owner, house: owner };
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

/** The owner's records for its certificates, written by the owner; the sequence number grows with each renewal. */
export function certificateRecords(owner: Signer, keyCertificate: KeyCertificate, gameKey: GameKey): DhtRecord[] {
  const kc = encodeCertificate(KeyCertificateType, keyCertificate);
  const seq = gameKey.expiresAtMs;
  return [
    signRecord({ type: 'key-certificate', subject: owner.publicKey, seq, expiresAtMs: gameKey.expiresAtMs, value: kc }, owner),
    signRecord({ type: 'game-key', subject: owner.publicKey, seq, expiresAtMs: gameKey.expiresAtMs, value: concat(kc, encodeCertificate(GameKeyType, gameKey)) }, owner),
  ];
}

/**
 * The DHT's Sybil gate (SPEC §4, docs/dht.md "Membership"): a member presents its key certificate
 * (104 bytes), and a node admits a sender whose certificate names the sender's own key and carries
 * the authority's signature. `current` is the certificate this node presents, null until it has
 * registered. Neither expiry nor bans are checked here: a key certificate does not expire, and a
 * banned player is kept out of groups by the identity checks, not out of the DHT.
 */
export function keyCertificateMembership(authorityPublicKey: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>, current: () => KeyCertificate | null): DhtMembership {
  if (!(authorityPublicKey instanceof Uint8Array) || authorityPublicKey.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`keyCertificateMembership: the authority key must be ${PUBLIC_KEY_LENGTH} bytes`);
  const authority = authorityPublicKey.slice();
  let presented: { certificate: KeyCertificate; bytes: Uint8Array } | null = null;
  return {
    credential() {
      const certificate = current();
      if (certificate === null) return null;
      // Encoded once per certificate, not once per datagram.
      if (presented?.certificate !== certificate) presented = { certificate, bytes: encodeCertificate(KeyCertificateType, certificate) };
      return presented.bytes;
    },
    admits: (publicKey, credential) => boundKeyCertificate(credential, publicKey, authority, ed25519) !== null,
  };
}

/** A ban as a record keyed by the banned player's key; `ttlMs` from the ban's time. */
export function banRecord(writer: Signer, offender: KeyCertificate, ban: BanCertificate, ttlMs: number): DhtRecord {
  return signRecord(
    { type: 'ban', subject: offender.publicKey, seq: ban.bannedAtMs, expiresAtMs: ban.bannedAtMs + BigInt(ttlMs), value: concat(encodeCertificate(KeyCertificateType, offender), encodeCertificate(BanType, ban)) },
    writer,
  );
}

/**
 * The identity verifier's source (src/auth/identity.ts) backed by the DHT: the key certificate,
 * game key and ban of a public key, each from its own lookup; the DHT node has verified every
 * record (policies above) before this sees it.
 */
export function dhtCertificateSource(dht: Pick<DhtNode, 'get'>): CertificateSource {
  return {
    async fetch(publicKey) {
      const [kc, gk, ban] = await Promise.all([dht.get('key-certificate', publicKey), dht.get('game-key', publicKey), dht.get('ban', publicKey, { absenceIsAnswer: true })]);
      const bundle: { keyCertificate?: KeyCertificate; gameKey?: GameKey; ban?: BanCertificate } = {};
      const keyCertificate = kc.record ? decodeCertificate(KeyCertificateType, kc.record.value) : null;
      if (keyCertificate) bundle.keyCertificate = keyCertificate;
      if (gk.record) {
        const gameKey = decodeCertificate(GameKeyType, split(gk.record.value)[1]);
        if (gameKey) bundle.gameKey = gameKey;
      }
      if (ban.record) {
        const b = decodeCertificate(BanType, split(ban.record.value)[1]);
        if (b) bundle.ban = b;
      }
      return bundle satisfies CertificateBundle;
    },
  };
}
