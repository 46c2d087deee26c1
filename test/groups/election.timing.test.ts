import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createFounder, leadersOf, type GroupEvent, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createRng } from '../../src/random/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { startSeededPeers } from '../support/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type ViewChange = Extract<GroupEvent, { type: 'view-change' }>;

/**
 * Re-election after a leader's crash, on real UDP: the leader (member 0) closes its socket telling
 * nobody; the group removes it once it has been silent for evictAfterRounds, and the standby
 * (member 1) leads the next view. Every survivor records the same failover, within the bound
 * evictAfterRounds + d + maxWait + 3 rounds (the removal's own agreement) plus the rounds the
 * crash round waits for its forced decision.
 */
describe('leader election', () => {
  it('hands the lead to the standby after the leader crashes, within the bound, the same at every survivor', async () => {
    const root = createRng('election-test');
    const population = await startSeededPeers(root, 5, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const evictAfterRounds = 6;
    const maxWaitRounds = 4;
    const config = { seats: 6, gameSeed: 'election', neo: { roundMs: 50, lastRound: 120, stateHashEvery: 5, maxWaitRounds }, evictAfterRounds };
    const changes: ViewChange[][] = peers.map(() => []);
    const view = { sessionId: root.fork('session').bytes(16), number: 1, startRound: 0, members: peers.map((p, i) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat: i })) };
    const members: GroupMember[] = peers.map((peer, i) =>
      createFounder(view, config, { peer, neo: installNeo(peer.transport), clock, scheduler, botRng: root.fork(`bot:${i}`), onEvent: (e) => (e.type === 'view-change' ? (changes[i] as ViewChange[]).push(e) : undefined) }),
    );
    const { leader, standby } = leadersOf(view);
    expect(toHex(leader.publicKey)).toBe(toHex((peers[0] as PeerNode).publicKey));
    expect(toHex(standby?.publicKey ?? new Uint8Array(1))).toBe(toHex((peers[1] as PeerNode).publicKey));
    const startMs = clock.nowMs() + 100;
    for (const m of members) m.begin(startMs);
    await sleep(1200);
    (members[0] as GroupMember).crash();
    await (peers[0] as PeerNode).close();
    await Promise.all(members.slice(1).map((m) => m.done));

    const bound = evictAfterRounds + 1 + maxWaitRounds + 3 + (1 + maxWaitRounds + 2);
    const failovers = changes.slice(1).map((c) => c.find((e) => e.leaderChanged));
    for (const f of failovers) {
      expect(f?.removed).toBe(1);
      expect(f?.failoverRounds).toBeGreaterThan(evictAfterRounds);
      expect(f?.failoverRounds).toBeLessThanOrEqual(bound);
      expect(f).toEqual(failovers[0]);
    }
    for (const m of members.slice(1)) expect(toHex(m.view ? leadersOf(m.view).leader.publicKey : new Uint8Array(1))).toBe(toHex((peers[1] as PeerNode).publicKey));
    expect(new Set(members.slice(1).map((m) => m.playedHashAt(120))).size).toBe(1);
    await population.close();
  }, 30_000);
});
