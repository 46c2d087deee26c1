import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  AuthLookup,
  AuthProof,
  KeyCertificateType,
  encodeNeoEquivocationProof,
  registerPlayer,
  signCertificate,
  startAuthority,
  submitProof,
  verifyCertificate,
  type KeyCertificate,
} from '../../src/auth/index.js';
import { createPaymentIssuer } from '../../src/auth/index.js';
import { startPeerNode } from '../../src/peer/index.js';
import { Chunk, encodeMessage } from '../../src/wire/index.js';
import { openRawSocket, waitUntil } from '../support/peers.js';
import { ed, hex, roundContent, seed, signRound } from './helpers.js';
import { PLAN, T0, TTL, startHarness, type Harness } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
async function start(...args: Parameters<typeof startHarness>): Promise<Harness> {
  harness = await startHarness(...args);
  return harness;
}

describe('authority over real UDP and SQLite', () => {
  it('registers players with fresh ids and returns certificates signed by the authority', async () => {
    const h = await start();
    const { peer: alice, client: a } = await h.player(1);
    const { client: b } = await h.player(2);
    const ra = await a.register('alice', h.issuer.issue({ amount: 999, planMs: PLAN }));
    const rb = await b.register('bob', h.issuer.issue({ amount: 999, planMs: PLAN }));
    expect(ra).toMatchObject({ ok: true, playerId: 1n, paidUntilMs: BigInt(T0 + PLAN) });
    expect(rb).toMatchObject({ ok: true, playerId: 2n });
    if (!ra.ok) return;
    expect(hex(ra.keyCertificate.publicKey)).toBe(hex(alice.publicKey));
    expect(ra.gameKey.expiresAtMs).toBe(BigInt(T0 + TTL));
    expect(verifyCertificate(KeyCertificateType, ra.keyCertificate, h.authority.publicKey, ed)).toBe(true);
    expect(h.authority.counters()).toMatchObject({ registrations: 2, refused: 0, messagesReceived: 2, messagesSent: 2 });
    expect(a.counters()).toMatchObject({ requests: 1, messagesSent: 1, messagesReceived: 1, timeouts: 0 });
    expect(h.authority.storeCounts()).toMatchObject({ accounts: 2, consumedTokens: 2, lastPlayerId: 2n });
  });

  it('a retried registration returns the same player id; taken names, keys and tokens are refused with their reason', async () => {
    const h = await start();
    const { client: a } = await h.player(1);
    const { client: b } = await h.player(2);
    const token = h.issuer.issue({ amount: 1, planMs: PLAN });
    const first = await a.register('alice', token);
    const retry = await a.register('alice', token);
    expect(first.ok && retry.ok && retry.playerId === first.playerId).toBe(true);
    expect(h.authority.counters()).toMatchObject({ registrations: 1, reRegistrations: 1 });
    // Another key for a taken name, the same key under a second name, a spent token, a foreign issuer.
    expect(await b.register('alice', h.issuer.issue({ amount: 1, planMs: PLAN }))).toEqual({ ok: false, reason: 'username-taken' });
    expect(await a.register('alice2', h.issuer.issue({ amount: 1, planMs: PLAN }))).toEqual({ ok: false, reason: 'key-taken' });
    expect(await b.register('bob', token)).toEqual({ ok: false, reason: 'token-used' });
    const forger = createPaymentIssuer(seed(66), { ed25519: ed, wallClock: h.wall });
    expect(await b.register('bob', forger.issue({ amount: 1, planMs: PLAN }))).toEqual({ ok: false, reason: 'token-invalid' });
    expect(await b.register(' ', h.issuer.issue({ amount: 1, planMs: PLAN }))).toEqual({ ok: false, reason: 'bad-username' });
    expect(await b.register('bo\u0007b', h.issuer.issue({ amount: 1, planMs: PLAN }))).toEqual({ ok: false, reason: 'bad-username' });
    const c = h.authority.counters();
    expect(c).toMatchObject({ refused: 6, 'refused.username-taken': 1, 'refused.key-taken': 1, 'refused.token-used': 1, 'refused.token-invalid': 1, 'refused.bad-username': 2 });
    expect(h.authority.storeCounts().accounts).toBe(1);
    // A refused request is not a failed transport: every refusal was answered at once.
    expect(b.counters()).toMatchObject({ refused: 5, retries: 0, timeouts: 0 });
  });

  it('refuses tokens older than tokenMaxAgeMs, but not the retry of a registration they already paid for', async () => {
    const h = await start({ tokenMaxAgeMs: 1000 });
    const { client } = await h.player(1);
    const { client: late } = await h.player(2);
    const token = h.issuer.issue({ amount: 1, planMs: PLAN });
    const stale = h.issuer.issue({ amount: 1, planMs: PLAN });
    const first = await client.register('early', token);
    h.wall.advance(1001);
    expect(await late.register('late', stale)).toEqual({ ok: false, reason: 'token-expired' });
    expect(await client.register('early', token)).toMatchObject({ ok: true, playerId: first.ok ? first.playerId : -1n });
  });

  it('registerPlayer and submitProof: one call each, sharing the transport\'s client', async () => {
    const h = await start();
    // Bare peers: the harness's players already have a client installed.
    const honest = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed(31), ed25519: ed });
    const cheater = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed(32), ed25519: ed });
    onTestFinished(() => Promise.all([honest.close(), cheater.close()]).then(() => undefined));
    const authority = { endpoint: h.authority.local, publicKey: h.authority.publicKey };
    const reg = await registerPlayer(cheater.transport, { authority, username: 'mallory', token: h.issuer.issue({ amount: 1, planMs: PLAN }) }, { ed25519: ed });
    const mine = await registerPlayer(honest.transport, { authority, username: 'alice', token: h.issuer.issue({ amount: 1, planMs: PLAN }) }, { ed25519: ed });
    expect(reg.ok && mine.ok).toBe(true);
    if (!reg.ok) return;
    const proof = encodeNeoEquivocationProof(reg.keyCertificate, signRound(cheater.signer, roundContent({ update: new Uint8Array([1]) })), signRound(cheater.signer, roundContent({ update: new Uint8Array([2]) })));
    const banned = await submitProof(honest.transport, { authority, proof }, { ed25519: ed });
    expect(banned.ok && banned.ban.playerId === reg.playerId).toBe(true);
    // The transport's client is bound to one authority; a name that cannot be encoded is the caller's mistake.
    await expect(async () => registerPlayer(honest.transport, { authority: { ...authority, publicKey: new Uint8Array(32) }, username: 'x', token: h.issuer.issue({ amount: 1, planMs: PLAN }) }, { ed25519: ed })).rejects.toThrow(TypeError);
    await expect(registerPlayer(honest.transport, { authority, username: 'x'.repeat(33), token: h.issuer.issue({ amount: 1, planMs: PLAN }) }, { ed25519: ed })).rejects.toThrow(TypeError);
  });

  it('renews game keys within the paid period, extends it with a token once, and refuses after it ends', async () => {
    const h = await start();
    const { client } = await h.player(1);
    const { client: stranger } = await h.player(2);
    const reg = await client.register('alice', h.issuer.issue({ amount: 1, planMs: 3 * TTL }));
    expect(reg.ok).toBe(true);
    h.wall.advance(TTL + 1);
    const renewed = await client.renew();
    expect(renewed).toMatchObject({ ok: true, playerId: 1n });
    expect(renewed.ok && renewed.gameKey.expiresAtMs).toBe(BigInt(T0 + 2 * TTL + 1));
    // The game key never outlives the subscription.
    h.wall.advance(TTL + TTL / 2);
    const capped = await client.renew();
    expect(capped.ok).toBe(true);
    expect(capped.ok && capped.gameKey.expiresAtMs).toBe(BigInt(T0 + 3 * TTL));
    h.wall.advance(TTL);
    expect(await client.renew()).toEqual({ ok: false, reason: 'account-expired' });
    // A new token extends from now; its retry does not extend twice.
    const topUp = h.issuer.issue({ amount: 1, planMs: 10 * TTL });
    const extended = await client.renew(topUp);
    const retried = await client.renew(topUp);
    expect(extended.ok && retried.ok).toBe(true);
    if (extended.ok && retried.ok) {
      expect(extended.paidUntilMs).toBe(BigInt(h.wall.nowMs() + 10 * TTL));
      expect(retried.paidUntilMs).toBe(extended.paidUntilMs);
    }
    expect(await stranger.renew()).toEqual({ ok: false, reason: 'unknown-key' });
    expect(h.authority.counters()).toMatchObject({ renewals: 4, 'refused.account-expired': 1, 'refused.unknown-key': 1 });
  });

  it('bans an equivocating player on a valid proof, keeps the first ban, and refuses proofs that do not hold', async () => {
    const h = await start();
    const { client: a } = await h.player(1);
    const { peer: cheater, client: b } = await h.player(2);
    const ra = await a.register('alice', h.issuer.issue({ amount: 1, planMs: PLAN }));
    const rb = await b.register('mallory', h.issuer.issue({ amount: 1, planMs: PLAN }));
    if (!ra.ok || !rb.ok) throw new Error('registration failed');
    const m1 = signRound(cheater.signer, roundContent({ update: new Uint8Array([1]) }));
    const m2 = signRound(cheater.signer, roundContent({ update: new Uint8Array([2]) }));

    // Proofs that must not ban anyone: identical copies, the cheater's messages under the honest player's certificate, a bad signature.
    expect(await a.submitProof(encodeNeoEquivocationProof(rb.keyCertificate, m1, m1))).toEqual({ ok: false, reason: 'proof-identical' });
    expect(await b.submitProof(encodeNeoEquivocationProof(ra.keyCertificate, m1, m2))).toEqual({ ok: false, reason: 'proof-signature' });
    const tampered = { ...m2, signature: m2.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) };
    expect(await a.submitProof(encodeNeoEquivocationProof(rb.keyCertificate, m1, tampered))).toEqual({ ok: false, reason: 'proof-signature' });
    const forgedCert: KeyCertificate = signCertificate(KeyCertificateType, cheater.signer, { playerId: 1n, publicKey: cheater.publicKey });
    expect(await a.submitProof(encodeNeoEquivocationProof(forgedCert, m1, m2))).toEqual({ ok: false, reason: 'proof-certificate' });
    expect(h.authority.storeCounts().bans).toBe(0);

    const banned = await a.submitProof(encodeNeoEquivocationProof(rb.keyCertificate, m1, m2));
    expect(banned.ok).toBe(true);
    if (!banned.ok) return;
    expect(banned.ban.playerId).toBe(rb.playerId);
    expect(banned.ban.bannedAtMs).toBe(BigInt(T0));
    // The same proof again, or another one, returns the first ban unchanged.
    h.wall.advance(5000);
    const again = await a.submitProof(encodeNeoEquivocationProof(rb.keyCertificate, m2, m1));
    expect(again.ok && hex(again.ban.signature) === hex(banned.ban.signature)).toBe(true);

    expect(await b.renew()).toEqual({ ok: false, reason: 'banned' });
    const lookedUp = await a.lookup({ publicKey: cheater.publicKey });
    expect(lookedUp.ok && lookedUp.ban?.playerId === rb.playerId && lookedUp.keyCertificate?.playerId === rb.playerId).toBe(true);
    const byId = await a.lookup({ playerId: ra.playerId });
    expect(byId.ok && byId.ban === undefined && byId.gameKey?.playerId === ra.playerId).toBe(true);
    const nobody = await a.lookup({ playerId: 999n });
    expect(nobody).toEqual({ ok: true });

    expect(h.authority.counters()).toMatchObject({
      proofsReceived: 6,
      proofsAccepted: 2,
      proofsRejected: 4,
      bans: 1,
      'refused.proof-identical': 1,
      'refused.proof-signature': 2,
      'refused.proof-certificate': 1,
      'refused.banned': 1,
      lookups: 3,
    });
    expect(h.authority.storeCounts().bans).toBe(1);
  });

  it('ignores answers not signed by the configured authority key, and times out', async () => {
    const h = await start();
    const { client } = await h.player(1, { authorityKey: new Uint8Array(32).fill(0x42), timeoutMs: 50, attempts: 3 });
    const result = await client.register('alice', h.issuer.issue({ amount: 1, planMs: PLAN }));
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    expect(client.counters()).toMatchObject({ messagesSent: 3, retries: 2, timeouts: 1, messagesReceived: 0 });
    await waitUntil(() => client.counters().foreignAnswers === 3, 'three foreign answers');
    // The authority did its job each time (idempotently).
    expect(h.authority.counters()).toMatchObject({ registrations: 1, reRegistrations: 2 });
  });

  it('survives garbage: malformed datagrams, bad chunks, incomplete and oversized proofs, malformed lookups', async () => {
    const h = await start({ pendingTtlMs: 50, maxPendingProofs: 2 });
    const { peer, client } = await h.player(1);
    const raw = await openRawSocket();
    try {
      for (let i = 0; i < 50; i++) await raw.send(new Uint8Array(Array.from({ length: 10 + i * 7 }, (_, j) => (i * 31 + j * 17) & 0xff)), h.authority.local.port);
      await raw.send(encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array([1]) }), h.authority.local.port);
      // A proof listing chunks that never come, then one too large, then a lookup naming both a key and an id.
      peer.transport.send(h.authority.local, AuthProof, { requestId: 1n, proofId: new Uint8Array(32).fill(1), totalBytes: 10, chunkIds: [new Uint8Array(32).fill(2)] });
      peer.transport.send(h.authority.local, AuthProof, { requestId: 2n, proofId: new Uint8Array(32).fill(1), totalBytes: 100_000, chunkIds: [new Uint8Array(32).fill(2)] });
      peer.transport.send(h.authority.local, AuthLookup, { requestId: 3n, publicKey: peer.publicKey, playerId: 1n });
      await waitUntil(() => h.authority.counters()['refused.bad-request'] === 1, 'the malformed lookup refused');
      await new Promise((r) => setTimeout(r, 60));
      // The next message sweeps the incomplete proof out.
      expect((await client.register('alice', h.issuer.issue({ amount: 1, planMs: PLAN }))).ok).toBe(true);
      const c = h.authority.counters();
      expect(c).toMatchObject({ chunksRefused: 1, 'refused.proof-too-large': 1, proofsIncomplete: 1, registrations: 1, internalErrors: 0 });
      const dropped = Object.values(h.authority.transportStats().dropped).reduce((x, y) => x + y, 0);
      expect(dropped).toBe(50);
    } finally {
      await raw.close();
    }
  });

  it('a database belongs to one authority key: opening it under another is refused', async () => {
    const h = await start();
    const dbPath = h.dbPath;
    await h.close();
    harness = undefined;
    await expect(startAuthority({ dbPath, gameKeyTtlMs: TTL, paymentIssuerKey: seed(2) }, { identitySeed: seed(9), ed25519: ed })).rejects.toThrow(/belongs to authority/);
    // Without a seed it uses the one the database holds... which this one never stored (it was given one).
    const generated = await startAuthority({ dbPath: `${dbPath}-2`, gameKeyTtlMs: TTL, paymentIssuerKey: seed(2) }, { ed25519: ed });
    const key = hex(generated.publicKey);
    await generated.close();
    const reopened = await startAuthority({ dbPath: `${dbPath}-2`, gameKeyTtlMs: TTL, paymentIssuerKey: seed(2) }, { ed25519: ed });
    expect(hex(reopened.publicKey)).toBe(key);
    await reopened.close();
  });

  it('misuse throws: a bad configuration', async () => {
    await expect(startAuthority({ dbPath: '', gameKeyTtlMs: TTL, paymentIssuerKey: seed(2) })).rejects.toThrow(TypeError);
    await expect(startAuthority({ dbPath: 'x.db', gameKeyTtlMs: 0, paymentIssuerKey: seed(2) })).rejects.toThrow(RangeError);
    await expect(startAuthority({ dbPath: 'x.db', gameKeyTtlMs: 1, paymentIssuerKey: new Uint8Array(3) })).rejects.toThrow(TypeError);
  });
});
