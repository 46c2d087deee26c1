import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { createFounder, createJoiner, type GroupEvent, type GroupMember } from '../../src/groups/index.js';
import { createLatencyHistogram } from '../../src/metrics/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createDeferredShaper, createLinkShaper } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Agreed membership on real UDP: four founders, two players join, one leaves gracefully, one
 * crashes (socket closed, nobody told). Every change must be applied at the same round by every
 * replica, so the survivors' games end identical and no state-hash checkpoint ever disagrees.
 */
describe('group membership over NEO', () => {
  it('joins, a graceful leave and a crash removal keep every replica identical', async () => {
    const clock = systemClock;
    const ed25519 = createEd25519('native');
    const lateness = createLatencyHistogram();
    const scheduler = createTimerQueue({ clock, onLateness: (ms) => lateness.recordMs(ms) });
    const deferred = createDeferredShaper();
    const root = createRng('membership-test');
    const peers: PeerNode[] = [];
    for (let i = 0; i < 6; i++) {
      peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: root.fork(`id:${i}`).bytes(32), ed25519, clock, shaping: { shaper: deferred.shaper, scheduler } }));
    }
    deferred.attach(createLinkShaper({ default: { delay: { kind: 'uniform', minMs: 5, maxMs: 15 } } }, { rng: root.fork('links'), clock }));
    const roundMs = 60;
    const lastRound = 160;
    const config = { seats: 6, gameSeed: 'membership', neo: { roundMs, lastRound, stateHashEvery: 5 }, evictAfterRounds: 8 };
    const events: GroupEvent[] = [];
    const deps = (i: number) => ({
      peer: peers[i] as PeerNode,
      neo: installNeo((peers[i] as PeerNode).transport),
      clock,
      scheduler,
      botRng: root.fork(`bot:${i}`),
      onEvent: (e: GroupEvent) => {
        if (i === 0) events.push(e);
        // The moment a joiner holds the state it was welcomed with: the hash it reports for the round before its first view.
        if (i >= 4 && e.type === 'joined') {
          const round = e.round - 1;
          const joiner = (members[i] as GroupMember).playedHashAt(round);
          // Member 0 has played that round a few rounds later, and still keeps its hash.
          setTimeout(() => welcomed.push({ joiner, sponsor: (members[0] as GroupMember).playedHashAt(round) }), 5 * roundMs);
        }
      },
    });
    const welcomed: { joiner: string | undefined; sponsor: string | undefined }[] = [];
    const sessionId = root.fork('session').bytes(16);
    const view = { sessionId, number: 1, startRound: 0, members: [0, 1, 2, 3].map((i) => ({ publicKey: (peers[i] as PeerNode).publicKey, endpoint: (peers[i] as PeerNode).transport.local, seat: i })) };
    const members: GroupMember[] = [0, 1, 2, 3].map((i) => createFounder(view, config, deps(i)));
    const startMs = clock.nowMs() + 200;
    for (const m of members) m.begin(startMs);

    await sleep(1200);
    const contacts = () => [0, 3].map((i) => (peers[i] as PeerNode).transport.local);
    members.push(createJoiner(sessionId, contacts, config, deps(4)));
    members.push(createJoiner(sessionId, contacts, config, deps(5)));
    await sleep(2500);
    // A joiner that has not played yet still reports the hash of the state it received (the end-of-run
    // check, countDivergentReplicas, compares it with the others'): the sponsor's hash of that round.
    expect(welcomed).toHaveLength(2);
    for (const { joiner, sponsor } of welcomed) {
      expect(joiner).toBeDefined();
      expect(joiner).toBe(sponsor);
    }
    (members[1] as GroupMember).leave();
    await sleep(1500);
    (members[2] as GroupMember).crash();
    await (peers[2] as PeerNode).close();

    await Promise.all(members.map((m) => m.done));
    scheduler.close();
    await Promise.all(peers.filter((_, i) => i !== 2).map((p) => p.close()));

    const survivors = [0, 3, 4, 5].map((i) => members[i] as GroupMember);
    for (const m of survivors) expect(m.state).toBe('finished');
    expect((members[1] as GroupMember).state).toBe('left');
    expect((members[2] as GroupMember).state).toBe('crashed');
    const hashes = survivors.map((m) => hex(m.game!.stateHash()));
    for (const m of survivors) expect(m.game!.lastRound).toBe(lastRound);
    expect(new Set(hashes).size).toBe(1);
    for (const m of survivors) {
      const neo = m.neoCounters();
      expect(neo.stateHashMismatches).toBe(0);
      expect(neo.stateHashChecks).toBeGreaterThan(0);
      expect(m.view!.members.map((s) => hex(s.publicKey)).sort()).toEqual([0, 3, 4, 5].map((i) => hex((peers[i] as PeerNode).publicKey)).sort());
    }
    const leader = (members[0] as GroupMember).counters();
    expect(leader.admitted).toBe(2);
    expect(leader.leaves).toBe(1);
    expect(leader.removals).toBe(1);
    const changes = events.filter((e) => e.type === 'view-change');
    expect(changes.reduce((n, e) => n + (e.type === 'view-change' ? e.joined : 0), 0)).toBe(2);
    // The joiners played from their first view on: their games went through every round since.
    expect((members[4] as GroupMember).counters().statesRefused).toBe(0);
  }, 60_000);
});
