import type { Ed25519Backend } from '../crypto/index.js';
import { equalBytes, toHex } from '../crypto/index.js';
import { createCounters, type CounterSnapshot } from '../metrics/index.js';
import type { Clock } from '../time/clock.js';
import { BanType, GameKeyType, KeyCertificateType, verifyCertificate, type BanCertificate, type GameKey, type KeyCertificate } from './certificates.js';

/** What a peer concludes about the key behind a message (SPEC §3). Only `ok` lets messages through. */
export type IdentityVerdict = 'ok' | 'banned' | 'expired' | 'forged' | 'unknown';
export const IDENTITY_VERDICTS = ['ok', 'banned', 'expired', 'forged', 'unknown'] as const satisfies readonly IdentityVerdict[];

/** Whatever is published for one key; any part may be missing. */
export interface CertificateBundle {
  readonly keyCertificate?: KeyCertificate;
  readonly gameKey?: GameKey;
  readonly ban?: BanCertificate;
}

/**
 * Where a peer finds a player's certificates and ban: the DHT (SPEC §4), or the authority itself as
 * a fallback. A rejected promise means "could not ask"; it is counted and treated as finding nothing.
 */
export interface CertificateSource {
  fetch(publicKey: Uint8Array): Promise<CertificateBundle>;
}

export interface IdentityVerifierConfig {
  /** The root of trust: every certificate and ban must carry this key's signature. */
  readonly authorityPublicKey: Uint8Array;
  /** How long an `ok` or `banned` verdict is reused (an `ok` never past its game key's expiry). */
  readonly cacheTtlMs: number;
  /** How long `unknown`, `expired` and `forged` are reused: shorter, since a renewal or a DHT write may fix them. Default cacheTtlMs / 10. */
  readonly negativeCacheTtlMs?: number;
  /** Cached keys, at most; the oldest entry goes first. Default 65 536. */
  readonly maxEntries?: number;
  /** Bans remembered from gossip and fetches, at most. Default 65 536. */
  readonly maxBans?: number;
}

export interface IdentityVerifierDeps {
  /** Unix-epoch ms (game keys expire on the wall clock); a ManualClock in tests. */
  readonly clock: Clock;
  readonly ed25519: Pick<Ed25519Backend, 'verify'>;
  readonly source: CertificateSource;
}

export const IDENTITY_COUNTERS = [
  'checks',
  'cacheHits',
  'fetches',
  'sourceErrors',
  'verdict.ok',
  'verdict.banned',
  'verdict.expired',
  'verdict.forged',
  'verdict.unknown',
  /** Valid bans learned (gossip or fetched), first time each. */
  'bansLearned',
  /** Bans that did not verify: ignored, so a forged ban can never exclude an honest player. */
  'bansRefused',
] as const;
export type IdentityCounter = (typeof IDENTITY_COUNTERS)[number];

export interface IdentityVerifier {
  /**
   * The verdict for a key, from the cache while fresh, otherwise from the source. Certificates
   * attached to a hello are verified and used, and the source is still asked for a ban.
   */
  check(publicKey: Uint8Array, attached?: { readonly keyCertificate?: KeyCertificate; readonly gameKey?: GameKey }): Promise<IdentityVerdict>;
  /** The cached verdict if still fresh, without asking anyone: the per-message fast path. */
  cached(publicKey: Uint8Array): IdentityVerdict | undefined;
  /** The player id of a key last judged `ok` or `banned`. */
  playerIdOf(publicKey: Uint8Array): bigint | undefined;
  /** A gossiped ban: verified, remembered, and applied to every cached key of that player. False when it does not verify. */
  learnBan(ban: BanCertificate): boolean;
  counters(): CounterSnapshot<IdentityCounter>;
}

interface Entry {
  verdict: IdentityVerdict;
  readonly playerId: bigint | undefined;
  expiresAtMs: number;
}

export function createIdentityVerifier(config: IdentityVerifierConfig, deps: IdentityVerifierDeps): IdentityVerifier {
  if (!(config.authorityPublicKey instanceof Uint8Array) || config.authorityPublicKey.length !== 32) throw new TypeError('createIdentityVerifier: authorityPublicKey must be 32 bytes');
  const positiveTtl = config.cacheTtlMs;
  const negativeTtl = config.negativeCacheTtlMs ?? config.cacheTtlMs / 10;
  const maxEntries = config.maxEntries ?? 65_536;
  const maxBans = config.maxBans ?? 65_536;
  for (const [name, v] of [
    ['cacheTtlMs', positiveTtl],
    ['negativeCacheTtlMs', negativeTtl],
    ['maxEntries', maxEntries],
    ['maxBans', maxBans],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`createIdentityVerifier: ${name} must be a finite number >= 0, got ${v}`);
  }
  const authorityKey = Uint8Array.from(config.authorityPublicKey);
  const { clock, ed25519, source } = deps;
  const counters = createCounters(IDENTITY_COUNTERS);
  const cache = new Map<string, Entry>();
  const bans = new Map<bigint, BanCertificate>();
  const inFlight = new Map<string, Promise<IdentityVerdict>>();

  const validBan = (ban: BanCertificate) => verifyCertificate(BanType, ban, authorityKey, ed25519);

  function remember(key: string, verdict: IdentityVerdict, playerId: bigint | undefined, gameKeyExpiresAtMs?: bigint): IdentityVerdict {
    const now = clock.nowMs();
    let expiresAtMs = now + (verdict === 'ok' || verdict === 'banned' ? positiveTtl : negativeTtl);
    // An ok verdict must not outlive the game key it rests on.
    if (verdict === 'ok' && gameKeyExpiresAtMs !== undefined) expiresAtMs = Math.min(expiresAtMs, Number(gameKeyExpiresAtMs));
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(key, { verdict, playerId, expiresAtMs });
    return verdict;
  }

  function addBan(ban: BanCertificate): boolean {
    if (bans.has(ban.playerId)) return false;
    if (bans.size >= maxBans) bans.delete(bans.keys().next().value as bigint);
    bans.set(ban.playerId, ban);
    counters.inc('bansLearned');
    for (const entry of cache.values()) if (entry.playerId === ban.playerId) entry.verdict = 'banned';
    return true;
  }

  function fresh(key: string): Entry | undefined {
    const entry = cache.get(key);
    if (!entry) return undefined;
    if (clock.nowMs() >= entry.expiresAtMs) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  }

  /** The verdict from everything known about one key; certificates from anywhere are checked alike. */
  function judge(publicKey: Uint8Array, key: string, attached: CertificateBundle, fetched: CertificateBundle): IdentityVerdict {
    const keyCandidates = [attached.keyCertificate, fetched.keyCertificate].filter((c): c is KeyCertificate => c !== undefined);
    if (keyCandidates.length === 0) return remember(key, 'unknown', undefined);
    const keyCertificate = keyCandidates.find((c) => equalBytes(c.publicKey, publicKey) && verifyCertificate(KeyCertificateType, c, authorityKey, ed25519));
    if (!keyCertificate) return remember(key, 'forged', undefined);
    const playerId = keyCertificate.playerId;
    if (fetched.ban) {
      if (!validBan(fetched.ban)) counters.inc('bansRefused');
      else if (fetched.ban.playerId === playerId) addBan(fetched.ban);
    }
    if (bans.has(playerId)) return remember(key, 'banned', playerId);
    // An attached game key is a claim by the sender: one for another player is a forgery, not noise.
    if (attached.gameKey && attached.gameKey.playerId !== playerId) return remember(key, 'forged', playerId);
    const gameKeys = [attached.gameKey, fetched.gameKey].filter((c): c is GameKey => c !== undefined);
    if (gameKeys.length === 0) return remember(key, 'unknown', playerId);
    const valid = gameKeys.filter((g) => g.playerId === playerId && verifyCertificate(GameKeyType, g, authorityKey, ed25519));
    if (valid.length === 0) return remember(key, 'forged', playerId);
    const latest = valid.reduce((a, b) => (b.expiresAtMs > a.expiresAtMs ? b : a));
    if (Number(latest.expiresAtMs) <= clock.nowMs()) return remember(key, 'expired', playerId);
    return remember(key, 'ok', playerId, latest.expiresAtMs);
  }

  async function fetchBundle(publicKey: Uint8Array): Promise<CertificateBundle> {
    counters.inc('fetches');
    try {
      return await source.fetch(publicKey);
    } catch {
      counters.inc('sourceErrors');
      return {};
    }
  }

  async function evaluate(publicKey: Uint8Array, key: string, attached: CertificateBundle): Promise<IdentityVerdict> {
    // Attached certificates that are forged need no lookup to be refused.
    if (attached.keyCertificate && !(equalBytes(attached.keyCertificate.publicKey, publicKey) && verifyCertificate(KeyCertificateType, attached.keyCertificate, authorityKey, ed25519))) {
      return remember(key, 'forged', undefined);
    }
    // A game key attached alone (a renewal) is matched to the fetched key certificate in judge().
    if (attached.gameKey && ((attached.keyCertificate && attached.gameKey.playerId !== attached.keyCertificate.playerId) || !verifyCertificate(GameKeyType, attached.gameKey, authorityKey, ed25519))) {
      return remember(key, 'forged', undefined);
    }
    return judge(publicKey, key, attached, await fetchBundle(publicKey));
  }

  function count(verdict: IdentityVerdict): IdentityVerdict {
    counters.inc(`verdict.${verdict}`);
    return verdict;
  }

  return {
    async check(publicKey, attached) {
      if (!(publicKey instanceof Uint8Array)) throw new TypeError('IdentityVerifier.check: publicKey must be a Uint8Array');
      counters.inc('checks');
      const key = toHex(publicKey);
      const hit = fresh(key);
      const hasAttached = attached !== undefined && (attached.keyCertificate !== undefined || attached.gameKey !== undefined);
      // New certificates can turn unknown or expired into ok (a renewal); anything else stands until it expires.
      if (hit && !(hasAttached && (hit.verdict === 'unknown' || hit.verdict === 'expired'))) {
        counters.inc('cacheHits');
        return count(hit.verdict);
      }
      if (hasAttached) return count(await evaluate(publicKey, key, attached));
      let flight = inFlight.get(key);
      if (!flight) {
        flight = evaluate(publicKey, key, {}).finally(() => inFlight.delete(key));
        inFlight.set(key, flight);
      }
      return count(await flight);
    },
    cached(publicKey) {
      return fresh(toHex(publicKey))?.verdict;
    },
    playerIdOf(publicKey) {
      const entry = fresh(toHex(publicKey));
      return entry && (entry.verdict === 'ok' || entry.verdict === 'banned') ? entry.playerId : undefined;
    },
    learnBan(ban) {
      if (!validBan(ban)) {
        counters.inc('bansRefused');
        return false;
      }
      return addBan(ban);
    },
    counters: () => counters.snapshot(),
  };
}
