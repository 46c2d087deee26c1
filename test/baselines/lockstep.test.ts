import { afterEach, describe, expect, it } from 'vitest';
import { LockstepCommit, LockstepReveal, commitmentHash, startLockstepPlayer, type LockstepConfig, type LockstepDeps, type LockstepPlayer, type LockstepRevealBody } from '../../src/baselines/index.js';
import { runBaseline } from '../../src/loadtest/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { waitUntil } from '../support/peers.js';
import { constantDelay, handlerErrors, startNet, type Net } from './net.js';

const nets: Net[] = [];
const players: LockstepPlayer[] = [];
afterEach(async () => {
  for (const p of players.splice(0)) p.stop();
  await Promise.all(nets.splice(0).map((n) => n.close()));
});

const hex = (b: Uint8Array | null) => (b === null ? 'discarded' : Buffer.from(b).toString('hex'));

/** One lockstep player per peer; records what every player saw complete, turn by turn. */
function startGroup(net: Net, config: Omit<LockstepConfig, 'index'>, extra: (i: number) => Partial<LockstepDeps> = () => ({})) {
  const seen: string[][][] = net.peers.map(() => []);
  const group = net.peers.map((peer, i) => {
    const rng = createRng(`updates-${i}`);
    const player = startLockstepPlayer(
      { ...config, index: i },
      {
        transport: peer.transport,
        clock: systemClock,
        scheduler: net.queue,
        roster: net.endpoints,
        nextUpdate: () => rng.bytes(24),
        onTurnComplete: (turn, updates) => {
          (seen[i] as string[][])[turn] = updates.map(hex);
        },
        ...extra(i),
      },
    );
    players.push(player);
    return player;
  });
  return { group, seen };
}

describe('lockstep over real UDP', () => {
  it('4 players over a shaped 10 ms link complete every turn, in step, with no mismatch, agreeing on every update', async () => {
    const net = await startNet(4, () => constantDelay(10));
    nets.push(net);
    const turns = 30;
    const { group, seen } = startGroup(net, { turns });
    await Promise.all(group.map((p) => p.done));
    for (const p of group) {
      const s = p.stats();
      expect(s.turnsCompleted).toBe(turns);
      expect(s.mismatches).toBe(0);
      expect(s.equivocations).toBe(0);
      expect(s.turnLatency.count).toBe(turns);
      // A turn needs a commit and a reveal to cross a 10 ms link, one after the other.
      expect(s.turnLatency.summary().min).toBeGreaterThanOrEqual(20);
    }
    for (let t = 0; t < turns; t++) {
      const first = (seen[0] as string[][])[t] as string[];
      expect(first).toHaveLength(4);
      expect(first).not.toContain('discarded');
      for (const view of seen) expect(view[t]).toEqual(first);
    }
    expect(handlerErrors(net)).toBe(0);
  });

  it('with 1% loss every turn still completes at every player; retransmissions recovered the losses', async () => {
    const net = await startNet(4, () => ({ default: { delay: { kind: 'constant', ms: 5 }, loss: { kind: 'bernoulli', p: 0.01 } } }), 42);
    nets.push(net);
    const turns = 100;
    const { group, seen } = startGroup(net, { turns, retransmitMs: 60 });
    await Promise.all(group.map((p) => p.done));
    expect(net.shapingDrops()).toBeGreaterThan(0);
    const stats = group.map((p) => p.stats());
    for (const s of stats) {
      expect(s.turnsCompleted).toBe(turns);
      expect(s.mismatches).toBe(0);
    }
    expect(stats.reduce((sum, s) => sum + s.retransmits, 0)).toBeGreaterThan(0);
    for (let t = 0; t < turns; t++) for (const view of seen) expect(view[t]).toEqual((seen[0] as string[][])[t]);
    expect(handlerErrors(net)).toBe(0);
  });

  it('a reveal that does not open its commitment is a mismatch at every other player, and its update is discarded everywhere', async () => {
    const net = await startNet(4, () => constantDelay(2));
    nets.push(net);
    const cheater = 2;
    const cheatTurns = new Set([1, 3]);
    const { group, seen } = startGroup(net, { turns: 6 }, (i) =>
      i === cheater ? { alterReveal: (turn, committed) => (cheatTurns.has(turn) ? committed.map((b) => b ^ 0xff) : committed) } : {},
    );
    await Promise.all(group.map((p) => p.done));
    group.forEach((p, i) => {
      const s = p.stats();
      expect(s.turnsCompleted).toBe(6);
      expect(s.mismatches).toBe(i === cheater ? 0 : cheatTurns.size);
    });
    for (let t = 0; t < 6; t++) {
      seen.forEach((view, i) => {
        const slot = (view[t] as string[])[cheater];
        if (i !== cheater && cheatTurns.has(t)) expect(slot).toBe('discarded');
        else expect(slot).not.toBe('discarded');
      });
    }
  });

  it('a player 150 ms away holds every player back: turn latency ≥ 2 × 150 ms everywhere', async () => {
    const slowMs = 150;
    const result = await runBaseline('lockstep', {
      players: 4,
      turns: 6,
      seed: 'lockstep-slow',
      shaping: (endpoints) => {
        const slow = endpoints[3] as string;
        const others = endpoints.filter((e) => e !== slow);
        return {
          default: { delay: { kind: 'constant', ms: 10 } },
          links: others.flatMap((e) => [
            { from: slow, to: e, profile: { delay: { kind: 'constant', ms: slowMs } } },
            { from: e, to: slow, profile: { delay: { kind: 'constant', ms: slowMs } } },
          ]),
        };
      },
    });
    expect(result.turns).toBe(6);
    expect(result.mismatches).toBe(0);
    expect(result.perPlayerTurnLatency).toHaveLength(4);
    for (const h of result.perPlayerTurnLatency) {
      expect(h.count).toBe(6);
      expect(h.summary().min).toBeGreaterThanOrEqual(2 * slowMs);
    }
    expect(result.turnLatencyMs.count).toBe(24);
    expect(result.turnLatencyMs.min).toBeGreaterThanOrEqual(2 * slowMs);
  });
});

describe('lockstep against a hand-driven peer', () => {
  /** Player 0 runs the protocol; peer 1 is driven message by message through its own transport. */
  async function pair(turns = 3) {
    const net = await startNet(3);
    nets.push(net);
    const [a, b, stranger] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0], (typeof net.peers)[0]];
    const completed: (string | null)[][] = [];
    const player = startLockstepPlayer(
      { index: 0, turns, retransmitMs: 60_000 },
      {
        transport: a.transport,
        clock: systemClock,
        scheduler: net.queue,
        roster: [a.transport.local, b.transport.local],
        nextUpdate: (t) => new Uint8Array([t]),
        onTurnComplete: (_t, updates) => completed.push(updates.map((u) => (u === null ? null : hex(u)))),
      },
    );
    players.push(player);
    const fromA: { kind: 'commit' | 'reveal'; turn: number; reply: boolean; body: unknown }[] = [];
    b.transport.handle(LockstepCommit, (m) => fromA.push({ kind: 'commit', turn: m.body.turn, reply: m.body.reply, body: m.body }));
    b.transport.handle(LockstepReveal, (m) => fromA.push({ kind: 'reveal', turn: m.body.turn, reply: m.body.reply, body: m.body }));
    return { net, a, b, stranger, player, completed, fromA };
  }

  const nonce = new Uint8Array(32).fill(9);
  const commitOf = (turn: number, update: Uint8Array) => ({ turn, player: 1, reply: false, hash: commitmentHash(update, nonce) });
  const revealOf = (turn: number, update: Uint8Array): LockstepRevealBody => ({ turn, player: 1, reply: false, update, nonce });

  it('plays turns with a peer that follows the protocol by hand, and answers a laggard with its own message of a passed phase', async () => {
    const { a, b, player, completed, fromA } = await pair(2);
    const u0 = new Uint8Array([7, 7]);
    await waitUntil(() => fromA.some((m) => m.kind === 'commit' && m.turn === 0), 'A to commit turn 0');
    b.transport.send(a.transport.local, LockstepCommit, commitOf(0, u0));
    await waitUntil(() => fromA.some((m) => m.kind === 'reveal' && m.turn === 0), 'A to reveal turn 0');
    b.transport.send(a.transport.local, LockstepReveal, revealOf(0, u0));
    await waitUntil(() => player.stats().turnsCompleted === 1, 'turn 0 to complete');
    expect(completed[0]).toEqual(['00', '0707']);
    // B acts as if A's reveal of turn 0 was lost: its repeated reveal draws A's reveal as an answer.
    b.transport.send(a.transport.local, LockstepReveal, revealOf(0, u0));
    await waitUntil(() => fromA.some((m) => m.kind === 'reveal' && m.turn === 0 && m.reply), 'A to answer the laggard');
    expect(player.stats().repliesSent).toBe(1);
    expect(player.stats().duplicates).toBe(0);
    // An answer is never answered (no ping-pong between two players that both moved on).
    b.transport.send(a.transport.local, LockstepReveal, { ...revealOf(0, u0), reply: true });
    const u1 = new Uint8Array([1]);
    b.transport.send(a.transport.local, LockstepCommit, commitOf(1, u1));
    b.transport.send(a.transport.local, LockstepReveal, revealOf(1, u1));
    await player.done;
    expect(player.stats().repliesSent).toBe(1);
    expect(completed[1]).toEqual(['01', '01']);
    expect(player.stats().turnLatency.count).toBe(2);
  });

  it('keeps an early reveal until the commit it opens arrives', async () => {
    const { a, b, player, completed } = await pair(1);
    const u0 = new Uint8Array([3]);
    b.transport.send(a.transport.local, LockstepReveal, revealOf(0, u0));
    await waitUntil(() => a.transport.stats().rx.accepted >= 1, 'the early reveal to arrive');
    expect(player.stats().turnsCompleted).toBe(0);
    b.transport.send(a.transport.local, LockstepCommit, commitOf(0, u0));
    await player.done;
    expect(completed[0]).toEqual(['00', '03']);
    expect(player.stats().mismatches).toBe(0);
  });

  it('counts equivocation, out-of-window turns and foreign senders without throwing', async () => {
    const { net, a, b, stranger, player } = await pair(10);
    const u0 = new Uint8Array([1]);
    b.transport.send(a.transport.local, LockstepCommit, commitOf(0, u0));
    b.transport.send(a.transport.local, LockstepCommit, commitOf(0, new Uint8Array([2])));
    b.transport.send(a.transport.local, LockstepCommit, commitOf(0, u0));
    b.transport.send(a.transport.local, LockstepCommit, commitOf(4, u0)); // window is turns [0, 4)
    b.transport.send(a.transport.local, LockstepCommit, commitOf(10, u0)); // beyond the game
    b.transport.send(a.transport.local, LockstepCommit, { ...commitOf(1, u0), player: 0 }); // claims to be A
    stranger.transport.send(a.transport.local, LockstepCommit, { ...commitOf(1, u0), player: 2 }); // not in the roster
    await waitUntil(() => a.transport.stats().rx.accepted >= 7, 'every crafted message to be handled');
    const s = player.stats();
    expect(s.equivocations).toBe(1);
    expect(s.duplicates).toBe(1);
    expect(s.outOfWindow).toBe(1);
    expect(s.ignored).toBe(3);
    expect(handlerErrors(net)).toBe(0);
    // The first commitment stands: revealing the second one's update is a mismatch.
    b.transport.send(a.transport.local, LockstepReveal, revealOf(0, new Uint8Array([2])));
    await waitUntil(() => player.stats().turnsCompleted === 1, 'turn 0 to complete');
    expect(player.stats().mismatches).toBe(1);
  });
});

describe('lockstep player lifecycle', () => {
  it('refuses a roster that does not hold its transport at its index, and bad configuration', async () => {
    const net = await startNet(2);
    nets.push(net);
    const deps = { transport: (net.peers[0] as (typeof net.peers)[0]).transport, clock: systemClock, scheduler: net.queue, roster: net.endpoints, nextUpdate: () => new Uint8Array(1) };
    expect(() => startLockstepPlayer({ index: 1, turns: 1 }, deps)).toThrow(TypeError);
    expect(() => startLockstepPlayer({ index: 0, turns: 1, retransmitMs: 0 }, deps)).toThrow(RangeError);
    expect(() => startLockstepPlayer({ index: 0, turns: 1, windowTurns: 1 }, deps)).toThrow(RangeError);
    expect(() => startLockstepPlayer({ index: 0, turns: 1 }, { ...deps, roster: [net.endpoints[0]!, net.endpoints[0]!] })).toThrow(/twice/);
  });

  it('stop() before the last turn rejects done; a player alone completes every turn at once', async () => {
    const net = await startNet(2);
    nets.push(net);
    const [p0, p1] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0]];
    const waiting = startLockstepPlayer({ index: 0, turns: 5 }, { transport: p0.transport, clock: systemClock, scheduler: net.queue, roster: net.endpoints, nextUpdate: () => new Uint8Array(1) });
    players.push(waiting);
    waiting.stop();
    await expect(waiting.done).rejects.toThrow(/stopped after 0 of 5/);
    const alone = startLockstepPlayer({ index: 0, turns: 5 }, { transport: p1.transport, clock: systemClock, scheduler: net.queue, roster: [p1.transport.local], nextUpdate: () => new Uint8Array(1) });
    players.push(alone);
    await alone.done;
    expect(alone.stats().turnsCompleted).toBe(5);
  });

  it('a nextUpdate that breaks the size cap fails done instead of throwing into the transport', async () => {
    const net = await startNet(1);
    nets.push(net);
    const peer = net.peers[0] as (typeof net.peers)[0];
    const p = startLockstepPlayer({ index: 0, turns: 2 }, { transport: peer.transport, clock: systemClock, scheduler: net.queue, roster: net.endpoints, nextUpdate: () => new Uint8Array(5000) });
    players.push(p);
    await expect(p.done).rejects.toThrow(RangeError);
  });
});
