import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { createFounder, RESYNC_BOUND_ROUNDS, type GroupConfig, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createDeferredShaper, createLinkShaper } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { startTsWorker } from '../support/ts-worker.js';
import type { StallResult, StallStart } from './fixtures/stall-worker.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * A replica that stalls for 1 s (its thread blocked, like a GC pause or a suspended laptop) wakes
 * with the others' messages for ten rounds waiting in its socket. Its timers run first: the round
 * whose votes are in the socket has passed its forced deadline, so it is decided with nothing but
 * this member's own ballot, and the replica's game splits from the group's. At the next checkpoint
 * a strict majority reports another hash; the replica fetches that state from a member of the
 * majority, verifies it against the hash, replays what it played since, and agrees again.
 *
 * Real UDP on loopback, real signatures, 5–15 ms links; six members, R = 100 ms, h = 5; the
 * stalled one runs in its own worker thread (test/groups/fixtures/stall-worker.ts).
 */
describe('resynchronisation of a stalled replica', () => {
  it('a member whose thread stalls for 1 s diverges, resyncs within the bound, and agrees from then on', async () => {
    const clock = systemClock;
    const ed25519 = createEd25519('native');
    const scheduler = createTimerQueue({ clock });
    const deferred = createDeferredShaper();
    const root = createRng('resync-stall-test');
    const size = 6;
    const stalledIndex = size - 1;
    const roundMs = 100;
    const lastRound = 90;
    const h = 5;
    const stallRound = 30;

    const worker = startTsWorker(new URL('./fixtures/stall-worker.ts', import.meta.url), {
      workerData: { identitySeed: root.fork(`id:${stalledIndex}`).bytes(32), label: 'resync-stall-test' },
    });
    const [ready] = (await once(worker, 'message')) as [{ publicKey: Uint8Array; host: string; port: number }];
    const peers: PeerNode[] = [];
    for (let i = 0; i < size - 1; i++) {
      peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: root.fork(`id:${i}`).bytes(32), ed25519, clock, shaping: { shaper: deferred.shaper, scheduler } }));
    }
    deferred.attach(createLinkShaper({ default: { delay: { kind: 'uniform', minMs: 5, maxMs: 15 } } }, { rng: root.fork('links'), clock }));

    // The stalled member's updates are dropped for the ~11 rounds it is silent or late: eviction
    // (default after 10) would remove it instead of letting it heal.
    const config: GroupConfig = { seats: size, gameSeed: 'resync', neo: { roundMs, lastRound, stateHashEvery: h }, evictAfterRounds: 40 };
    const sessionId = root.fork('session').bytes(16);
    const members = [...peers.map((p) => ({ publicKey: p.publicKey, host: p.transport.local.host, port: p.transport.local.port })), ready].map((m, seat) => ({ ...m, seat }));
    const view = { sessionId, number: 1, startRound: 0, members: members.map((m) => ({ publicKey: m.publicKey, endpoint: { host: m.host, port: m.port }, seat: m.seat })) };

    const decided: Map<number, string>[] = peers.map(() => new Map());
    const honest: GroupMember[] = peers.map((peer, i) =>
      createFounder(view, config, {
        peer,
        neo: installNeo(peer.transport),
        clock,
        scheduler,
        botRng: root.fork(`bot:${i}`),
        onDecided: (_v, round, _o, hash) => void (decided[i] as Map<number, string>).set(round, hash),
      }),
    );
    const startMs = clock.nowMs() + 300;
    // 40 ms into round 30: the others' round-30 messages are in, their round-31 ones (the votes on
    // round 30) arrive during the stall.
    const start: StallStart = { type: 'start', view: { sessionId, number: 1, startRound: 0, members }, config, startMs, stallAtMs: startMs + stallRound * roundMs + 40, stallMs: 1000 };
    const finished = once(worker, 'message') as Promise<[StallResult]>;
    worker.postMessage(start);
    for (const m of honest) m.begin(startMs);

    await Promise.all(honest.map((m) => m.done));
    const [stalled] = await finished;
    await new Promise((r) => setTimeout(r, 100));
    scheduler.close();
    await Promise.all(peers.map((p) => p.close()));
    await worker.terminate();

    const reference = decided[0] as Map<number, string>;
    const stalledHashes = new Map(stalled.decided);
    const divergent = [...stalledHashes].filter(([round, hash]) => reference.get(round) !== hash).map(([round]) => round);
    const lastHeal = Math.max(...stalled.resyncs.map((r) => r.lastPlayed));
    console.log(
      `resync: stalled ${(stalled.stalled.toMs - stalled.stalled.fromMs).toFixed(0)} ms; rounds played split ${divergent.length} (${divergent[0]}…${divergent.at(-1)}); ` +
        `resyncs ${JSON.stringify(stalled.resyncs)}; neo resyncs ${stalled.neo.resyncs}, failures ${stalled.neo.resyncFailures}, roundsDivergent ${stalled.neo.roundsDivergent}, forcedRounds ${stalled.neo.forcedRounds}; ` +
        `group ${JSON.stringify(Object.fromEntries(Object.entries(stalled.group).filter(([k]) => k.startsWith('resync') || k === 'divergencesDetected')))}`,
    );

    // The stall was real.
    expect(stalled.stalled.toMs - stalled.stalled.fromMs).toBeGreaterThanOrEqual(990);
    // The honest replicas agree among themselves on every round, and none of them resynced.
    for (const [i, m] of honest.entries()) {
      expect(m.state).toBe('finished');
      for (const [round, hash] of reference) expect((decided[i] as Map<number, string>).get(round), `member ${i} round ${round}`).toBe(hash);
      expect(m.neoCounters().resyncs).toBe(0);
      expect(m.counters().divergencesDetected).toBe(0);
    }
    // (a) The stalled replica did split: some round it played hashed differently from the group's.
    expect(divergent.length).toBeGreaterThan(0);
    expect(stalled.group.divergencesDetected).toBeGreaterThanOrEqual(1);
    // (b) It resynced, each time within the documented bound from detection, without giving up.
    expect(stalled.neo.resyncs).toBeGreaterThanOrEqual(1);
    expect(stalled.resyncs).toHaveLength(stalled.neo.resyncs ?? -1);
    expect(stalled.neo.resyncFailures).toBe(0);
    for (const r of stalled.resyncs) expect(r.roundsDivergent).toBeLessThanOrEqual(RESYNC_BOUND_ROUNDS);
    expect(stalled.neo.roundsDivergent).toBeLessThanOrEqual((stalled.neo.resyncs ?? 0) * RESYNC_BOUND_ROUNDS);
    // The state it fetched was a checkpoint after the split began.
    for (const r of stalled.resyncs) expect(r.round).toBeGreaterThanOrEqual(divergent[0] as number);
    // (c) From the last heal on, every round it played — checkpoints included — hashes like the group's.
    const after = [...stalledHashes].filter(([round]) => round > lastHeal);
    expect(after.filter(([round]) => round % h === 0).length).toBeGreaterThan(3);
    for (const [round, hash] of after) expect(hash, `round ${round}`).toBe(reference.get(round));
    expect(divergent.every((round) => round <= lastHeal)).toBe(true);
    expect(stalled.lastRound).toBe(lastRound);
    expect(stalled.finalHash).toBe(hex(honest[0]!.game!.stateHash()));
  }, 60_000);
});
