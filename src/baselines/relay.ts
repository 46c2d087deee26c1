import { createLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import { endpointId, type Endpoint, type Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { ClientUpdate, MAX_BASELINE_PLAYERS, MAX_BASELINE_UPDATE_BYTES, ServerRelay } from './messages.js';
import { checkInteger, checkPositive, deferred, indexRoster, type BaselineScheduler } from './support.js';

/**
 * The client/server baseline: every client sends its updates to one relay server, which forwards
 * each, in arrival order, to every other client. docs/baselines.md.
 */

export interface RelayServerDeps {
  /** The server's own transport (its own socket, its own traffic counters). */
  readonly transport: Transport;
  /** Every client's endpoint, in index order. */
  readonly roster: readonly Endpoint[];
}

export interface RelayServerStats {
  /** Client updates accepted and forwarded. */
  updatesReceived: number;
  /** Relay datagrams sent: (clients − 1) per update. */
  relaysSent: number;
  /** From an endpoint outside the roster or naming another client than the sender. */
  ignored: number;
  /** Bytes the server's socket received and sent since the server started (transport.stats()). */
  rxBytes: number;
  txBytes: number;
}

export interface RelayServer {
  stats(): RelayServerStats;
  /** Stops forwarding; every later update is ignored. The transport stays open (the caller owns it). */
  stop(): void;
}

export function startRelayServer(deps: RelayServerDeps): RelayServer {
  const { transport, roster } = deps;
  checkInteger(roster.length, 1, MAX_BASELINE_PLAYERS, 'relay server: roster length');
  const rosterIndex = indexRoster(roster, 'relay server');
  const base = transport.stats();
  const counts = { updatesReceived: 0, relaysSent: 0, ignored: 0 };
  let serverSeq = 0n;
  let stopped = false;

  transport.handle(ClientUpdate, (msg) => {
    if (stopped) return;
    const sender = rosterIndex.get(endpointId(msg.from));
    const body = msg.body;
    if (sender === undefined || body.client !== sender) {
      counts.ignored++;
      return;
    }
    counts.updatesReceived++;
    // One sequence number per update, identical in every copy: the order the server imposes.
    const relay = { client: body.client, seq: body.seq, createdAtMs: body.createdAtMs, serverSeq: serverSeq++, payload: body.payload };
    for (let j = 0; j < roster.length; j++) {
      if (j === sender) continue;
      transport.send(roster[j] as Endpoint, ServerRelay, relay);
      counts.relaysSent++;
    }
  });

  return {
    stats() {
      const now = transport.stats();
      return { ...counts, rxBytes: now.rx.bytes - base.rx.bytes, txBytes: now.tx.bytes - base.tx.bytes };
    },
    stop() {
      stopped = true;
    },
  };
}

export interface RelayClientConfig {
  /** This client's index in the server's roster. */
  readonly index: number;
  /** One update every tickMs. */
  readonly tickMs: number;
  /** Updates to send (seq 0 … updates − 1). */
  readonly updates: number;
  /** Offset of this client's first update from its start, so clients do not all tick at once. Default 0. */
  readonly phaseMs?: number;
  /** Number of clients in the game, when known: relays naming a client index ≥ clients are ignored. */
  readonly clients?: number;
}

export interface RelayClientDeps {
  readonly transport: Transport;
  /** The shared clock: createdAtMs is read from it here and compared with it at every receiver. */
  readonly clock: Clock;
  readonly scheduler: BaselineScheduler;
  readonly server: Endpoint;
  /** This client's opaque update number `seq` (at most MAX_BASELINE_UPDATE_BYTES). */
  readonly nextUpdate: (seq: number) => Uint8Array;
  /**
   * Called for every relayed update received, with its sender's index and its latency (receive
   * time − createdAtMs); lets a caller keep per-sender histograms without one per client pair.
   */
  readonly onDelivery?: (sender: number, seq: number, latencyMs: number) => void;
}

export interface RelayClientStats {
  sent: number;
  /** Relayed updates received (and recorded in `latency`). */
  received: number;
  /** Received updates per sending client index. */
  receivedFrom: ReadonlyMap<number, number>;
  /** Receive time here − createdAtMs at the sender, per received update (ms, shared clock). */
  latency: LatencyHistogram;
  /** Relays whose serverSeq was below one already received (reordered on the way). */
  outOfOrder: number;
  /** Relays with a createdAtMs in this client's future: a clock not shared with the sender; not recorded. */
  clockSkew: number;
  /** Not from the server, echoing this client's own update, or naming a client index out of range. */
  ignored: number;
}

export interface RelayClient {
  /** Resolves once every update has been sent; rejects if stopped first or if nextUpdate throws. */
  readonly done: Promise<void>;
  stats(): RelayClientStats;
  /** Stops sending and ignores every later relay. */
  stop(): void;
}

export function startRelayClient(config: RelayClientConfig, deps: RelayClientDeps): RelayClient {
  checkInteger(config.index, 0, MAX_BASELINE_PLAYERS - 1, 'relay client: config.index');
  checkPositive(config.tickMs, 'relay client: config.tickMs');
  checkInteger(config.updates, 0, 0xffffffff, 'relay client: config.updates');
  const phaseMs = config.phaseMs ?? 0;
  if (!Number.isFinite(phaseMs) || phaseMs < 0) throw new RangeError(`relay client: config.phaseMs must be a finite number >= 0, got ${phaseMs}`);
  const clients = config.clients ?? MAX_BASELINE_PLAYERS;
  checkInteger(clients, config.index + 1, MAX_BASELINE_PLAYERS, 'relay client: config.clients');

  const { transport, clock, scheduler } = deps;
  const serverId = endpointId(deps.server);
  const latency = createLatencyHistogram();
  const receivedFrom = new Map<number, number>();
  const counts = { sent: 0, received: 0, outOfOrder: 0, clockSkew: 0, ignored: 0 };
  const finished = deferred();
  let highestServerSeq = -1n;
  let stopped = false;
  let over = false;
  let timer: { cancel(): boolean } | undefined;

  transport.handle(ServerRelay, (msg) => {
    if (stopped) return;
    const body = msg.body;
    if (endpointId(msg.from) !== serverId || body.client === config.index || body.client >= clients) {
      counts.ignored++;
      return;
    }
    const ms = clock.nowMs() - body.createdAtMs;
    // createdAtMs is remote input: a value from another clock must not throw into the histogram.
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      counts.clockSkew++;
      return;
    }
    if (body.serverSeq < highestServerSeq) counts.outOfOrder++;
    else highestServerSeq = body.serverSeq;
    counts.received++;
    receivedFrom.set(body.client, (receivedFrom.get(body.client) ?? 0) + 1);
    latency.recordMs(ms);
    deps.onDelivery?.(body.client, body.seq, ms);
  });

  // Drift-free: update k is due at start + phase + k·tick, whenever the previous one actually ran.
  const startMs = clock.nowMs() + phaseMs;
  function tick(): void {
    timer = undefined;
    if (stopped || over) return;
    try {
      const seq = counts.sent;
      const payload = deps.nextUpdate(seq);
      if (!(payload instanceof Uint8Array) || payload.length > MAX_BASELINE_UPDATE_BYTES) {
        throw new RangeError(`relay client: nextUpdate(${seq}) must return a Uint8Array of at most ${MAX_BASELINE_UPDATE_BYTES} bytes`);
      }
      transport.send(deps.server, ClientUpdate, { client: config.index, seq, createdAtMs: clock.nowMs(), payload });
      counts.sent++;
    } catch (error) {
      over = true;
      finished.reject(error);
      return;
    }
    if (counts.sent >= config.updates) {
      over = true;
      finished.resolve();
      return;
    }
    timer = scheduler.schedule(startMs + counts.sent * config.tickMs, tick);
  }
  if (config.updates === 0) {
    over = true;
    finished.resolve();
  } else {
    timer = scheduler.schedule(startMs, tick);
  }

  return {
    done: finished.promise,
    stats: () => ({ ...counts, receivedFrom: new Map(receivedFrom), latency }),
    stop() {
      if (stopped) return;
      stopped = true;
      timer?.cancel();
      timer = undefined;
      if (!over) {
        over = true;
        finished.reject(new Error(`relay client ${config.index}: stopped after ${counts.sent} of ${config.updates} updates`));
      }
    },
  };
}
