import { describe, expect, it } from 'vitest';
import {
  BanType,
  GameKeyType,
  KeyCertificateType,
  authorityCertificateSource,
  createIdentityVerifier,
  signCertificate,
  type BanCertificate,
  type CertificateBundle,
  type CertificateSource,
  type GameKey,
  type KeyCertificate,
} from '../../src/auth/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { authoritySigner, ed, hex, seed } from './helpers.js';
import { PLAN, startHarness } from './support.js';

const NOW = 1_700_000_000_000;
const signers = [1, 2, 3, 4, 5, 6].map((n) => ed.createSigner(seed(50 + n)));
const forger = ed.createSigner(seed(99));

const keyCert = (playerId: bigint, publicKey: Uint8Array, by = authoritySigner): KeyCertificate => signCertificate(KeyCertificateType, by, { playerId, publicKey });
const gameKey = (playerId: bigint, expiresAtMs: number, by = authoritySigner): GameKey => signCertificate(GameKeyType, by, { playerId, expiresAtMs: BigInt(expiresAtMs) });
const ban = (playerId: bigint, by = authoritySigner): BanCertificate => signCertificate(BanType, by, { playerId, bannedAtMs: BigInt(NOW), reason: new Uint8Array(32).fill(7) });

/** An in-memory certificate source (what the DHT will provide): a map from key to bundle, with a fetch count. */
function memorySource(entries: [Uint8Array, CertificateBundle][]): CertificateSource & { fetched: number; set(key: Uint8Array, b: CertificateBundle): void; failing: boolean } {
  const map = new Map(entries.map(([k, b]) => [hex(k), b]));
  return {
    fetched: 0,
    failing: false,
    set(key, b) {
      map.set(hex(key), b);
    },
    async fetch(publicKey) {
      this.fetched++;
      if (this.failing) throw new Error('lookup failed');
      return map.get(hex(publicKey)) ?? {};
    },
  };
}

function setupWith<S extends CertificateSource>(source: S, ttl = { cacheTtlMs: 10_000, negativeCacheTtlMs: 1_000 }) {
  const clock = new ManualClock(NOW);
  const verifier = createIdentityVerifier({ authorityPublicKey: authoritySigner.publicKey, ...ttl }, { clock, ed25519: ed, source });
  return { clock, source, verifier };
}

function setup(entries: [Uint8Array, CertificateBundle][], ttl?: { cacheTtlMs: number; negativeCacheTtlMs: number }) {
  return setupWith(memorySource(entries), ttl);
}

const [valid, expired, banned, forgedCert, flipped, unknown] = signers as [typeof forger, typeof forger, typeof forger, typeof forger, typeof forger, typeof forger];

describe('identity verifier', () => {
  it('accepts a valid identity and rejects forged, expired, banned and unknown ones, each counted', async () => {
    const flippedCert = keyCert(5n, flipped.publicKey);
    flippedCert.signature[3] = (flippedCert.signature[3] as number) ^ 0x10;
    const { verifier } = setup([
      [valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) }],
      [expired.publicKey, { keyCertificate: keyCert(2n, expired.publicKey), gameKey: gameKey(2n, NOW - 1) }],
      [banned.publicKey, { keyCertificate: keyCert(3n, banned.publicKey), gameKey: gameKey(3n, NOW + 60_000), ban: ban(3n) }],
      [forgedCert.publicKey, { keyCertificate: keyCert(4n, forgedCert.publicKey, forger), gameKey: gameKey(4n, NOW + 60_000, forger) }],
      [flipped.publicKey, { keyCertificate: flippedCert, gameKey: gameKey(5n, NOW + 60_000) }],
    ]);
    expect(await verifier.check(valid.publicKey)).toBe('ok');
    expect(await verifier.check(expired.publicKey)).toBe('expired');
    expect(await verifier.check(banned.publicKey)).toBe('banned');
    expect(await verifier.check(forgedCert.publicKey)).toBe('forged');
    expect(await verifier.check(flipped.publicKey)).toBe('forged');
    expect(await verifier.check(unknown.publicKey)).toBe('unknown');
    expect(verifier.counters()).toMatchObject({ checks: 6, fetches: 6, 'verdict.ok': 1, 'verdict.expired': 1, 'verdict.banned': 1, 'verdict.forged': 2, 'verdict.unknown': 1, bansLearned: 1 });
    expect(verifier.playerIdOf(valid.publicKey)).toBe(1n);
    expect(verifier.playerIdOf(forgedCert.publicKey)).toBeUndefined();
  });

  it('a certificate for another key, a game key for another player, or a missing game key is not ok', async () => {
    const { verifier } = setup([
      [valid.publicKey, { keyCertificate: keyCert(1n, expired.publicKey), gameKey: gameKey(1n, NOW + 60_000) }],
      [expired.publicKey, { keyCertificate: keyCert(2n, expired.publicKey), gameKey: gameKey(9n, NOW + 60_000) }],
      [banned.publicKey, { keyCertificate: keyCert(3n, banned.publicKey) }],
    ]);
    expect(await verifier.check(valid.publicKey)).toBe('forged');
    expect(await verifier.check(expired.publicKey)).toBe('forged');
    expect(await verifier.check(banned.publicKey)).toBe('unknown');
  });

  it('a forged ban is refused and never excludes an honest player', async () => {
    const { verifier } = setup([[valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000), ban: ban(1n, forger) }]]);
    expect(await verifier.check(valid.publicKey)).toBe('ok');
    expect(verifier.learnBan(ban(1n, forger))).toBe(false);
    expect(verifier.cached(valid.publicKey)).toBe('ok');
    expect(verifier.counters()).toMatchObject({ bansRefused: 2, bansLearned: 0 });
  });

  it('caches ok for cacheTtlMs (never past the game key), negatives for the shorter TTL', async () => {
    const { clock, source, verifier } = setup([[valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) }]]);
    expect(await verifier.check(valid.publicKey)).toBe('ok');
    expect(await verifier.check(unknown.publicKey)).toBe('unknown');
    expect(source.fetched).toBe(2);
    clock.advance(999);
    expect(await verifier.check(valid.publicKey)).toBe('ok');
    expect(await verifier.check(unknown.publicKey)).toBe('unknown');
    expect(source.fetched).toBe(2);
    // The negative entry runs out first; the player has registered meanwhile.
    source.set(unknown.publicKey, { keyCertificate: keyCert(6n, unknown.publicKey), gameKey: gameKey(6n, NOW + 5_000) });
    clock.advance(1);
    expect(verifier.cached(unknown.publicKey)).toBeUndefined();
    expect(await verifier.check(unknown.publicKey)).toBe('ok');
    expect(source.fetched).toBe(3);
    // Its ok lasts until its game key expires (5 s), not the full 10 s.
    clock.advance(4_000);
    expect(verifier.cached(unknown.publicKey)).toBeUndefined();
    expect(await verifier.check(unknown.publicKey)).toBe('expired');
    clock.advance(4_999);
    expect(verifier.cached(valid.publicKey)).toBe('ok');
    clock.advance(1);
    expect(verifier.cached(valid.publicKey)).toBeUndefined();
    expect(verifier.counters()).toMatchObject({ checks: 6, cacheHits: 2, fetches: 4 });
  });

  it('a gossiped ban invalidates the cached verdict of that player at once', async () => {
    const { source, verifier } = setup([[valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) }]]);
    expect(await verifier.check(valid.publicKey)).toBe('ok');
    expect(verifier.learnBan(ban(1n))).toBe(true);
    expect(verifier.learnBan(ban(1n))).toBe(false);
    expect(verifier.cached(valid.publicKey)).toBe('banned');
    expect(await verifier.check(valid.publicKey)).toBe('banned');
    expect(source.fetched).toBe(1);
    expect(verifier.counters()).toMatchObject({ bansLearned: 1, 'verdict.banned': 1 });
  });

  it('certificates attached to a hello are verified, the source is still asked for a ban', async () => {
    const attached = { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) };
    const { source, verifier } = setup([]);
    expect(await verifier.check(valid.publicKey, attached)).toBe('ok');
    expect(source.fetched).toBe(1);
    // Forged attachments are refused without a lookup.
    expect(await verifier.check(forgedCert.publicKey, { keyCertificate: keyCert(4n, forgedCert.publicKey, forger), gameKey: gameKey(4n, NOW + 60_000, forger) })).toBe('forged');
    expect(await verifier.check(flipped.publicKey, { keyCertificate: keyCert(5n, flipped.publicKey), gameKey: gameKey(5n, NOW + 60_000, forger) })).toBe('forged');
    expect(source.fetched).toBe(1);
    // Valid attachments of a banned player: the ban from the source wins.
    source.set(banned.publicKey, { ban: ban(3n) });
    expect(await verifier.check(banned.publicKey, { keyCertificate: keyCert(3n, banned.publicKey), gameKey: gameKey(3n, NOW + 60_000) })).toBe('banned');
    // An expired player that renewed attaches its new game key: the cached 'expired' gives way.
    source.set(expired.publicKey, { keyCertificate: keyCert(2n, expired.publicKey), gameKey: gameKey(2n, NOW - 1) });
    expect(await verifier.check(expired.publicKey)).toBe('expired');
    expect(await verifier.check(expired.publicKey, { keyCertificate: keyCert(2n, expired.publicKey), gameKey: gameKey(2n, NOW + 60_000) })).toBe('ok');
    // A renewed game key attached alone is matched to the published key certificate; another player's is forged.
    source.set(valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW - 5) });
    source.set(unknown.publicKey, { keyCertificate: keyCert(6n, unknown.publicKey), gameKey: gameKey(6n, NOW - 5) });
    const { verifier: fresh } = setupWith(source);
    expect(await fresh.check(valid.publicKey, { gameKey: gameKey(1n, NOW + 60_000) })).toBe('ok');
    expect(await fresh.check(unknown.publicKey, { gameKey: gameKey(1n, NOW + 60_000) })).toBe('forged');
  });

  it('a failing source counts and yields unknown; concurrent checks of one key share one fetch', async () => {
    const { source, verifier } = setup([[valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) }]]);
    source.failing = true;
    expect(await verifier.check(valid.publicKey)).toBe('unknown');
    expect(verifier.counters().sourceErrors).toBe(1);
    const { source: s2, verifier: v2 } = setup([[valid.publicKey, { keyCertificate: keyCert(1n, valid.publicKey), gameKey: gameKey(1n, NOW + 60_000) }]]);
    const verdicts = await Promise.all([v2.check(valid.publicKey), v2.check(valid.publicKey), v2.check(valid.publicKey)]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok']);
    expect(s2.fetched).toBe(1);
  });

  it('the cache is bounded', async () => {
    const { verifier } = setup([], { cacheTtlMs: 10_000, negativeCacheTtlMs: 10_000, maxEntries: 2 } as never);
    for (const s of signers.slice(0, 3)) await verifier.check(s.publicKey);
    expect(verifier.cached(signers[0]!.publicKey)).toBeUndefined();
    expect(verifier.cached(signers[2]!.publicKey)).toBe('unknown');
  });

  it('backed by the authority itself over real UDP', async () => {
    const h = await startHarness();
    try {
      const { client } = await h.player(1);
      const { client: other, peer } = await h.player(2);
      const reg = await other.register('carol', h.issuer.issue({ amount: 1, planMs: PLAN }));
      expect(reg.ok).toBe(true);
      const verifier = createIdentityVerifier({ authorityPublicKey: h.authority.publicKey, cacheTtlMs: 10_000 }, { clock: h.wall, ed25519: ed, source: authorityCertificateSource(client) });
      expect(await verifier.check(peer.publicKey)).toBe('ok');
      expect(await verifier.check(new Uint8Array(32).fill(3))).toBe('unknown');
      expect(client.counters()).toMatchObject({ requests: 2, messagesReceived: 2 });
      expect(h.authority.counters().lookups).toBe(2);
    } finally {
      await h.close();
    }
  });
});
