import { afterEach, describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { installDht, sameRecord, signRecord, type DhtNode, type DhtRecord, type DhtStats, type RecordPolicies } from '../../src/dht/index.js';
import type { GroupView } from '../../src/groups/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { systemClock } from '../../src/time/clock.js';
import {
  decodeZoneLeaders,
  encodeZoneLeaders,
  endorse,
  leafRecordSubject,
  zoneLeadersBody,
  zoneLeadersPolicy,
  zoneLeadersRecord,
  type LeafAddress,
} from '../../src/zones/index.js';
import { startNetwork, type Member, type TestNetwork } from '../dht/network.js';

const ed = createEd25519('native');
const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed.verify(s, m, k);
const HOUR = 3_600_000;
const leaf: LeafAddress = { zoneId: 'keep', path: '21' };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Honest DHT nodes on real sockets, every one with the zone-leaders policy, as every player has it (startPlayerServices). */
async function network(): Promise<TestNetwork> {
  const policies: RecordPolicies = { 'zone-leaders': zoneLeadersPolicy(verify) };
  // No republish or refresh during the test: every STORE a node sees comes from the puts below (or a join-time hand-over).
  const net = await startNetwork(10, { seed: 'zone-leaders', policies, config: { k: 4, requestTimeoutMs: 2000, republishIntervalMs: HOUR, refreshIntervalMs: HOUR } });
  cleanup.push(() => net.close());
  return net;
}

/**
 * A modified client: a real DHT node whose own policy lets it put any zone-leaders record, so its
 * put goes out to the honest storing nodes, which decide.
 */
async function forger(net: TestNetwork): Promise<{ peer: PeerNode; dht: DhtNode }> {
  const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: new Uint8Array(32).fill(0x66), ed25519: ed });
  const dht = installDht(peer.transport, { k: 4, requestTimeoutMs: 2000, republishIntervalMs: HOUR, refreshIntervalMs: HOUR }, {
    clock: systemClock,
    scheduler: net.scheduler,
    rng: net.rng.fork('forger'),
    verify,
    policies: { 'zone-leaders': { authorizedWriter: () => true } },
  });
  cleanup.push(async () => {
    dht.close();
    await peer.close();
  });
  await dht.bootstrap(net.members.slice(0, 3).map((m) => m.dht.contact));
  return { peer, dht };
}

function viewOf(sessionByte: number, members: readonly PeerNode[]): GroupView {
  return {
    sessionId: new Uint8Array(16).fill(sessionByte),
    number: 4,
    startRound: 180,
    members: members.map((p, seat) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat })),
  };
}

const sum = (members: readonly Member[], pick: (s: DhtStats) => number) => members.reduce((n, m) => n + pick(m.dht.stats()), 0);

describe('the zone-leaders record on real sockets', () => {
  it('a member of the group publishes its endorsed leaders, readers find them; forged records are refused at every storing node and the genuine one stays', async () => {
    const net = await network();
    const group = net.members.slice(1, 4);
    const [leader, standby, third] = group as [Member, Member, Member];
    const subject = leafRecordSubject(leaf);

    // Every member builds the body from its agreed view and endorses it; the third member writes
    // the record with two endorsements (a strict majority of three), seq = its current round.
    const body = zoneLeadersBody(leaf, viewOf(0x5e, group.map((m) => m.peer)));
    const endorsements = [endorse(body, leader.peer.signer), endorse(body, standby.peer.signer)];
    const genuine = zoneLeadersRecord(body, endorsements, third.peer.signer, 200n, BigInt(Date.now() + HOUR));
    const put = await third.dht.put(genuine);
    expect(put.outcomes.stored).toBeGreaterThanOrEqual(1);
    expect(put.outcomes.invalid).toBe(0);
    expect(put.acked).toBe(put.outcomes.stored + put.outcomes.duplicate);

    const reader = net.members[9] as Member;
    const got = await reader.dht.get('zone-leaders', subject);
    expect(got.ok).toBe(true);
    expect(got.record && sameRecord(got.record, genuine)).toBe(true);
    const value = decodeZoneLeaders(got.record as DhtRecord);
    expect(value?.leaf).toBe('keep/21');
    expect(value?.memberCount).toBe(3);
    expect(value?.leaders).toEqual([leader.peer.transport.local, standby.peer.transport.local].map(({ host, port }) => ({ host, port })));

    const mallory = await forger(net);
    const honest = net.members;
    const unauthorizedBefore = sum(honest, (s) => s.rejectedOnStore.unauthorized);
    const invalidBefore = sum(honest, (s) => s.rejectedOnStore['invalid-value']);

    // 1. A non-member copies the genuine value (real members, real endorsements) under a higher seq and writes it itself.
    const copied = signRecord({ type: 'zone-leaders', subject, seq: 500n, expiresAtMs: BigInt(Date.now() + HOUR), value: genuine.value }, mallory.peer.signer);
    const putCopied = await mallory.dht.put(copied);
    expect(putCopied.targets).toBeGreaterThanOrEqual(1);
    expect(putCopied.outcomes.stored).toBe(0);
    expect(putCopied.outcomes.duplicate).toBe(0);
    expect(putCopied.outcomes.invalid).toBeGreaterThanOrEqual(1);
    expect(putCopied.outcomes.invalid + putCopied.outcomes['no-answer']).toBe(putCopied.targets);
    // Join-time hand-overs of the forger's record can add refusals beyond its put's answers, never fewer.
    const unauthorized = sum(honest, (s) => s.rejectedOnStore.unauthorized) - unauthorizedBefore;
    expect(unauthorized).toBeGreaterThanOrEqual(putCopied.outcomes.invalid);

    // 2. The forger lists itself as leader with two real members, endorsed by itself alone plus a
    //    signature of its own under a real member's index: no strict majority of valid endorsements.
    const selfListed = zoneLeadersBody(leaf, viewOf(0x66, [mallory.peer, leader.peer, standby.peer]));
    const own = endorse(selfListed, mallory.peer.signer);
    const posing = { index: 1, signature: own.signature };
    const invented = signRecord(
      { type: 'zone-leaders', subject, seq: 600n, expiresAtMs: BigInt(Date.now() + HOUR), value: encodeZoneLeaders({ ...selfListed, endorsements: [own, posing] }) },
      mallory.peer.signer,
    );
    const putInvented = await mallory.dht.put(invented);
    expect(putInvented.outcomes.stored).toBe(0);
    expect(putInvented.outcomes.duplicate).toBe(0);
    expect(putInvented.outcomes.invalid).toBeGreaterThanOrEqual(1);
    expect(putInvented.outcomes.invalid + putInvented.outcomes['no-answer']).toBe(putInvented.targets);
    const invalid = sum(honest, (s) => s.rejectedOnStore['invalid-value']) - invalidBefore;
    expect(invalid).toBeGreaterThanOrEqual(putInvented.outcomes.invalid);

    // No honest node holds anything but the genuine record, and readers still get it.
    for (const m of honest) {
      const held = m.dht.held(genuine.key);
      if (held) expect(sameRecord(held, genuine)).toBe(true);
    }
    for (const r of [reader, net.members[0] as Member, net.members[7] as Member]) {
      const again = await r.dht.get('zone-leaders', subject);
      expect(again.ok).toBe(true);
      expect(again.record && sameRecord(again.record, genuine)).toBe(true);
    }
    expect(net.handlerErrors).toEqual([]);
  });
});
