import { equalBytes, sha256, type Ed25519Backend } from '../crypto/index.js';
import { createCounters, type CounterSnapshot } from '../metrics/index.js';
import type { Endpoint, Incoming, Transport } from '../net/index.js';
import { Chunk, splitValue, type Infer, type MessageSpec } from '../wire/index.js';
import { BanType, GameKeyType, KeyCertificateType, verifyCertificate, type BanCertificate, type GameKey, type KeyCertificate, type PaymentToken } from './certificates.js';
import type { CertificateBundle, CertificateSource } from './identity.js';
import { AuthBanned, AuthCertificates, AuthLookup, AuthLookupResult, AuthProof, AuthRefused, AuthRegister, AuthRenew, MAX_PROOF_CHUNKS, type RefusalReason } from './messages.js';
import { MAX_PROOF_BYTES } from './proofs.js';

/** Where the authority is and the key that is the root of trust; peers are configured with both. */
export interface AuthorityAddress {
  readonly endpoint: Endpoint;
  readonly publicKey: Uint8Array;
}

export interface AuthClientConfig {
  readonly authority: AuthorityAddress;
  /** Wait this long for an answer before sending the request again. Default 500 ms. */
  readonly timeoutMs?: number;
  /** Sends per request, the first included. Default 5. */
  readonly attempts?: number;
}

export interface AuthClientDeps {
  readonly ed25519: Pick<Ed25519Backend, 'verify'>;
}

/** Why a request produced no certificates: the authority's reason, or what went wrong on the way. */
export type AuthFailure = RefusalReason | 'timeout' | 'bad-answer' | 'closed';

export type RegistrationResult =
  | { readonly ok: true; readonly playerId: bigint; readonly keyCertificate: KeyCertificate; readonly gameKey: GameKey; readonly paidUntilMs: bigint }
  | { readonly ok: false; readonly reason: AuthFailure };

export type ProofResult = { readonly ok: true; readonly ban: BanCertificate } | { readonly ok: false; readonly reason: AuthFailure };

export type LookupResult = ({ readonly ok: true } & CertificateBundle) | { readonly ok: false; readonly reason: AuthFailure };

export const AUTH_CLIENT_COUNTERS = [
  /** Datagrams to the authority, retries and proof chunks included. */
  'messagesSent',
  /** Datagrams signed by the authority, late duplicates of answers included. */
  'messagesReceived',
  'requests',
  'retries',
  'timeouts',
  'refused',
  /** Answers signed by a key other than the authority's: ignored. */
  'foreignAnswers',
  /** Authority-signed answers for no pending request (late duplicates): ignored. */
  'unmatchedAnswers',
  /** Authority-signed answers whose certificates did not check out. */
  'badAnswers',
] as const;
export type AuthClientCounter = (typeof AUTH_CLIENT_COUNTERS)[number];

export interface AuthClient {
  readonly authority: AuthorityAddress;
  /** Registers this transport's key under `username`, paid by `token`. */
  register(username: string, token: PaymentToken): Promise<RegistrationResult>;
  /** A fresh game key; a token extends the subscription first. */
  renew(token?: PaymentToken): Promise<RegistrationResult>;
  /** Sends an encoded cheat proof (src/auth/proofs.ts) in chunks; the ban if the authority accepted it. */
  submitProof(proof: Uint8Array): Promise<ProofResult>;
  /** What the authority holds for a key or a player id; certificates that do not verify are left out. */
  lookup(query: { readonly publicKey: Uint8Array } | { readonly playerId: bigint }): Promise<LookupResult>;
  counters(): CounterSnapshot<AuthClientCounter>;
  /** Ends every pending request with `closed`. */
  close(): void;
}

type Answer =
  | { readonly kind: 'certificates'; readonly body: Infer<typeof AuthCertificates.body> }
  | { readonly kind: 'refused'; readonly reason: RefusalReason }
  | { readonly kind: 'banned'; readonly ban: BanCertificate }
  | { readonly kind: 'lookup'; readonly body: Infer<typeof AuthLookupResult.body> };

interface Pending {
  readonly accepts: Answer['kind'];
  readonly settle: (answer: Answer | 'timeout' | 'closed') => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The player's side of the authority protocol, installed once per transport (a transport takes
 * one handler per kind). Requests are retried with the same request id, which the authority
 * answers idempotently; an answer counts only when signed by the configured authority key, and
 * certificates in it are verified before they are handed out.
 */
export function installAuthClient(transport: Transport, config: AuthClientConfig, deps: AuthClientDeps): AuthClient {
  const timeoutMs = config.timeoutMs ?? 500;
  const attempts = config.attempts ?? 5;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`installAuthClient: timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new RangeError(`installAuthClient: attempts must be an integer >= 1, got ${attempts}`);
  const authority: AuthorityAddress = { endpoint: { ...config.authority.endpoint }, publicKey: Uint8Array.from(config.authority.publicKey) };
  const counters = createCounters(AUTH_CLIENT_COUNTERS);
  const pending = new Map<bigint, Pending>();
  // Ids from wall time: a restarted client does not take a late answer meant for its previous life.
  let nextRequestId = BigInt(Date.now()) << 16n;

  function onAnswer(msg: Incoming<{ requestId: bigint }>, answer: Answer): void {
    if (!msg.senderKey || !equalBytes(msg.senderKey, authority.publicKey)) return void counters.inc('foreignAnswers');
    counters.inc('messagesReceived');
    const waiter = pending.get(msg.body.requestId);
    if (!waiter || (waiter.accepts !== answer.kind && answer.kind !== 'refused')) return void counters.inc('unmatchedAnswers');
    waiter.settle(answer);
  }
  transport.handle(AuthCertificates, (msg) => onAnswer(msg, { kind: 'certificates', body: msg.body }));
  transport.handle(AuthRefused, (msg) => onAnswer(msg, { kind: 'refused', reason: msg.body.reason }));
  transport.handle(AuthBanned, (msg) => onAnswer(msg, { kind: 'banned', ban: msg.body.ban }));
  transport.handle(AuthLookupResult, (msg) => onAnswer(msg, { kind: 'lookup', body: msg.body }));

  /** Sends `transmit` up to `attempts` times until an answer of the expected kind (or a refusal) comes back. */
  function request(accepts: Answer['kind'], transmit: (requestId: bigint) => number): Promise<Answer | 'timeout' | 'closed'> {
    const requestId = nextRequestId++;
    counters.inc('requests');
    return new Promise((resolve) => {
      let sent = 0;
      const entry: Pending = {
        accepts,
        timer: undefined,
        settle: (answer) => {
          clearTimeout(entry.timer);
          pending.delete(requestId);
          if (answer === 'timeout') counters.inc('timeouts');
          else if (answer !== 'closed' && answer.kind === 'refused') counters.inc('refused');
          resolve(answer);
        },
      };
      const attempt = () => {
        if (sent >= attempts) return entry.settle('timeout');
        if (sent > 0) counters.inc('retries');
        sent++;
        counters.inc('messagesSent', transmit(requestId));
        entry.timer = setTimeout(attempt, timeoutMs);
      };
      pending.set(requestId, entry);
      try {
        attempt();
      } catch (error) {
        // A request that cannot be encoded is the caller's mistake: nothing stays pending.
        pending.delete(requestId);
        throw error;
      }
    });
  }

  const validKey = (c: KeyCertificate) => verifyCertificate(KeyCertificateType, c, authority.publicKey, deps.ed25519);
  const validGameKey = (c: GameKey) => verifyCertificate(GameKeyType, c, authority.publicKey, deps.ed25519);
  const validBan = (c: BanCertificate) => verifyCertificate(BanType, c, authority.publicKey, deps.ed25519);

  function certificatesResult(answer: Answer | 'timeout' | 'closed'): RegistrationResult {
    if (answer === 'timeout' || answer === 'closed') return { ok: false, reason: answer };
    if (answer.kind === 'refused') return { ok: false, reason: answer.reason };
    if (answer.kind !== 'certificates') return { ok: false, reason: 'bad-answer' };
    const { keyCertificate, gameKey, paidUntilMs } = answer.body;
    const valid =
      validKey(keyCertificate) &&
      validGameKey(gameKey) &&
      equalBytes(keyCertificate.publicKey, transport.publicKey) &&
      keyCertificate.playerId === gameKey.playerId;
    if (!valid) {
      counters.inc('badAnswers');
      return { ok: false, reason: 'bad-answer' };
    }
    return { ok: true, playerId: keyCertificate.playerId, keyCertificate, gameKey, paidUntilMs };
  }

  const send = <T>(spec: MessageSpec<T>, body: T): number => {
    transport.send(authority.endpoint, spec, body);
    return 1;
  };

  return {
    authority,
    async register(username, token) {
      return certificatesResult(await request('certificates', (requestId) => send(AuthRegister, { requestId, username, token })));
    },
    async renew(token) {
      return certificatesResult(await request('certificates', (requestId) => send(AuthRenew, { requestId, token: token ?? null })));
    },
    async submitProof(proof) {
      if (!(proof instanceof Uint8Array)) throw new TypeError('submitProof: proof must be a Uint8Array');
      if (proof.length > MAX_PROOF_BYTES) throw new RangeError(`submitProof: ${proof.length} bytes, at most ${MAX_PROOF_BYTES}`);
      const { manifest, chunks } = splitValue(proof, sha256);
      if (chunks.length > MAX_PROOF_CHUNKS) throw new RangeError(`submitProof: ${chunks.length} chunks, at most ${MAX_PROOF_CHUNKS}`);
      const answer = await request('banned', (requestId) => {
        // Chunks first: the authority completes the proof as soon as the listing message arrives.
        for (const chunk of chunks) transport.send(authority.endpoint, Chunk, chunk);
        send(AuthProof, { requestId, proofId: manifest.valueId, totalBytes: manifest.totalBytes, chunkIds: manifest.chunkIds });
        return chunks.length + 1;
      });
      if (answer === 'timeout' || answer === 'closed') return { ok: false, reason: answer };
      if (answer.kind === 'refused') return { ok: false, reason: answer.reason };
      if (answer.kind !== 'banned' || !validBan(answer.ban)) {
        counters.inc('badAnswers');
        return { ok: false, reason: 'bad-answer' };
      }
      return { ok: true, ban: answer.ban };
    },
    async lookup(query) {
      const publicKey = 'publicKey' in query ? query.publicKey : null;
      const playerId = 'playerId' in query ? query.playerId : null;
      const answer = await request('lookup', (requestId) => send(AuthLookup, { requestId, publicKey, playerId }));
      if (answer === 'timeout' || answer === 'closed') return { ok: false, reason: answer };
      if (answer.kind === 'refused') return { ok: false, reason: answer.reason };
      if (answer.kind !== 'lookup') return { ok: false, reason: 'bad-answer' };
      const { keyCertificate, gameKey, ban } = answer.body;
      const bundle: { keyCertificate?: KeyCertificate; gameKey?: GameKey; ban?: BanCertificate } = {};
      let bad = false;
      if (keyCertificate) {
        if (validKey(keyCertificate)) bundle.keyCertificate = keyCertificate;
        else bad = true;
      }
      if (gameKey) {
        if (validGameKey(gameKey)) bundle.gameKey = gameKey;
        else bad = true;
      }
      if (ban) {
        if (validBan(ban)) bundle.ban = ban;
        else bad = true;
      }
      if (bad) counters.inc('badAnswers');
      return { ok: true, ...bundle };
    },
    counters: () => counters.snapshot(),
    close() {
      for (const entry of [...pending.values()]) entry.settle('closed');
    },
  };
}

const clients = new WeakMap<Transport, AuthClient>();

/** The transport's client, installed on first use; one authority per transport. */
function clientFor(transport: Transport, config: AuthClientConfig, deps: AuthClientDeps): AuthClient {
  const existing = clients.get(transport);
  if (existing) {
    const same = equalBytes(existing.authority.publicKey, config.authority.publicKey) && existing.authority.endpoint.host === config.authority.endpoint.host && existing.authority.endpoint.port === config.authority.endpoint.port;
    if (!same) throw new TypeError('registerPlayer/submitProof: this transport already talks to another authority');
    return existing;
  }
  const client = installAuthClient(transport, config, deps);
  clients.set(transport, client);
  return client;
}

/**
 * One-call registration on a transport: installs the client on first use (a transport takes one
 * handler per kind, so later calls reuse it), sends with retries, verifies the certificates.
 */
export function registerPlayer(
  transport: Transport,
  request: AuthClientConfig & { readonly username: string; readonly token: PaymentToken },
  deps: AuthClientDeps,
): Promise<RegistrationResult> {
  return clientFor(transport, request, deps).register(request.username, request.token);
}

/** One-call proof submission on a transport; shares the transport's client with registerPlayer. */
export function submitProof(transport: Transport, request: AuthClientConfig & { readonly proof: Uint8Array }, deps: AuthClientDeps): Promise<ProofResult> {
  return clientFor(transport, request, deps).submitProof(request.proof);
}

/**
 * Asks the authority itself for a player's certificates: the fallback source for identity checks
 * while no DHT serves them (the DHT is meant to take this load off the authority, SPEC §3). A
 * failed lookup is reported as a rejection, which the identity verifier counts as a source error.
 */
export function authorityCertificateSource(client: AuthClient): CertificateSource {
  return {
    async fetch(publicKey) {
      const result = await client.lookup({ publicKey });
      if (!result.ok) throw new Error(`authority lookup failed: ${result.reason}`);
      const { ok: _ok, ...bundle } = result;
      return bundle;
    },
  };
}
