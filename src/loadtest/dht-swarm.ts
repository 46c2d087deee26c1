import { createLatencyHistogram, type LatencyHistogram, type LatencySummary } from '../metrics/index.js';
import type { PeerNode } from '../peer/index.js';
import { createRng, type Rng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import { installDht, MAX_TRACKED_HOPS, ownerWriterPolicy, signRecord, sumDhtStats, type DhtConfig, type DhtNode, type DhtRecord, type DhtStats } from '../dht/index.js';
import { churnIntervalMs, handlerErrorLog, runChurnWorkload, startLoopbackPopulation, type LoopbackPopulation } from './population.js';

/**
 * A population of DHT nodes on real sockets in this process, under churn: every node publishes
 * one record about itself, nodes crash (socket closed, no hand-off) and new ones join at a steady
 * rate, and a workload of gets asks random live nodes for random published records, those of
 * departed publishers included. Used by the integration tests and `npm run bench:dht`.
 */
export interface DhtSwarmOptions {
  readonly peers: number;
  readonly seed: string | number;
  readonly config?: DhtConfig;
  /** Bootstrap contacts per joining node (random live nodes; the first nodes use the first ones). Default 3. */
  readonly bootstrapContacts?: number;
  /** How long churn and gets run after the initial population has bootstrapped and published. */
  readonly durationMs: number;
  /** Crash leaves per minute as a fraction of the initial population; as many nodes join. */
  readonly churnPerMinute: number;
  /** Of the leaves, the fraction that leave gracefully (hand-off) instead of crashing. Default 0. */
  readonly gracefulFraction?: number;
  readonly getsPerSecond: number;
  /** Called about once a second with progress. */
  readonly onProgress?: (progress: DhtSwarmProgress) => void;
}

export interface DhtSwarmProgress {
  readonly elapsedMs: number;
  readonly live: number;
  readonly gets: number;
  readonly getSuccesses: number;
  readonly crashes: number;
  readonly gracefulLeaves: number;
  readonly joins: number;
}

export interface DhtSwarmResult extends DhtSwarmProgress {
  /** Gets of the workload that failed or returned another version than the one published. */
  readonly failures: readonly { readonly publisherAlive: boolean; readonly ok: boolean }[];
  /** Workload gets only: latency (successful ones) and hop counts. */
  readonly getLatencyMs: LatencySummary;
  readonly getLatencyHistogram: LatencyHistogram;
  readonly hops: readonly number[];
  /** Summed over every node that ever ran, departed ones at their departure. */
  readonly stats: DhtStats;
  /** Bootstrap time of the initial population. */
  readonly bootstrapMs: number;
  readonly timerLatenessMs: LatencySummary;
  readonly handlerErrors: readonly string[];
}

interface Node {
  readonly peer: PeerNode;
  readonly dht: DhtNode;
  ready: boolean;
}

export async function runDhtSwarm(options: DhtSwarmOptions): Promise<DhtSwarmResult> {
  const root = createRng(options.seed);
  const identities = root.fork('identities');
  const handlerErrors = handlerErrorLog(100);
  const population = await startLoopbackPopulation({ count: 0, identitySeed: () => identities.bytes(32) }, { clock: systemClock, onHandlerError: handlerErrors.record });
  try {
    return await runSwarm(options, root, population, handlerErrors.lines);
  } finally {
    await population.close();
  }
}

async function runSwarm(options: DhtSwarmOptions, root: Rng, population: LoopbackPopulation, handlerErrors: readonly string[]): Promise<DhtSwarmResult> {
  const { clock, ed25519, scheduler } = population;
  const pick = root.fork('workload');
  const policies = { 'player-data': ownerWriterPolicy(), house: ownerWriterPolicy() };
  const live: Node[] = [];
  const departedStats: DhtStats[] = [];
  const published: { subject: Uint8Array; record: DhtRecord; owner: Node }[] = [];
  const contactsPerJoin = options.bootstrapContacts ?? 3;
  let spawned = 0;

  const spawn = async (): Promise<Node> => {
    const index = spawned++;
    const peer = await population.add();
    const dht = installDht(peer.transport, options.config ?? {}, { clock, scheduler, rng: root.fork(`dht:${index}`), verify: (s, m, k) => ed25519.verify(s, m, k), policies });
    const node = { peer, dht, ready: false };
    live.push(node);
    return node;
  };
  const publish = async (node: Node) => {
    const record = signRecord(
      { type: 'player-data', subject: node.peer.publicKey, seq: 1n, expiresAtMs: BigInt(Date.now() + 24 * 3_600_000), value: new TextEncoder().encode(`player ${node.dht.contact.endpoint.port}`) },
      node.peer.signer,
    );
    await node.dht.put(record);
    published.push({ subject: node.peer.publicKey, record, owner: node });
  };
  const seedsFor = (node: Node) => pick.shuffle(live.filter((n) => n !== node && n.ready)).slice(0, contactsPerJoin).map((n) => n.dht.contact);

  // Initial population: the first nodes bootstrap from each other, the rest in waves from random ready nodes.
  const bootStart = clock.nowMs();
  for (let i = 0; i < options.peers; i++) await spawn();
  const first = live.slice(0, contactsPerJoin);
  for (const node of first) {
    await node.dht.bootstrap(first.filter((n) => n !== node).map((n) => n.dht.contact));
    node.ready = true;
  }
  const rest = live.slice(contactsPerJoin);
  for (let i = 0; i < rest.length; i += 10) {
    const wave = rest.slice(i, i + 10);
    await Promise.all(wave.map((n) => n.dht.bootstrap(seedsFor(n))));
    for (const n of wave) n.ready = true;
  }
  const bootstrapMs = clock.nowMs() - bootStart;
  for (let i = 0; i < live.length; i += 20) await Promise.all(live.slice(i, i + 20).map(publish));

  // Churn and workload.
  const counts = { gets: 0, getSuccesses: 0, crashes: 0, gracefulLeaves: 0, joins: 0 };
  const failures: { publisherAlive: boolean; ok: boolean }[] = [];
  const getLatency = createLatencyHistogram();
  const hops = new Array<number>(MAX_TRACKED_HOPS + 1).fill(0);
  const start = clock.nowMs();
  const progress = (): DhtSwarmProgress => ({ elapsedMs: clock.nowMs() - start, live: live.length, ...counts });

  const leave = async (node: Node) => {
    live.splice(live.indexOf(node), 1);
    if (pick.float() < (options.gracefulFraction ?? 0)) {
      counts.gracefulLeaves++;
      await node.dht.leave();
    } else {
      counts.crashes++;
      node.dht.close();
    }
    await node.peer.close();
    // After the socket closed, so lookups the close cut short have settled as abandoned.
    departedStats.push(node.dht.stats());
  };
  const join = async () => {
    counts.joins++;
    const node = await spawn();
    await node.dht.bootstrap(seedsFor(node));
    node.ready = true;
    await publish(node);
  };
  const get = async () => {
    const readers = live.filter((n) => n.ready);
    if (readers.length === 0 || published.length === 0) return;
    const reader = pick.pick(readers);
    const target = pick.pick(published);
    if (target.owner === reader) return;
    const result = await reader.dht.get('player-data', target.subject);
    counts.gets++;
    const ok = result.ok && result.record?.seq === target.record.seq;
    if (ok) {
      counts.getSuccesses++;
      getLatency.recordMs(result.latencyMs);
      const slot = Math.min(result.hops, MAX_TRACKED_HOPS);
      hops[slot] = (hops[slot] as number) + 1;
    } else {
      failures.push({ publisherAlive: live.includes(target.owner), ok: result.ok });
    }
  };

  await runChurnWorkload(
    {
      startMs: start,
      durationMs: options.durationMs,
      churnEveryMs: churnIntervalMs(options.churnPerMinute, options.peers),
      operationEveryMs: 1000 / options.getsPerSecond,
      churn: () => leave(pick.pick(live.filter((n) => n.ready))).then(join),
      operation: get,
      everySecond: () => options.onProgress?.(progress()),
    },
    { clock },
  );
  const finalProgress = progress();
  const stats = sumDhtStats([...departedStats, ...live.map((n) => n.dht.stats())]);
  for (const n of live) n.dht.close();
  return {
    ...finalProgress,
    failures,
    getLatencyMs: getLatency.summary(),
    getLatencyHistogram: getLatency,
    hops,
    stats,
    bootstrapMs,
    timerLatenessMs: population.lateness.summary(),
    handlerErrors,
  };
}
