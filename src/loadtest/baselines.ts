import { createLatencyHistogram, latencyFigures, type LatencyHistogram, type LatencySummary } from '../metrics/index.js';
import type { ShapingConfig, TransportStats } from '../net/index.js';
import type { PeerNode } from '../peer/index.js';
import { createRng, type Rng, type RngSeed } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import type { TimerQueue } from '../time/timer-queue.js';
import { startLoopbackPopulation } from './population.js';
import { checkInteger, checkPositive, MAX_BASELINE_PLAYERS, MAX_BASELINE_UPDATE_BYTES, startLockstepPlayer, startRelayClient, startRelayServer, type LockstepPlayer, type RelayClient } from '../baselines/index.js';

/**
 * Runs one baseline on real loopback UDP: real peers (startPeerNode: Ed25519 identities, the
 * product's one transport per peer), one shared timer queue, link shaping attached once every
 * socket is bound. Every peer runs on the calling thread. docs/baselines.md, "Running".
 */

export type BaselineKind = 'lockstep' | 'client-server';

export interface BaselineRunOptions {
  /** Lockstep players, or clients of the relay server (the server is one more peer). */
  readonly players: number;
  /** Lockstep: turns to play. */
  readonly turns?: number;
  /** Client/server: seconds of play; each client sends round(durationS · 1000 / tickMs) updates. */
  readonly durationS?: number;
  /** Client/server: one update per client every tickMs. Default 50. */
  readonly tickMs?: number;
  /**
   * Link shaping from the bound endpoints: `endpoints` are the players in index order; for
   * client/server, `server` is the relay server's endpoint. Absent: no shaping.
   */
  readonly shaping?: (endpoints: readonly string[], server?: string) => ShapingConfig;
  /** Root seed: identities, update payloads and the shaper's randomness derive from it. */
  readonly seed: RngSeed;
  /** Lockstep retransmission period. Default 250. */
  readonly retransmitMs?: number;
  /** Lockstep future-turn window. Default 4. */
  readonly windowTurns?: number;
  /** Size of each opaque update. Default 32. */
  readonly payloadBytes?: number;
  /**
   * Client/server: which (receiving client, sending client) pairs to merge into `selectedLatencyMs`,
   * e.g. only fast members' updates at fast members; one histogram per pair would cost 168 KiB each.
   */
  readonly selectPairs?: (receiver: number, sender: number) => boolean;
  /** Client/server: every relayed update's latency at its receiving client, with both clients' indexes (for tagged figures). */
  readonly onDelivery?: (latencyMs: number, sender: number, receiver: number) => void;
  /** Client/server: after the last update is sent, how long to wait for relays still in flight. Default 2000. */
  readonly drainMs?: number;
  /** Give up (stop, close, reject) after this long. Default: 60 s plus 2 s per turn, or 60 s plus the duration. */
  readonly timeoutMs?: number;
  /** Aborting stops the baseline at once: its peers stop and close, and the run rejects with BaselineInterrupted. */
  readonly signal?: AbortSignal;
}

/** A baseline stopped by its caller's signal (a user pressing q): not a failure of the baseline. */
export class BaselineInterrupted extends Error {
  override readonly name = 'BaselineInterrupted';
}

/** A merged latency histogram's summary, with its encoding for merging elsewhere (src/metrics). */
export interface LatencyFigures extends LatencySummary {
  readonly encoded: string;
}

interface CommonResult {
  readonly players: number;
  /** Wall time of the run on the shared clock, from the first player's start to the end. */
  readonly durationMs: number;
  /** Datagrams the shaper dropped (loss, partitions, queue overflow), all peers, both directions. */
  readonly shapingDrops: number;
  /** How late the timer queue ran its items (shaped deliveries, timers): harness-made delay. */
  readonly timerLatenessMs: LatencySummary;
  /** Datagrams refused by the peers' receive pipelines (docs/wire.md drop reasons), all peers. */
  readonly transportDrops: Record<string, number>;
}

export interface LockstepRunResult extends CommonResult {
  readonly kind: 'lockstep';
  /** Turns completed by every player (the run's turns when it succeeded). */
  readonly turns: number;
  /** Every player's turn latencies, merged. */
  readonly turnLatencyMs: LatencyFigures;
  readonly perPlayerTurnLatency: readonly LatencyHistogram[];
  /** Summed over players. */
  readonly mismatches: number;
  readonly retransmits: number;
  readonly repliesSent: number;
}

export interface ClientServerRunResult extends CommonResult {
  readonly kind: 'client-server';
  readonly updatesPerClient: number;
  /** Every relayed update at every receiving client, merged. */
  readonly latencyMs: LatencyFigures;
  /** By the sending client's index: the latencies of that client's updates at every other client. */
  readonly perSenderLatency: ReadonlyMap<number, LatencyHistogram>;
  /** By the receiving client's index. */
  readonly perReceiverLatency: readonly LatencyHistogram[];
  /** Latency of the (receiver, sender) pairs chosen by `options.selectPairs`, merged; empty when none was given. */
  readonly selectedLatencyMs: LatencyFigures;
  /** Relayed updates received, summed over clients; `expected` = players · (players − 1) · updatesPerClient. */
  readonly delivered: number;
  readonly expected: number;
  /** Bytes the server's socket received plus sent, per second of play (updatesPerClient · tickMs). */
  readonly serverBytesPerS: number;
  readonly serverRxBytesPerS: number;
  readonly serverTxBytesPerS: number;
  readonly serverBytes: { readonly rx: number; readonly tx: number };
}

export function runBaseline(kind: 'lockstep', options: BaselineRunOptions): Promise<LockstepRunResult>;
export function runBaseline(kind: 'client-server', options: BaselineRunOptions): Promise<ClientServerRunResult>;
export function runBaseline(kind: BaselineKind, options: BaselineRunOptions): Promise<LockstepRunResult | ClientServerRunResult>;
export function runBaseline(kind: BaselineKind, options: BaselineRunOptions): Promise<LockstepRunResult | ClientServerRunResult> {
  if (kind === 'lockstep') return runLockstep(options);
  if (kind === 'client-server') return runClientServer(options);
  return Promise.reject(new RangeError(`runBaseline: kind must be 'lockstep' or 'client-server', got ${String(kind)}`));
}

interface Harness {
  readonly rng: Rng;
  readonly queue: TimerQueue;
  readonly lateness: LatencyHistogram;
  readonly peers: readonly PeerNode[];
  totals(): { shapingDrops: number; transportDrops: Record<string, number> };
  close(): Promise<void>;
}

/** Binds `count` peers, then attaches the shaper built from their endpoints; closes them if that fails. */
async function startHarness(kind: BaselineKind, seed: RngSeed, count: number, shaping: (endpoints: readonly string[]) => ShapingConfig | undefined): Promise<Harness> {
  const rng = createRng(seed).fork(`baselines/${kind}`);
  const errors: unknown[] = [];
  const population = await startLoopbackPopulation(
    { count, identitySeed: (i) => rng.fork(`identity/${i}`).bytes(32), shaping: { rules: shaping, rng: rng.fork('shaping') } },
    { clock: systemClock, onHandlerError: (error) => errors.push(error) },
  );
  const { peers } = population;
  return {
    rng,
    queue: population.scheduler,
    lateness: population.lateness,
    peers,
    totals() {
      let shapingDrops = 0;
      const transportDrops: Record<string, number> = {};
      for (const p of peers) {
        const s: TransportStats = p.transport.stats();
        for (const side of [s.shaping.outbound, s.shaping.inbound]) for (const n of Object.values(side.dropped)) shapingDrops += n;
        for (const [reason, n] of Object.entries(s.dropped)) if (n > 0) transportDrops[reason] = (transportDrops[reason] ?? 0) + n;
      }
      return { shapingDrops, transportDrops };
    },
    async close() {
      await population.close();
      // A handler that threw is a bug in the baseline: surface it rather than report its figures.
      if (errors.length > 0) throw new AggregateError(errors, `baseline ${kind}: ${errors.length} handler error(s)`);
    },
  };
}


function payloads(rng: Rng, bytes: number): (n: number) => Uint8Array {
  return () => rng.bytes(bytes);
}

function withTimeout<T>(promise: Promise<T>, ms: number, queue: TimerQueue, what: () => string, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = queue.schedule(systemClock.nowMs() + ms, () => reject(new Error(`${what()}: timed out after ${ms} ms`)));
    const onAbort = () => {
      timer.cancel();
      reject(new BaselineInterrupted(`${what()}: interrupted`));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function commonChecks(options: BaselineRunOptions, minPlayers: number): { payloadBytes: number } {
  checkInteger(options.players, minPlayers, MAX_BASELINE_PLAYERS, 'runBaseline: options.players');
  const payloadBytes = options.payloadBytes ?? 32;
  checkInteger(payloadBytes, 0, MAX_BASELINE_UPDATE_BYTES, 'runBaseline: options.payloadBytes');
  if (options.timeoutMs !== undefined) checkPositive(options.timeoutMs, 'runBaseline: options.timeoutMs');
  return { payloadBytes };
}

export async function runLockstep(options: BaselineRunOptions): Promise<LockstepRunResult> {
  const { payloadBytes } = commonChecks(options, 1);
  if (options.turns === undefined) throw new RangeError('runBaseline(lockstep): options.turns is required');
  checkInteger(options.turns, 1, 0xffffffff, 'runBaseline: options.turns');
  const turns = options.turns;
  const n = options.players;
  const harness = await startHarness('lockstep', options.seed, n, (endpoints) => options.shaping?.(endpoints));
  const { peers } = harness;
  const players: LockstepPlayer[] = [];
  try {
    const roster = peers.map((p) => p.transport.local);
    const startedAt = systemClock.nowMs();
    for (let i = 0; i < n; i++) {
      players.push(
        startLockstepPlayer(
          { index: i, turns, ...(options.retransmitMs !== undefined ? { retransmitMs: options.retransmitMs } : {}), ...(options.windowTurns !== undefined ? { windowTurns: options.windowTurns } : {}) },
          { transport: (peers[i] as PeerNode).transport, clock: systemClock, scheduler: harness.queue, roster, nextUpdate: payloads(harness.rng.fork(`updates/${i}`), payloadBytes) },
        ),
      );
    }
    const timeoutMs = options.timeoutMs ?? 60_000 + 2_000 * turns;
    await withTimeout(Promise.all(players.map((p) => p.done)), timeoutMs, harness.queue, () => `lockstep: turns completed ${players.map((p) => p.stats().turnsCompleted).join('/')} of ${turns}`, options.signal);
    const durationMs = systemClock.nowMs() - startedAt;
    const merged = createLatencyHistogram();
    let mismatches = 0;
    let retransmits = 0;
    let repliesSent = 0;
    let completed = turns;
    for (const p of players) {
      const s = p.stats();
      merged.merge(s.turnLatency);
      mismatches += s.mismatches;
      retransmits += s.retransmits;
      repliesSent += s.repliesSent;
      completed = Math.min(completed, s.turnsCompleted);
    }
    return {
      kind: 'lockstep',
      players: n,
      turns: completed,
      turnLatencyMs: latencyFigures(merged),
      perPlayerTurnLatency: players.map((p) => p.stats().turnLatency),
      mismatches,
      retransmits,
      repliesSent,
      durationMs,
      timerLatenessMs: harness.lateness.summary(),
      ...harness.totals(),
    };
  } finally {
    for (const p of players) p.stop();
    await harness.close();
  }
}

export async function runClientServer(options: BaselineRunOptions): Promise<ClientServerRunResult> {
  const { payloadBytes } = commonChecks(options, 2);
  if (options.durationS === undefined) throw new RangeError('runBaseline(client-server): options.durationS is required');
  checkPositive(options.durationS, 'runBaseline: options.durationS');
  const tickMs = options.tickMs ?? 50;
  checkPositive(tickMs, 'runBaseline: options.tickMs');
  const drainMs = options.drainMs ?? 2_000;
  checkPositive(drainMs, 'runBaseline: options.drainMs');
  const updates = Math.max(1, Math.round((options.durationS * 1000) / tickMs));
  const n = options.players;
  const expected = n * (n - 1) * updates;
  // Peer 0 is the server, peers 1..n the clients 0..n-1.
  const harness = await startHarness('client-server', options.seed, n + 1, (endpoints) => options.shaping?.(endpoints.slice(1), endpoints[0]));
  const { peers } = harness;
  const clients: RelayClient[] = [];
  const perSender = new Map<number, LatencyHistogram>();
  let serverStop: (() => void) | undefined;
  try {
    const serverPeer = peers[0] as PeerNode;
    const roster = peers.slice(1).map((p) => p.transport.local);
    const server = startRelayServer({ transport: serverPeer.transport, roster });
    serverStop = server.stop;
    const startedAt = systemClock.nowMs();
    const selected = createLatencyHistogram();
    for (let i = 0; i < n; i++) {
      clients.push(
        startRelayClient(
          // Clients tick evenly spread over one tick, as independent players would.
          { index: i, tickMs, updates, phaseMs: (i * tickMs) / n, clients: n },
          {
            transport: (peers[i + 1] as PeerNode).transport,
            clock: systemClock,
            scheduler: harness.queue,
            server: serverPeer.transport.local,
            nextUpdate: payloads(harness.rng.fork(`updates/${i}`), payloadBytes),
            onDelivery: (sender, _seq, ms) => {
              let h = perSender.get(sender);
              if (!h) perSender.set(sender, (h = createLatencyHistogram()));
              h.recordMs(ms);
              if (options.selectPairs?.(i, sender)) selected.recordMs(ms);
              options.onDelivery?.(ms, sender, i);
            },
          },
        ),
      );
    }
    const timeoutMs = options.timeoutMs ?? 60_000 + updates * tickMs;
    await withTimeout(Promise.all(clients.map((c) => c.done)), timeoutMs, harness.queue, () => 'client-server: sending', options.signal);
    const delivered = () => clients.reduce((sum, c) => sum + c.stats().received, 0);
    // Relays still in flight (shaped delays) are waited for, up to drainMs; lost ones never come.
    const drainUntil = systemClock.nowMs() + drainMs;
    while (delivered() < expected && systemClock.nowMs() < drainUntil && !options.signal?.aborted) {
      await new Promise<void>((resolve) => harness.queue.schedule(systemClock.nowMs() + 5, resolve));
    }
    const durationMs = systemClock.nowMs() - startedAt;
    const merged = createLatencyHistogram();
    for (const c of clients) merged.merge(c.stats().latency);
    const s = server.stats();
    const playedS = (updates * tickMs) / 1000;
    return {
      kind: 'client-server',
      players: n,
      updatesPerClient: updates,
      latencyMs: latencyFigures(merged),
      perSenderLatency: perSender,
      perReceiverLatency: clients.map((c) => c.stats().latency),
      selectedLatencyMs: latencyFigures(selected),
      delivered: delivered(),
      expected,
      serverBytesPerS: (s.rxBytes + s.txBytes) / playedS,
      serverRxBytesPerS: s.rxBytes / playedS,
      serverTxBytesPerS: s.txBytes / playedS,
      serverBytes: { rx: s.rxBytes, tx: s.txBytes },
      durationMs,
      timerLatenessMs: harness.lateness.summary(),
      ...harness.totals(),
    };
  } finally {
    for (const c of clients) c.stop();
    serverStop?.();
    await harness.close();
  }
}
