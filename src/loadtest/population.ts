import { createEd25519, type Ed25519Backend } from '../crypto/index.js';
import { createLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import { createDeferredShaper, createLinkShaper, endpointId, type DeferredShaper, type ShapingConfig } from '../net/index.js';
import { startPeerNode, type PeerNode, type PeerNodeConfig, type PeerNodeDeps } from '../peer/index.js';
import type { Rng } from '../random/index.js';
import { systemClock, type Clock } from '../time/clock.js';
import { createTimerQueue, type TimerQueue } from '../time/timer-queue.js';

/**
 * What the load-test runners that bind bare peers (NEO group, DHT swarm, baselines) stand on: real
 * peers on 127.0.0.1 sharing one timer queue, with link shaping attached once their endpoints
 * exist, and one `close` that leaves no socket open, also when binding fails half-way. (The
 * identity swarm composes whole players with startPlayer.) The paced churn loop both swarms share
 * is at the end.
 */
export interface LoopbackPopulationOptions {
  /** Peers bound before the population is returned; more join with `add`. */
  readonly count: number;
  /**
   * The identity seed of the index-th peer started (for the `count` peers, and `add()` without a
   * seed). Each runner keeps its own derivation from its run's Rng, so a seed still gives the
   * identities, and so the figures, it gave before.
   */
  readonly identitySeed?: (index: number) => Uint8Array;
  /** Absent: the peers have no shaping stage at all. */
  readonly shaping?: PopulationShaping;
}

/**
 * Shaping rules name endpoints, which exist only once the sockets are bound, so every peer sends
 * through a deferred shaper and the link shaper is built from the bound endpoints afterwards.
 */
export interface PopulationShaping {
  /** The rules for the `count` peers' endpoints, in start order; undefined: shape nothing. */
  readonly rules: (endpoints: readonly string[]) => ShapingConfig | undefined;
  readonly rng: Rng;
  /** Origin of the shaper's relative time (partition windows); default: when it is attached. */
  readonly startMs?: number;
  /** Attach only on `attachShaping`: a group whose round 0 waits for a signal shapes from then. */
  readonly deferAttach?: boolean;
}

export interface LoopbackPopulationDeps {
  /** Default: the shared monotonic clock. */
  readonly clock?: Clock;
  /** Default: a native backend for this population (its prepared-key cache shared by its peers). */
  readonly ed25519?: Ed25519Backend;
  /** A timer queue shared with other populations of the thread: `close` leaves it open. Made when absent. */
  readonly scheduler?: TimerQueue;
  readonly onHandlerError?: (error: unknown, kind: string) => void;
  /** How one peer starts; tests inject one that fails. Default: startPeerNode. */
  readonly startPeer?: (config: PeerNodeConfig, deps: PeerNodeDeps) => Promise<PeerNode>;
}

export interface LoopbackPopulation {
  /** The `count` peers, in start order. */
  readonly peers: readonly PeerNode[];
  /** Their endpoints as shaping rules name them. */
  readonly endpoints: readonly string[];
  readonly clock: Clock;
  readonly ed25519: Ed25519Backend;
  /** The timer queue the population made or was given. */
  readonly scheduler: TimerQueue;
  /** How late the queue ran its items, when the population made it; a given queue's owner counts its own. */
  readonly lateness: LatencyHistogram;
  /** Binds one more peer. Closing a peer yourself takes it out of the population. */
  add(identitySeed?: Uint8Array): Promise<PeerNode>;
  /** With `shaping.deferAttach`: builds and attaches the link shaper now, its time counted from `startMs`. */
  attachShaping(startMs?: number): void;
  /** Closes the timer queue it made, then every peer still open. Later calls wait for the first. */
  close(): Promise<void>;
}

export async function startLoopbackPopulation(options: LoopbackPopulationOptions, deps: LoopbackPopulationDeps = {}): Promise<LoopbackPopulation> {
  const population = createPopulation(options, deps);
  try {
    for (let i = 0; i < options.count; i++) population.peers.push(await population.add());
    population.endpoints.push(...population.peers.map((p) => endpointId(p.transport.local)));
    if (options.shaping && !options.shaping.deferAttach) population.attachShaping();
  } catch (error) {
    await population.close();
    throw error;
  }
  return population;
}

interface PopulationUnderConstruction extends LoopbackPopulation {
  readonly peers: PeerNode[];
  readonly endpoints: string[];
}

function createPopulation(options: LoopbackPopulationOptions, deps: LoopbackPopulationDeps): PopulationUnderConstruction {
  const clock = deps.clock ?? systemClock;
  const ed25519 = deps.ed25519 ?? createEd25519('native');
  const lateness = createLatencyHistogram();
  const scheduler = deps.scheduler ?? createTimerQueue({ clock, onLateness: (ms) => lateness.recordMs(ms) });
  const deferred = options.shaping ? createDeferredShaper() : undefined;
  const startPeer = deps.startPeer ?? startPeerNode;
  const open = new Set<PeerNode>();
  const endpoints: string[] = [];
  let started = 0;
  let closing: Promise<void> | undefined;

  const seedOf = (index: number): Uint8Array => {
    if (!options.identitySeed) throw new TypeError('startLoopbackPopulation: add() without a seed needs options.identitySeed');
    return options.identitySeed(index);
  };
  const add = async (identitySeed = seedOf(started)): Promise<PeerNode> => {
    started++;
    const shaping = deferred && { shaper: deferred.shaper, scheduler };
    const peer = await startPeer({ host: '127.0.0.1', port: 0 }, { identitySeed, ed25519, clock, shaping, onHandlerError: deps.onHandlerError });
    // A peer whose bind finished after close() would outlive the population.
    return closing ? refuse(peer) : memberOf(open, peer);
  };
  const close = () =>
    (closing ??= (async () => {
      if (!deps.scheduler) scheduler.close();
      await Promise.all([...open].map((p) => p.close()));
    })());
  const attachShaping = (startMs = options.shaping?.startMs) => {
    if (!options.shaping || !deferred) throw new Error('startLoopbackPopulation: attachShaping needs options.shaping');
    attachLinkShaper(deferred, options.shaping, endpoints, clock, startMs);
  };
  return { peers: [], endpoints, clock, ed25519, scheduler, lateness, add, attachShaping, close };
}

/** The peer as a member of `open`: a runner closing it itself (a crash under churn) takes it out, so it is not kept until the end. */
function memberOf(open: Set<PeerNode>, peer: PeerNode): PeerNode {
  const member: PeerNode = {
    ...peer,
    close: () => {
      open.delete(member);
      return peer.close();
    },
  };
  open.add(member);
  return member;
}

async function refuse(peer: PeerNode): Promise<never> {
  await peer.close();
  throw new Error('startLoopbackPopulation: the population closed while a peer was starting');
}

function attachLinkShaper(deferred: DeferredShaper, shaping: PopulationShaping, endpoints: readonly string[], clock: Clock, startMs: number | undefined): void {
  const config = shaping.rules(endpoints);
  if (config) deferred.attach(createLinkShaper(config, { rng: shaping.rng, clock }, startMs !== undefined ? { startMs } : {}));
}

/** Transport handler errors as lines for a run's result; at most `limit` of them, so one bug's storm cannot fill memory. */
export interface HandlerErrorLog {
  readonly lines: string[];
  readonly record: (error: unknown, kind: string) => void;
}

export function handlerErrorLog(limit = Infinity): HandlerErrorLog {
  const lines: string[] = [];
  const record = (error: unknown, kind: string) => {
    if (lines.length < limit) lines.push(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  };
  return { lines, record };
}

/** A step of a paced loop. */
export interface PacedStep {
  /** Time between two runs; Infinity: never. */
  readonly everyMs: number;
  /** The first run, this long after the loop's start. */
  readonly firstAfterMs: number;
  /**
   * A loop that fell behind runs every missed turn of a catch-up step at once (an offered rate
   * holds), but only one turn of another step per wake-up (the rest follow 1 ms apart).
   */
  readonly catchUp: boolean;
  /** A returned promise is waited for before the loop resolves. */
  readonly run: () => Promise<unknown> | void;
}

export interface PacedLoopDeps {
  readonly clock: Clock;
  /** Default: a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs each step on its own schedule from `startMs` until `endMs`, sleeping until the next is due
 * (at least 1 ms), then waits for every promise a step returned. A step that throws or a promise
 * that rejects ends the loop early, and the error is rethrown only once the rest have settled, so a
 * caller's clean-up never closes sockets under work still running.
 */
export async function pacedLoop(window: { readonly startMs: number; readonly endMs: number }, steps: readonly PacedStep[], deps: PacedLoopDeps): Promise<void> {
  const { clock } = deps;
  const sleep = deps.sleep ?? sleepMs;
  const due = steps.map((step) => window.startMs + step.firstAfterMs);
  const inFlight = new Set<Promise<unknown>>();
  let failure: { readonly error: unknown } | undefined;
  const track = (promise: Promise<unknown>) => {
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    void promise.then(forget, (error: unknown) => {
      forget();
      failure ??= { error };
    });
  };
  try {
    while (!failure && clock.nowMs() < window.endMs) {
      const now = clock.nowMs();
      steps.forEach((step, i) => (due[i] = runDueTurns(step, due[i] as number, now, track)));
      await sleep(Math.max(1, Math.min(...due) - clock.nowMs()));
    }
  } finally {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }
  if (failure) throw failure.error;
}

/** Runs the step's turns due by `now`; returns when its next turn is due. */
function runDueTurns(step: PacedStep, dueMs: number, now: number, track: (promise: Promise<unknown>) => void): number {
  let next = dueMs;
  if (now < next) return next;
  do {
    next += step.everyMs;
    const result = step.run();
    if (result) track(result);
  } while (step.catchUp && now >= next);
  return next;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A population under churn with a workload of operations on it, as the DHT and identity swarms run. */
export interface ChurnWorkload {
  readonly startMs: number;
  readonly durationMs: number;
  /** Between two churn events (a leave and the join replacing it); Infinity: no churn. */
  readonly churnEveryMs: number;
  readonly operationEveryMs: number;
  readonly churn: () => Promise<unknown> | void;
  readonly operation: () => Promise<unknown>;
  /** About once a second: progress. */
  readonly everySecond: () => void;
}

/**
 * The first churn event one interval in, late ones one per wake-up; operations from the start,
 * late ones all at once, so the offered rate holds on a busy event loop. Resolves once the
 * duration is over and every churn event and operation has settled.
 */
export function runChurnWorkload(workload: ChurnWorkload, deps: PacedLoopDeps): Promise<void> {
  const { startMs, durationMs, churnEveryMs, operationEveryMs } = workload;
  return pacedLoop(
    { startMs, endMs: startMs + durationMs },
    [
      { everyMs: churnEveryMs, firstAfterMs: churnEveryMs, catchUp: false, run: workload.churn },
      { everyMs: operationEveryMs, firstAfterMs: 0, catchUp: true, run: workload.operation },
      { everyMs: 1000, firstAfterMs: 1000, catchUp: false, run: workload.everySecond },
    ],
    deps,
  );
}

/** Churn events' interval for leaves per minute as a fraction of the initial population; Infinity for none. */
export function churnIntervalMs(churnPerMinute: number, peers: number): number {
  return churnPerMinute > 0 ? 60_000 / (churnPerMinute * peers) : Infinity;
}
