import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { decodeLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import type { ShardMessage } from './contract.js';
import type { LiveSnapshot } from '../ui/model.js';

/**
 * Live figures for Prometheus (docs/metrics.md): `p2p-mmog run --metrics-port` serves the run's live
 * snapshot — the same figures the terminal UI shows, once a second — at `/metrics` in the Prometheus
 * text exposition format, so a Grafana dashboard can watch a long run. The NEO playout latency is a
 * real Prometheus histogram whose cumulative buckets are read, at each scrape, from the run's
 * HdrHistogram merged across workers (never from averaged percentiles). prom-client supplies the
 * registry, the exposition format and the process's own metrics (CPU, memory, event-loop lag).
 */

/** Upper bounds (ms) of the NEO playout latency histogram's buckets: round trips of a few ms to seconds of churn. */
export const NEO_LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000] as const;

export interface MetricsEndpointOptions {
  readonly host: string;
  /** 0: any free port (the bound one is in `MetricsEndpoint.port`). */
  readonly port: number;
}

/** Where the endpoint reads the live figures at each scrape. */
export interface MetricsSource {
  /** The latest live snapshot; null before the first. */
  snapshot(): LiveSnapshot | null;
  /** The run's NEO playouts so far (merged across workers); null before the run has one. */
  neoPlayout(): LatencyHistogram | null;
}

export interface MetricsEndpoint {
  readonly port: number;
  readonly url: string;
  /** Scrapes answered so far. */
  scrapes(): number;
  close(): Promise<void>;
}

const PREFIX = 'p2pmmog_';

type Sample = { readonly labels: Record<string, string | number>; readonly value: number; readonly metricName?: string };

/**
 * A metric answered at each scrape from `values()`. prom-client's registry formats any object with
 * a name, help, type and `get()`; the cast is to its class types, which are the only ones it names.
 */
function scrapedMetric(name: string, help: string, type: 'gauge' | 'counter' | 'histogram', values: () => readonly Sample[]): Metric<string> {
  return { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: [...values()] }) } as unknown as Metric<string>;
}

/**
 * A series read from the live snapshot at each scrape. prom-client's Gauge and Counter keep values
 * set on them (a gauge never set shows 0); these figures live in the snapshot, so the metric
 * answers the registry's `get()` from it, and a figure the run does not have yet is absent rather
 * than a 0 that reads as a measurement.
 */
function snapshotMetric(source: MetricsSource, type: 'gauge' | 'counter', name: string, help: string, read: (s: LiveSnapshot) => number | null | undefined | readonly Sample[]): Metric<string> {
  return scrapedMetric(PREFIX + name, help, type, () => {
    const s = source.snapshot();
    const v = s ? read(s) : null;
    if (typeof v === 'number') return Number.isFinite(v) ? [{ labels: {}, value: v }] : [];
    return v ?? [];
  });
}

/**
 * The NEO playout latency as a Prometheus histogram (seconds). prom-client's Histogram counts the
 * values it is given; these come merged from the workers' HdrHistograms, so the cumulative buckets
 * are read from the merged histogram at each scrape.
 */
function neoLatencyHistogram(source: MetricsSource): Metric<string> {
  const name = `${PREFIX}neo_playout_latency_seconds`;
  const help = 'NEO update playout latency over the run so far (send to play, every accepted update at every receiver), from the HdrHistograms merged across workers.';
  // Read once per change of the histogram (it changes once a second), however often it is scraped.
  let cached: { readonly histogram: LatencyHistogram; readonly count: number; readonly values: readonly Sample[] } | null = null;
  const values = (): readonly Sample[] => {
    const h = source.neoPlayout();
    const count = h?.count ?? 0;
    // No playout yet: no series, rather than buckets of 0 that read as a measurement.
    if (!h || count === 0) return [];
    if (cached && cached.histogram === h && cached.count === count) return cached.values;
    const at = (ms: number) => h.countAtOrBelowMs(ms);
    const sum = (h.summary().mean * count) / 1000;
    const fresh: Sample[] = [
      ...NEO_LATENCY_BUCKETS_MS.map((ms) => ({ metricName: `${name}_bucket`, labels: { le: ms / 1000 }, value: at(ms) })),
      { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count },
      { metricName: `${name}_sum`, labels: {}, value: sum },
      { metricName: `${name}_count`, labels: {}, value: count },
    ];
    cached = { histogram: h, count, values: fresh };
    return fresh;
  };
  return scrapedMetric(name, help, 'histogram', values);
}

/** The registry of a run's live figures (exported for tests that read it without HTTP). */
export function createRunRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${PREFIX}harness_` });
  const add = (type: 'gauge' | 'counter', name: string, help: string, read: Parameters<typeof snapshotMetric>[4]) => registry.registerMetric(snapshotMetric(source, type, name, help, read));
  const gauge = (name: string, help: string, read: Parameters<typeof snapshotMetric>[4]) => add('gauge', name, help, read);
  const counter = (name: string, help: string, read: Parameters<typeof snapshotMetric>[4]) => add('counter', name, help, read);
  gauge('run_info', 'The run: profile, seed and phase (always 1).', (s) => [{ labels: { profile: s.profile, seed: s.seed, phase: s.phase }, value: 1 }]);
  gauge('elapsed_seconds', 'Seconds since the start signal.', (s) => s.elapsedS);
  gauge('duration_seconds', "The profile's duration.", (s) => s.durationS);
  gauge('peers_alive', 'Players with an open socket.', (s) => s.peersAlive);
  gauge('peers_target', "The profile's player count.", (s) => s.peersTarget);
  gauge('workers', 'Worker threads hosting players.', (s) => s.workers);
  gauge('rounds_per_second', 'NEO rounds decided per second (all groups).', (s) => s.rates.roundsPerS);
  gauge('messages_per_second', 'Datagrams sent per second by all players.', (s) => s.rates.messagesPerS);
  gauge('bytes_per_second', 'Bytes sent per second by all players.', (s) => s.rates.bytesPerS);
  gauge('shaping_loss_ratio', 'Share of datagrams the link shaping dropped in the last second (the configured impairment).', (s) => s.rates.lossPct / 100);
  gauge('neo_groups', 'NEO groups planned.', (s) => s.neo?.groups);
  gauge('neo_playout_latency_last_second_p99_seconds', 'p99 of the updates played in the last second (absent for a second without playouts).', (s) => (typeof s.neo?.p99 === 'number' ? s.neo.p99 / 1000 : null));
  counter('neo_updates_accepted_total', 'NEO updates accepted (each once, not once per replica).', (s) => s.neo?.accepted);
  counter('neo_updates_dropped_total', 'NEO updates dropped (each once: late, missing, or refused).', (s) => s.neo?.dropped);
  counter('dht_lookups_total', 'DHT lookups completed.', (s) => s.dht?.lookups);
  gauge('dht_lookup_latency_p99_seconds', 'DHT lookup latency p99 so far.', (s) => (s.dht ? s.dht.p99 / 1000 : null));
  gauge('dht_lookup_success_ratio', 'Share of DHT lookups that found what they looked for.', (s) => (s.dht ? s.dht.successPct / 100 : null));
  gauge('groups', 'Groups (quadtree leaves in a world).', (s) => s.groups?.count);
  counter('group_splits_total', 'Quadtree splits.', (s) => s.groups?.splits);
  counter('group_merges_total', 'Quadtree merges.', (s) => s.groups?.merges);
  counter('group_handovers_total', 'Players handed over between groups.', (s) => s.groups?.handovers);
  counter('compute_steps_total', 'Game-process steps run.', (s) => s.compute?.steps);
  counter('compute_outcomes_applied_total', "Step outcomes voted into the groups' games.", (s) => s.compute?.outcomesApplied);
  counter('bans_total', 'Players banned by the authority on a proof.', (s) => s.bans);
  for (const [figure, name] of [['attempts', 'attempts'], ['prevented', 'prevented'], ['detected', 'detected'], ['falsePositives', 'false_positives']] as const) {
    counter(`attack_${name}_total`, `Attack ${figure} by kind (report.json attacks[].${figure}).`, (s) => s.attacks.map((row) => ({ labels: { kind: row.kind }, value: row[figure] })));
  }
  gauge('harness_event_loop_delay_p99_seconds', "The controller's event-loop delay p99 in the last second.", (s) => s.health.eventLoopP99Ms / 1000);
  gauge('harness_timer_lateness_p99_seconds', "The workers' timer lateness p99 in the last second.", (s) => s.health.timerLatenessP99Ms / 1000);
  gauge('harness_cpu_cores', 'CPU cores the run used in the last second.', (s) => s.health.cpuCores);
  gauge('harness_cpu_per_member_round_seconds', "The run's CPU per member-round so far.", (s) => (s.health.cost.runUs === null ? null : s.health.cost.runUs / 1e6));
  gauge('harness_calibration_verify_seconds', 'The calibrated native Ed25519 verification on this machine.', (s) => s.health.cost.verifyUs / 1e6);
  gauge('harness_saturated', '1 while the harness itself is saturated (its figures are then not to be trusted).', (s) => (s.health.saturated ? 1 : 0));
  counter('harness_udp_kernel_drops_total', 'Datagrams the kernel dropped (absent where not measurable).', (s) => s.health.kernelDrops);
  registry.registerMetric(neoLatencyHistogram(source));
  return registry;
}

/** The latest telemetry of each shard an agent hosts (what it relays to the controller). */
export type AgentMetricsSource = () => ReadonlyMap<number, Extract<ShardMessage, { type: 'telemetry' }>>;

/**
 * An agent's registry (`p2p-mmog agent --metrics-port`): its own process (CPU, memory, event-loop
 * lag) and, per shard it hosts, the figures of the shard's latest telemetry — what a dashboard needs
 * to tell which host of a long run is struggling. The run's figures are the controller's endpoint's.
 */
export function createAgentRegistry(source: AgentMetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${PREFIX}agent_` });
  const perShard = (type: 'gauge' | 'counter', name: string, help: string, read: (m: Extract<ShardMessage, { type: 'telemetry' }>) => number | null) => {
    const values = () =>
      [...source()].flatMap(([shard, m]) => {
        const v = read(m);
        return v === null || !Number.isFinite(v) ? [] : [{ labels: { shard }, value: v }];
      });
    registry.registerMetric(scrapedMetric(`${PREFIX}agent_${name}`, help, type, values));
  };
  perShard('gauge', 'shard_peers_alive', 'Players of the shard with an open socket.', (m) => m.sample.peersAlive);
  perShard('counter', 'shard_neo_updates_accepted_total', "The shard's NEO updates accepted (each once).", (m) => m.sample.updates.accepted);
  perShard('counter', 'shard_neo_updates_dropped_total', "The shard's NEO updates dropped (each once).", (m) => m.sample.updates.dropped);
  perShard('gauge', 'shard_timer_lateness_last_second_p99_seconds', "The shard's timer lateness p99 over its last telemetry second.", (m) => decodeLatencyHistogram(m.latenessInterval).summary().p99 / 1000);
  perShard('gauge', 'shard_event_loop_delay_last_second_p99_seconds', "The shard thread's event-loop delay p99 over its last telemetry second.", (m) => decodeLatencyHistogram(m.eventLoopInterval).summary().p99 / 1000);
  perShard('counter', 'shard_udp_kernel_drops_total', "Datagrams the kernel dropped on the shard's sockets (absent where not measurable).", (m) => m.sample.kernelDrops);
  return registry;
}

/** Serves a registry (createRunRegistry, createAgentRegistry) at `/metrics` on host:port until closed; anything else is a 404. */
export async function startMetricsEndpoint(options: MetricsEndpointOptions, registry: Registry): Promise<MetricsEndpoint> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`startMetricsEndpoint: port must be an integer in [0, 65535], got ${options.port}`);
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        scrapes++;
        res.writeHead(200, { 'content-type': registry.contentType }).end(body);
      },
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`,
    scrapes: () => scrapes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
