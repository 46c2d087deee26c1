import { createProtocolRegistry } from '../catalog.js';
import { createEd25519, createPairwiseAuthenticator, equalBytes, generateSeed, sha256, toHex, type Ed25519Backend, type Signer } from '../crypto/index.js';
import { createCounters, type CounterSnapshot } from '../metrics/index.js';
import { createTransport, installPinger, type Endpoint, type Incoming, type Transport, type TransportStats } from '../net/index.js';
import { systemClock, type Clock } from '../time/clock.js';
import { Chunk, reassembleValue, type ChunkBody, type MessageSpec } from '../wire/index.js';
import { BanType, GameKeyType, KeyCertificateType, PaymentTokenType, signCertificate, verifyCertificate, type BanCertificate, type GameKey, type KeyCertificate, type PaymentToken } from './certificates.js';
import {
  AuthBanned,
  AuthCertificates,
  AuthLookup,
  AuthLookupResult,
  AuthProof,
  AuthRefused,
  AuthRegister,
  AuthRenew,
  MAX_USERNAME_BYTES,
  REFUSAL_REASONS,
  type RefusalReason,
} from './messages.js';
import { MAX_PROOF_BYTES, createProofVerifier, type ProofKindVerifier } from './proofs.js';
import type { Account, AuthorityStore, BanRecord, StoreCounts } from './store.js';
import { systemWallClock } from './wall-clock.js';

export interface AuthorityConfig {
  /** Loopback by default. */
  readonly host?: string;
  /** 0 (default) picks any free port. */
  readonly port?: number;
  /** The SQLite file; created on first use. */
  readonly dbPath: string;
  /** How long a game key lasts; players renew it at the authority this often. */
  readonly gameKeyTtlMs: number;
  /** The payment stand-in's public key: tokens signed by it pay for accounts. */
  readonly paymentIssuerKey: Uint8Array;
  /** Tokens issued longer ago than this are refused. No limit by default. */
  readonly tokenMaxAgeMs?: number;
  /** SQLite synchronous mode (docs/auth.md, "Durability"). FULL by default. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Proof submissions waiting for their chunks, at most. Default 64. */
  readonly maxPendingProofs?: number;
  /** Chunks held while their proof is incomplete, at most. Default 256. */
  readonly maxPendingChunks?: number;
  /** How long an incomplete proof or a stray chunk is kept. Default 10 s. */
  readonly pendingTtlMs?: number;
  readonly recvBufferBytes?: number;
  readonly sendBufferBytes?: number;
}

export interface AuthorityDeps {
  /**
   * The authority's long-term Ed25519 seed. Absent: the seed stored in the database, or a fresh
   * one that is then stored there, so a restart on the same file keeps the same root of trust.
   */
  readonly identitySeed?: Uint8Array;
  readonly ed25519?: Ed25519Backend;
  /** The shared monotonic clock (transport replay windows, pending-proof ages). */
  readonly clock?: Clock;
  /** Unix-epoch ms for everything a certificate says (issue, expiry, ban times). */
  readonly wallClock?: Clock;
  /** Proof kinds this authority verifies; the NEO equivocation verifier by default. */
  readonly proofKinds?: readonly ProofKindVerifier[];
  /** A handler threw or the store failed: reported here, counted, answered with `internal-error`. */
  readonly onError?: (error: unknown, where: string) => void;
}

export const AUTHORITY_COUNTERS = [
  'messagesReceived',
  'messagesSent',
  'registrations',
  'reRegistrations',
  'renewals',
  'lookups',
  'refused',
  'proofsReceived',
  'proofsAccepted',
  'proofsRejected',
  'proofsIncomplete',
  'bans',
  'chunksReceived',
  'chunksRefused',
  'internalErrors',
] as const;
export type AuthorityCounter = (typeof AUTHORITY_COUNTERS)[number];
export type AuthorityCounterName = AuthorityCounter | `refused.${RefusalReason}`;

export interface Authority {
  readonly local: Endpoint;
  readonly endpointId: string;
  readonly publicKey: Uint8Array;
  /** Cumulative counters; `refused.<reason>` splits `refused` (proof rejections are the `proof-*` reasons). */
  counters(): CounterSnapshot<AuthorityCounterName>;
  transportStats(): TransportStats;
  storeCounts(): StoreCounts;
  close(): Promise<void>;
}

const META_PUBLIC_KEY = 'authority-public-key';
const META_SEED = 'authority-seed';
/** SQLite integers are signed 64-bit. */
const I64_MAX = (1n << 63n) - 1n;
/** C0 and C1 control characters (Unicode general category Cc). */
const CONTROL_CHARS = /\p{Cc}/u;

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** A name another player can read back as typed: NFC, no control characters, not blank. */
function validUsername(name: string): boolean {
  return name.trim().length > 0 && name === name.normalize('NFC') && !CONTROL_CHARS.test(name) && Buffer.byteLength(name) <= MAX_USERNAME_BYTES;
}

function validateConfig(config: AuthorityConfig): void {
  if (typeof config.dbPath !== 'string' || config.dbPath.length === 0) throw new TypeError('startAuthority: dbPath must be a non-empty string');
  if (!Number.isSafeInteger(config.gameKeyTtlMs) || config.gameKeyTtlMs <= 0) throw new RangeError(`startAuthority: gameKeyTtlMs must be a positive integer, got ${config.gameKeyTtlMs}`);
  if (!(config.paymentIssuerKey instanceof Uint8Array) || config.paymentIssuerKey.length !== 32) throw new TypeError('startAuthority: paymentIssuerKey must be a 32-byte Ed25519 public key');
  for (const [name, value] of [
    ['tokenMaxAgeMs', config.tokenMaxAgeMs],
    ['maxPendingProofs', config.maxPendingProofs],
    ['maxPendingChunks', config.maxPendingChunks],
    ['pendingTtlMs', config.pendingTtlMs],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new RangeError(`startAuthority: ${name} must be a positive integer, got ${value}`);
  }
}

/** The authority's signing key (and its seed, for pairwise MACs): given, or kept in the database, checked against the key the database was created with. */
function authorityIdentity(store: AuthorityStore, ed25519: Ed25519Backend, given: Uint8Array | undefined): { signer: Signer; seed: Uint8Array } {
  const seed = given ?? store.getMeta(META_SEED) ?? generateSeed();
  const signer = ed25519.createSigner(seed);
  const recorded = store.getMeta(META_PUBLIC_KEY);
  if (recorded && !equalBytes(recorded, signer.publicKey)) {
    throw new Error(`${store.path}: this database belongs to authority ${toHex(recorded)}, not ${toHex(signer.publicKey)}; its certificates would not verify under another key`);
  }
  if (!recorded) store.setMeta(META_PUBLIC_KEY, signer.publicKey);
  if (!given && !store.getMeta(META_SEED)) store.setMeta(META_SEED, seed);
  return { signer, seed };
}

interface PendingProof {
  readonly requestId: bigint;
  readonly from: Endpoint;
  readonly proofId: Uint8Array;
  readonly totalBytes: number;
  readonly chunkIds: readonly Uint8Array[];
  readonly atMs: number;
}

/**
 * The authority (AC, SPEC §3): a trusted server on its own UDP socket with its own long-term key.
 * It registers players paid for by the payment stand-in's tokens, renews their game keys, verifies
 * cheat proofs independently and signs bans, and answers lookups. Every request is answered only
 * after the store committed it.
 */
export async function startAuthority(config: AuthorityConfig, deps: AuthorityDeps = {}): Promise<Authority> {
  validateConfig(config);
  const ed25519 = deps.ed25519 ?? createEd25519('native');
  const clock = deps.clock ?? systemClock;
  const wallClock = deps.wallClock ?? systemWallClock;
  // Loaded here, not at import: peers use the rest of src/auth and never need the native SQLite module.
  const { openAuthorityStore } = await import('./store.js');
  const store = openAuthorityStore(config.dbPath, config.synchronous ? { synchronous: config.synchronous } : {});
  let signer: Signer;
  let seed: Uint8Array;
  try {
    ({ signer, seed } = authorityIdentity(store, ed25519, deps.identitySeed));
  } catch (e) {
    store.close();
    throw e;
  }
  const authorityKey = signer.publicKey;
  const issuerKey = Uint8Array.from(config.paymentIssuerKey);
  const ttl = BigInt(config.gameKeyTtlMs);
  const maxPendingProofs = config.maxPendingProofs ?? 64;
  const maxPendingChunks = config.maxPendingChunks ?? 256;
  const pendingTtlMs = config.pendingTtlMs ?? 10_000;
  const proofs = createProofVerifier({ authorityPublicKey: authorityKey }, { ed25519, ...(deps.proofKinds ? { kinds: deps.proofKinds } : {}) });
  const counters = createCounters<AuthorityCounterName>([...AUTHORITY_COUNTERS, ...REFUSAL_REASONS.map((r) => `refused.${r}` as const)]);

  let transport: Transport;
  try {
    transport = await createTransport(
      {
        host: config.host ?? '127.0.0.1',
        port: config.port ?? 0,
        ...(config.recvBufferBytes ? { recvBufferBytes: config.recvBufferBytes } : {}),
        ...(config.sendBufferBytes ? { sendBufferBytes: config.sendBufferBytes } : {}),
      },
      {
        registry: createProtocolRegistry(),
        signer,
        verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey),
        macKeys: createPairwiseAuthenticator(seed, signer.publicKey),
        clock,
        ...(deps.onError ? { onHandlerError: deps.onError } : {}),
      },
    );
  } catch (e) {
    store.close();
    throw e;
  }
  installPinger(transport, clock);

  const nowMs = () => BigInt(Math.floor(wallClock.nowMs()));
  const keyCertificate = (a: Account): KeyCertificate => signCertificate(KeyCertificateType, signer, { playerId: a.playerId, publicKey: a.publicKey });
  const gameKey = (a: Account): GameKey => signCertificate(GameKeyType, signer, { playerId: a.playerId, expiresAtMs: a.gameKeyExpiresAtMs });
  const banCertificate = (b: BanRecord): BanCertificate => signCertificate(BanType, signer, { playerId: b.playerId, bannedAtMs: b.bannedAtMs, reason: b.reason });

  function send<T>(to: Endpoint, spec: MessageSpec<T>, body: T): void {
    transport.send(to, spec, body);
    counters.inc('messagesSent');
  }

  function refuse(to: Endpoint, requestId: bigint, reason: RefusalReason): void {
    counters.inc('refused');
    counters.inc(`refused.${reason}`);
    if (reason.startsWith('proof-')) counters.inc('proofsRejected');
    send(to, AuthRefused, { requestId, reason });
  }

  function answerCertificates(to: Endpoint, requestId: bigint, account: Account): void {
    send(to, AuthCertificates, { requestId, keyCertificate: keyCertificate(account), gameKey: gameKey(account), paidUntilMs: account.paidUntilMs });
  }

  /** Token checks shared by registration and renewal; null when the token is good. */
  function tokenProblem(token: PaymentToken, now: bigint): RefusalReason | null {
    if (!verifyCertificate(PaymentTokenType, token, issuerKey, ed25519)) return 'token-invalid';
    if (config.tokenMaxAgeMs !== undefined && now - token.issuedAtMs > BigInt(config.tokenMaxAgeMs)) return 'token-expired';
    return null;
  }

  /** Runs one request; a store failure or a bug is reported and answered, never thrown into the socket listener. */
  function guarded<T>(msg: Incoming<T & { requestId: bigint }>, where: string, fn: (key: Uint8Array) => void): void {
    counters.inc('messagesReceived');
    sweep(clock.nowMs());
    try {
      fn(msg.senderKey as Uint8Array);
    } catch (error) {
      counters.inc('internalErrors');
      deps.onError?.(error, where);
      refuse(msg.from, msg.body.requestId, 'internal-error');
    }
  }

  transport.handle(AuthRegister, (msg) =>
    guarded(msg, 'auth-register', (key) => {
      const { requestId, username, token } = msg.body;
      if (!validUsername(username)) return refuse(msg.from, requestId, 'bad-username');
      const now = nowMs();
      const existing = store.accountByUsername(username);
      if (existing) {
        if (!equalBytes(existing.publicKey, key)) return refuse(msg.from, requestId, 'username-taken');
        // The same key asking for the same name again: a retry whose answer was lost, or a client
        // that restarted. The key proves who it is, so it gets its account back even if the token
        // has aged out since; a token that paid for someone else's account is still refused.
        const owner = store.tokenOwner(token.tokenId);
        if (owner !== undefined && owner !== existing.playerId) return refuse(msg.from, requestId, 'token-used');
        if (store.banOf(existing.playerId)) return refuse(msg.from, requestId, 'banned');
        counters.inc('reRegistrations');
        return answerCertificates(msg.from, requestId, refreshGameKey(existing, now));
      }
      const problem = tokenProblem(token, now);
      if (problem) return refuse(msg.from, requestId, problem);
      if (store.accountByKey(key)) return refuse(msg.from, requestId, 'key-taken');
      if (store.tokenOwner(token.tokenId) !== undefined) return refuse(msg.from, requestId, 'token-used');
      const paidUntilMs = min(now + token.planMs, I64_MAX);
      const account = store.createAccount({ username, publicKey: key, tokenId: token.tokenId, nowMs: now, paidUntilMs, gameKeyExpiresAtMs: min(now + ttl, paidUntilMs) });
      counters.inc('registrations');
      answerCertificates(msg.from, requestId, account);
    }),
  );

  /** A stored game key that has run out is replaced (within the paid period); a valid one is returned as it is. */
  function refreshGameKey(account: Account, now: bigint): Account {
    if (account.gameKeyExpiresAtMs > now || account.paidUntilMs <= now) return account;
    return store.updateExpirations({ playerId: account.playerId, paidUntilMs: account.paidUntilMs, gameKeyExpiresAtMs: min(now + ttl, account.paidUntilMs), nowMs: now });
  }

  transport.handle(AuthRenew, (msg) =>
    guarded(msg, 'auth-renew', (key) => {
      const { requestId, token } = msg.body;
      const account = store.accountByKey(key);
      if (!account) return refuse(msg.from, requestId, 'unknown-key');
      if (store.banOf(account.playerId)) return refuse(msg.from, requestId, 'banned');
      const now = nowMs();
      let paidUntilMs = account.paidUntilMs;
      let tokenId: Uint8Array | undefined;
      if (token) {
        const problem = tokenProblem(token, now);
        if (problem) return refuse(msg.from, requestId, problem);
        const owner = store.tokenOwner(token.tokenId);
        // A token this account already spent is a retried renewal: it extends once, not twice.
        if (owner !== undefined && owner !== account.playerId) return refuse(msg.from, requestId, 'token-used');
        if (owner === undefined) {
          paidUntilMs = min(max(paidUntilMs, now) + token.planMs, I64_MAX);
          tokenId = token.tokenId;
        }
      }
      if (paidUntilMs <= now) return refuse(msg.from, requestId, 'account-expired');
      const renewed = store.updateExpirations({ playerId: account.playerId, paidUntilMs, gameKeyExpiresAtMs: min(now + ttl, paidUntilMs), nowMs: now, ...(tokenId ? { tokenId } : {}) });
      counters.inc('renewals');
      answerCertificates(msg.from, requestId, renewed);
    }),
  );

  transport.handle(AuthLookup, (msg) =>
    guarded(msg, 'auth-lookup', () => {
      const { requestId, publicKey, playerId } = msg.body;
      if ((publicKey === null) === (playerId === null)) return refuse(msg.from, requestId, 'bad-request');
      counters.inc('lookups');
      const account = publicKey ? store.accountByKey(publicKey) : store.accountById(playerId as bigint);
      const banId = account?.playerId ?? playerId;
      const ban = banId !== null ? store.banOf(banId) : undefined;
      send(msg.from, AuthLookupResult, {
        requestId,
        keyCertificate: account ? keyCertificate(account) : null,
        gameKey: account ? gameKey(account) : null,
        ban: ban ? banCertificate(ban) : null,
      });
    }),
  );

  // ---- cheat proofs: an auth-proof message lists the chunks that carry the proof ----------------

  const pending = new Map<string, PendingProof>();
  const chunks = new Map<string, { data: Uint8Array; atMs: number }>();

  function sweep(now: number): void {
    for (const [id, p] of pending) {
      if (now - p.atMs <= pendingTtlMs) break;
      pending.delete(id);
      counters.inc('proofsIncomplete');
    }
    for (const [id, c] of chunks) {
      if (now - c.atMs <= pendingTtlMs) break;
      chunks.delete(id);
    }
  }

  function tryComplete(id: string, p: PendingProof): void {
    if (!p.chunkIds.every((c) => chunks.has(toHex(c)))) return;
    pending.delete(id);
    const pieces: ChunkBody[] = p.chunkIds.map((c) => ({ chunkId: c, data: (chunks.get(toHex(c)) as { data: Uint8Array }).data }));
    const bytes = reassembleValue({ valueId: p.proofId, totalBytes: p.totalBytes, chunkIds: [...p.chunkIds] }, pieces, sha256);
    if (!bytes) return refuse(p.from, p.requestId, 'proof-malformed');
    const verdict = proofs.verify(bytes);
    if (!verdict.ok) return refuse(p.from, p.requestId, `proof-${verdict.reason}`);
    // The certificate is the authority's own, but the id must still name that key today: a proof
    // must never ban whoever holds an id now if the certificate came from an older database.
    const account = store.accountById(verdict.offender.playerId);
    if (!account || !equalBytes(account.publicKey, verdict.offender.publicKey)) return refuse(p.from, p.requestId, 'proof-unknown-player');
    for (const c of p.chunkIds) chunks.delete(toHex(c));
    const { ban, created } = store.ban({ playerId: account.playerId, bannedAtMs: nowMs(), reason: verdict.digest, proof: bytes });
    counters.inc('proofsAccepted');
    if (created) counters.inc('bans');
    send(p.from, AuthBanned, { requestId: p.requestId, ban: banCertificate(ban) });
  }

  function completeOrReport(id: string, p: PendingProof): void {
    try {
      tryComplete(id, p);
    } catch (error) {
      counters.inc('internalErrors');
      deps.onError?.(error, 'auth-proof');
      refuse(p.from, p.requestId, 'internal-error');
    }
  }

  transport.handle(AuthProof, (msg) => {
    counters.inc('messagesReceived');
    counters.inc('proofsReceived');
    const now = clock.nowMs();
    sweep(now);
    const { requestId, proofId, totalBytes, chunkIds } = msg.body;
    if (totalBytes > MAX_PROOF_BYTES) return refuse(msg.from, requestId, 'proof-too-large');
    if (chunkIds.length === 0) return refuse(msg.from, requestId, 'proof-malformed');
    const id = `${toHex(msg.senderKey as Uint8Array)}:${toHex(proofId)}`;
    pending.delete(id);
    if (pending.size >= maxPendingProofs) return refuse(msg.from, requestId, 'busy');
    const entry: PendingProof = { requestId, from: msg.from, proofId, totalBytes, chunkIds, atMs: now };
    pending.set(id, entry);
    completeOrReport(id, entry);
  });

  transport.handle(Chunk, (msg) => {
    counters.inc('messagesReceived');
    counters.inc('chunksReceived');
    const now = clock.nowMs();
    sweep(now);
    const { chunkId, data } = msg.body;
    const id = toHex(chunkId);
    // Content-addressed: a chunk whose data does not hash to its id is never held.
    if (toHex(sha256(data)) !== id) return void counters.inc('chunksRefused');
    chunks.delete(id);
    if (chunks.size >= maxPendingChunks) chunks.delete(chunks.keys().next().value as string);
    chunks.set(id, { data, atMs: now });
    for (const [pid, p] of pending) if (p.chunkIds.some((c) => toHex(c) === id)) completeOrReport(pid, p);
  });

  let closed = false;
  return {
    local: transport.local,
    endpointId: transport.endpointId,
    publicKey: authorityKey,
    counters: () => counters.snapshot(),
    transportStats: () => transport.stats(),
    storeCounts: () => store.counts(),
    async close() {
      if (closed) return;
      closed = true;
      await transport.close();
      pending.clear();
      chunks.clear();
      store.close();
    },
  };
}
