import { createGame, createBot, encodeUpdate } from '../game/index.js';
import { createLatencyHistogram, type LatencyHistogram, type LatencySummary } from '../metrics/index.js';
import type { ShapingConfig } from '../net/index.js';
import type { PeerNode } from '../peer/index.js';
import { createRng, type Rng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import type { createTimerQueue } from '../time/timer-queue.js';
import { installNeo, NEO_COUNTERS, type NeoAdaptation, type NeoCounter, type NeoSession, type NeoSessionStats } from '../neo/index.js';
import { handlerErrorLog, startLoopbackPopulation, type LoopbackPopulation } from './population.js';

/**
 * One NEO group on real sockets in this process: a peer per member, link shaping built from the
 * bound endpoints, each member playing the deterministic game with a seeded bot. Used by the
 * integration tests and `npm run bench:neo`; the harness runs groups through its worker shards.
 */
export interface NeoGroupOptions {
  readonly members: number;
  readonly rounds: number;
  readonly roundMs: number;
  readonly seed: number | string;
  readonly pipelineDepth?: number;
  readonly stateHashEvery?: number;
  readonly adaptation?: NeoAdaptation;
  /** Shaping rules for the group, given every member's endpoint in member order. */
  readonly shaping?: (endpoints: readonly string[]) => ShapingConfig;
  /** Time between binding the sockets and round 0, so every member is ready. Default 300 ms. */
  readonly startDelayMs?: number;
  /** Round 0 at this time on the shared clock instead (several groups starting together). */
  readonly startAtMs?: number;
  /** Origin of the shaper's relative time (partition windows); default: when the shaper is built. */
  readonly shapingStartMs?: number;
  /**
   * Bind the sockets and build the sessions, but start round 0 only when `begin(startAtMs)` is
   * called: a controller starts many groups on many threads together once all are bound.
   */
  readonly deferStart?: boolean;
  /** Test hook: this member plays a game from a different seed, so its state hashes disagree. */
  readonly divergentMember?: number;
}

export interface NeoGroupResult {
  readonly members: readonly NeoSessionStats[];
  /** Counters summed over members. */
  readonly counters: Record<NeoCounter, number>;
  /** Every member's playout latency of the other members' updates, merged. */
  readonly playoutLatency: LatencyHistogram;
  /** Playout latency of each sender's updates at every other member, merged per sender. */
  readonly playoutLatencyBySender: readonly LatencyHistogram[];
  /** Playout latency merged over the (receiver, sender) pairs `select` picks. */
  playoutLatencyOf(select: (receiver: number, sender: number) => boolean): LatencyHistogram;
  readonly chestOwners: readonly (readonly number[])[];
  readonly durationMs: number;
  /** How late the shared timer queue ran rounds and shaped deliveries: delay the harness added itself. */
  readonly timerLatenessMs: LatencySummary;
  /** Exceptions thrown by our own handlers while processing datagrams (bugs): should be empty. */
  readonly handlerErrors: readonly string[];
}

/** A group whose members are running: live stats, and a result once every round is decided. */
export interface NeoGroupHandle {
  readonly sessions: readonly NeoSession[];
  readonly peers: readonly PeerNode[];
  /** Resolves when every member decided the last round. */
  readonly finished: Promise<void>;
  /** With `deferStart`: round 0 starts at `startAtMs` (shared clock), partition windows count from it. */
  begin(startAtMs: number): void;
  /** Stops every member (if still running), closes the sockets and gathers the result. */
  stop(): Promise<NeoGroupResult>;
}

export interface NeoGroupHooks {
  readonly onPlayout?: (latencyMs: number, sender: number, receiver: number) => void;
  /** Share one timer queue among many groups of one thread (and its lateness). Created when absent. */
  readonly scheduler?: ReturnType<typeof createTimerQueue>;
}

export async function runNeoGroup(options: NeoGroupOptions): Promise<NeoGroupResult> {
  const group = await startNeoGroup(options);
  await group.finished;
  return group.stop();
}

export async function startNeoGroup(options: NeoGroupOptions, hooks: NeoGroupHooks = {}): Promise<NeoGroupHandle> {
  const root = createRng(options.seed);
  const clock = systemClock;
  const identities = root.fork('identity');
  const handlerErrors = handlerErrorLog();
  const population = await startLoopbackPopulation(
    {
      count: options.members,
      identitySeed: () => identities.bytes(32),
      shaping: { rules: (endpoints) => options.shaping?.(endpoints), rng: root.fork('links'), startMs: options.shapingStartMs, deferAttach: options.deferStart },
    },
    { clock, scheduler: hooks.scheduler, onHandlerError: handlerErrors.record },
  );
  try {
    return joinGroup(options, hooks, root, population, handlerErrors.lines);
  } catch (error) {
    await population.close();
    throw error;
  }
}

function joinGroup(options: NeoGroupOptions, hooks: NeoGroupHooks, root: Rng, population: LoopbackPopulation, handlerErrors: readonly string[]): NeoGroupHandle {
  const { peers, clock, ed25519, scheduler } = population;
  // Sessions keep no histograms (telemetry is the host's): this runner records per (receiver, sender) pair.
  const byPair = new Map<number, LatencyHistogram>();
  const recordPlayout = (ms: number, sender: number, receiver: number) => {
    const key = receiver * 1024 + sender;
    let h = byPair.get(key);
    if (!h) byPair.set(key, (h = createLatencyHistogram()));
    h.recordMs(ms);
    hooks.onPlayout?.(ms, sender, receiver);
  };
  const view = {
    sessionId: root.fork('session').bytes(16),
    number: 1,
    members: peers.map((p) => ({ publicKey: p.publicKey, endpoint: p.transport.local })),
    startRound: 0,
  };
  let startMs = options.startAtMs ?? clock.nowMs() + (options.startDelayMs ?? 300);
  const games = peers.map((_, i) => createGame({ members: options.members, seed: i === options.divergentMember ? `${options.seed}/divergent` : options.seed }));
  const sessions: NeoSession[] = peers.map((peer, i) => {
    const game = games[i] as ReturnType<typeof createGame>;
    const bot = createBot({ member: i, rng: root.fork(`bot:${i}`) });
    return installNeo(peer.transport).join(
      view,
      {
        roundMs: options.roundMs,
        lastRound: options.rounds - 1,
        ...(options.pipelineDepth !== undefined ? { pipelineDepth: options.pipelineDepth } : {}),
        ...(options.stateHashEvery !== undefined ? { stateHashEvery: options.stateHashEvery } : {}),
        ...(options.adaptation ? { adaptation: options.adaptation } : {}),
      },
      {
        sign: (m) => peer.signer.sign(m),
        verify: (sig, m, pk) => ed25519.verify(sig, m, pk),
        random: (() => {
          const rng = root.fork(`neo-sample:${i}`);
          return () => rng.float();
        })(),
        clock,
        scheduler,
        memberIndex: i,
        startMs,
        nextUpdate: (round) => encodeUpdate(bot.nextUpdate(game.snapshot(), round)),
        playRound: (round, updates) => game.applyRound(round, updates),
        stateHash: () => game.stateHash(),
        onPlayout: (ms: number, sender: number) => recordPlayout(ms, sender, i),
      },
    );
  });
  if (!options.deferStart) for (const s of sessions) s.start();
  let begun = !options.deferStart;
  const finished = Promise.all(sessions.map((s) => s.done)).then(() => undefined);
  let result: Promise<NeoGroupResult> | undefined;
  return {
    sessions,
    peers,
    finished,
    begin(startAtMs) {
      if (begun) return;
      begun = true;
      startMs = startAtMs;
      population.attachShaping(startAtMs);
      for (const s of sessions) s.start(startAtMs);
    },
    stop: () => (result ??= collect()),
  };

  async function collect(): Promise<NeoGroupResult> {
    const durationMs = clock.nowMs() - startMs;
    for (const s of sessions) s.stop();
    await population.close();

    const members = sessions.map((s) => s.stats());
    const counters = Object.fromEntries(NEO_COUNTERS.map((c) => [c, members.reduce((sum, m) => sum + m.counters[c], 0)])) as Record<NeoCounter, number>;
    const playoutLatencyOf = (select: (receiver: number, sender: number) => boolean) => {
      const merged = createLatencyHistogram();
      for (const [key, h] of byPair) if (select(Math.floor(key / 1024), key % 1024)) merged.merge(h);
      return merged;
    };
    const chestOwners = games.map((g) => g.snapshot().chests.map((c) => c.owner));
    return {
      members,
      counters,
      playoutLatency: playoutLatencyOf(() => true),
      playoutLatencyBySender: peers.map((_, j) => playoutLatencyOf((_receiver, sender) => sender === j)),
      playoutLatencyOf,
      chestOwners,
      durationMs,
      timerLatenessMs: population.lateness.summary(),
      handlerErrors,
    };
  }
}
