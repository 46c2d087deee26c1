import { describe, expect, it } from 'vitest';
import {
  BanType,
  GameKeyType,
  KeyCertificateType,
  banRecord,
  certificateRecordPolicies,
  certificateRecords,
  createIdentityGate,
  createIdentityVerifier,
  dhtCertificateSource,
  encodeCertificate,
  signCertificate,
} from '../../src/auth/index.js';
import { DhtStore, installDht, signRecord, type DhtNode } from '../../src/dht/index.js';
import { GroupJoin } from '../../src/groups/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { authoritySigner, ed } from './helpers.js';
import { PLAN, T0, TTL, startHarness } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SPEC §3 on real sockets: certificates published in the DHT by their owners, a receiving peer's
 * first-contact check through the DHT, and a player's messages ignored and counted when its
 * identity is expired, banned, unknown or forged (a forged certificate never even gets stored).
 */
describe('first-contact identity checks through the DHT', () => {
  it('lets a registered player through and ignores expired, banned, unknown and forged identities, counting each', async () => {
    const h = await startHarness();
    const scheduler = createTimerQueue({ clock: systemClock });
    const rng = createRng('gate-test');
    const policies = certificateRecordPolicies(h.authority.publicKey, ed);
    const dhtOf = new Map<PeerNode, DhtNode>();
    const withDht = (peer: PeerNode, i: number) => {
      const dht = installDht(peer.transport, { requestTimeoutMs: 300 }, { clock: systemClock, scheduler, rng: rng.fork(`dht:${i}`), verify: (s, m, k) => ed.verify(s, m, k), policies, wallClock: h.wall });
      dhtOf.set(peer, dht);
      return dht;
    };
    try {
      const receiver = await h.player(0);
      const [valid, expired, banned, unknown, forged] = await Promise.all([1, 2, 3, 4, 5].map((n) => h.player(n)));
      const everyone = [receiver, valid, expired, banned, unknown, forged].map((p) => p!.peer);
      everyone.forEach((p, i) => withDht(p, i));
      const seedContact = receiver.peer.transport.local;
      await Promise.all(everyone.slice(1).map((p) => dhtOf.get(p)!.bootstrap([seedContact])));

      // Registered players publish their own certificates.
      for (const p of [valid!, expired!, banned!]) {
        const token = h.issuer.issue({ amount: 1, planMs: PLAN });
        const reg = await p.client.register(`player-${p.peer.transport.local.port}`, token);
        if (!reg.ok) throw new Error(`registration failed: ${JSON.stringify(reg)}`);
        let gameKey = reg.gameKey;
        // The authority's own key signs an already-expired game key for this player.
        if (p === expired) gameKey = signCertificate(GameKeyType, authoritySigner, { playerId: reg.keyCertificate.playerId, expiresAtMs: BigInt(T0 - 1) });
        if (p !== expired) {
          for (const record of certificateRecords(p.peer.signer, reg.keyCertificate, gameKey)) await dhtOf.get(p.peer)!.put(record);
        } else {
          // The record stays storable (it expires later) but carries a game key that has run out.
          const kc = reg.keyCertificate;
          const value = new Uint8Array([...encodeCertificate(KeyCertificateType, kc), ...encodeCertificate(GameKeyType, gameKey)]);
          await dhtOf.get(p.peer)!.put(signRecord({ type: 'game-key', subject: p.peer.publicKey, seq: 1n, expiresAtMs: BigInt(T0 + TTL), value }, p.peer.signer));
          await dhtOf.get(p.peer)!.put(signRecord({ type: 'key-certificate', subject: p.peer.publicKey, seq: 1n, expiresAtMs: BigInt(T0 + TTL), value: encodeCertificate(KeyCertificateType, kc) }, p.peer.signer));
        }
        if (p === banned) {
          const ban = signCertificate(BanType, authoritySigner, { playerId: reg.keyCertificate.playerId, bannedAtMs: BigInt(T0), reason: new Uint8Array(32).fill(9) });
          await dhtOf.get(valid!.peer)!.put(banRecord(valid!.peer.signer, reg.keyCertificate, ban, TTL));
        }
      }
      // A forger signs its own "key certificate": storing nodes refuse the record.
      const forgedCert = signCertificate(KeyCertificateType, forged!.peer.signer, { playerId: 999n, publicKey: forged!.peer.publicKey });
      const forgedRecord = signRecord({ type: 'key-certificate', subject: forged!.peer.publicKey, seq: 1n, expiresAtMs: BigInt(T0 + TTL), value: encodeCertificate(KeyCertificateType, forgedCert) }, forged!.peer.signer);
      // Its own node refuses to publish it (a programmer error there), so it sends raw STOREs.
      await expect(dhtOf.get(forged!.peer)!.put(forgedRecord)).rejects.toThrow(/invalid-value/);
      for (const p of everyone) if (p !== forged!.peer) forged!.peer.transport.send(p.transport.local, DhtStore, { rid: 1, record: forgedRecord });
      await sleep(200);

      const verifier = createIdentityVerifier({ authorityPublicKey: h.authority.publicKey, cacheTtlMs: 30_000 }, { clock: h.wall, ed25519: ed, source: dhtCertificateSource(dhtOf.get(receiver.peer)!) });
      const gate = createIdentityGate(receiver.peer.transport, verifier);
      const heard: string[] = [];
      gate.transport.handle(GroupJoin, (m) => heard.push(Buffer.from(m.senderKey!).toString('hex')));
      for (let round = 0; round < 2; round++) {
        for (const p of [valid!, expired!, banned!, unknown!, forged!]) p.peer.transport.send(receiver.peer.transport.local, GroupJoin, { session: new Uint8Array(16), keyCertificate: null, gameKey: null, avatar: null, character: null });
        await sleep(500);
      }
      expect(heard).toEqual([Buffer.from(valid!.peer.publicKey).toString('hex'), Buffer.from(valid!.peer.publicKey).toString('hex')]);
      const c = gate.counters();
      expect(c.passed).toBe(2);
      expect(c['ignored.expired']).toBe(2);
      expect(c['ignored.banned']).toBe(2);
      // The forger's certificate was never stored, so it is as unknown as a key that never registered.
      expect(c['ignored.unknown']).toBe(4);
      const refused = [...dhtOf.values()].reduce((n, d) => n + d.stats().rejectedOnStore['invalid-value'], 0);
      expect(refused).toBeGreaterThan(0);
    } finally {
      for (const d of dhtOf.values()) d.close();
      scheduler.close();
      await h.close();
    }
  }, 30_000);
});

