import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createEventLoopMonitor, createLatencyHistogram, decodeLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import { NEO_COUNTERS, type NeoCounter } from '../neo/index.js';
import { readKernelUdpCounters, readSocketDrops } from '../net/index.js';
import type { RunEvent, RunReport, SeriesPoint } from '../report/model.js';
import { shapingConfigForPeers, type Profile } from '../scenario/profile.js';
import { runBaseline } from '../baselines/index.js';
import { monotonicNowMs } from '../time/clock.js';
import type { LiveSnapshot } from '../ui/model.js';
import type { ShardCommand, ShardGroup, ShardMessage, ShardResult, ShardTask, ShardTraffic } from './contract.js';

/**
 * The controller: splits the profile's peers into NEO groups, hosts them in worker shards (one
 * piscina task per worker thread, alive for the whole run), merges their telemetry once a second
 * (encoded HdrHistograms merged, never percentiles averaged) and assembles the report.
 */
export interface RunHooks {
  /** Called once a second with what the UI (or the progress line) shows. */
  readonly onSnapshot?: (snapshot: LiveSnapshot) => void;
  /** Aborting stops the run early; the report is still assembled from what was measured. */
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly report: Omit<RunReport, 'thresholds'>;
  readonly events: readonly RunEvent[];
  readonly handlerErrors: readonly string[];
}

/** Past these the harness, not the protocol, shapes the figures (docs/performance.md). */
export const SATURATION = { eventLoopDelayMsP99: 50, timerLatenessMsP99: 20 } as const;

export function planGroups(peers: number, groupSize: number): ShardGroup[] {
  const groups: ShardGroup[] = [];
  for (let first = 0, g = 0; first < peers; first += groupSize, g++) {
    groups.push({ groupIndex: g, peers: Array.from({ length: Math.min(groupSize, peers - first) }, (_, k) => first + k) });
  }
  return groups;
}

function shardWorkerFile(): string {
  const compiled = fileURLToPath(new URL('../../workers/shard.js', import.meta.url));
  if (existsSync(compiled)) return compiled;
  // From TypeScript sources (tests, tsx): a bootstrap registers tsx inside the worker first.
  return fileURLToPath(new URL('../../workers/shard-dev.mjs', import.meta.url));
}

const zeroCounters = () => Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
const zeroTraffic = (): ShardTraffic => ({ txDatagrams: 0, txBytes: 0, rxDatagrams: 0, shapingDropped: 0, protocolDropped: 0 });

function figures(h: LatencyHistogram) {
  const s = h.summary();
  return { count: s.count, p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999, max: s.max, encoded: h.encode() };
}

/** The baselines of SPEC §5 on the profile's links, with group 0's players (see the profile schema). */
async function runBaselines(profile: Profile, events: RunEvent[], tS: () => number): Promise<Pick<RunReport, 'lockstep' | 'clientServer'>> {
  const players = Math.min(profile.neo.groupSize, profile.peers);
  const placeholders = Array.from({ length: profile.peers }, (_, i) => `peer${i}`);
  const shaping = (endpoints: readonly string[]) => {
    const global = [...placeholders];
    endpoints.forEach((e, i) => (global[i] = e));
    return shapingConfigForPeers(profile, global);
  };
  let lockstep: RunReport['lockstep'] = null;
  let clientServer: RunReport['clientServer'] = null;
  if (profile.baselines.lockstep) {
    events.push({ tS: tS(), type: 'phase', phase: 'baseline-lockstep' });
    const r = await runBaseline('lockstep', { players, turns: profile.baselines.lockstep.turns, seed: `${profile.seed}/lockstep`, shaping });
    lockstep = { turnLatencyMs: r.turnLatencyMs, turns: r.turns };
  }
  if (profile.baselines.clientServer) {
    events.push({ tS: tS(), type: 'phase', phase: 'baseline-client-server' });
    const r = await runBaseline('client-server', {
      players,
      durationS: profile.baselines.clientServer.durationS,
      tickMs: profile.neo.roundMs,
      seed: `${profile.seed}/client-server`,
      shaping,
    });
    clientServer = { latencyMs: r.latencyMs, serverBytesPerS: r.serverBytesPerS };
  }
  return { lockstep, clientServer };
}

export async function runScenario(profile: Profile, hooks: RunHooks = {}): Promise<RunOutcome> {
  const groups = planGroups(profile.peers, profile.neo.groupSize);
  const workers = Math.max(1, Math.min(profile.workers ?? availableParallelism(), groups.length));
  const shardsGroups: ShardGroup[][] = Array.from({ length: workers }, () => []);
  groups.forEach((g, i) => (shardsGroups[i % workers] as ShardGroup[]).push(g));
  const rounds = Math.max(1, Math.floor((profile.durationS * 1000) / profile.neo.roundMs));
  const events: RunEvent[] = [];
  const startedAt = new Date().toISOString();
  // Round 0 is set once every shard has bound its sockets; until then the clock shows 0.
  let startAtMs = Number.POSITIVE_INFINITY;
  const tS = () => Math.max(0, (monotonicNowMs() - startAtMs) / 1000);
  let readyShards = 0;
  const commands: ((c: ShardCommand) => void)[] = [];
  const startAll = () => {
    // A short margin so every thread arms its first round before it is due.
    startAtMs = monotonicNowMs() + 200 + 2 * profile.peers;
    for (const send of commands) send({ type: 'start', startAtMs });
  };

  // atomics 'disabled': with the default ('sync') an idle-looking worker blocks its event loop in
  // Atomics.wait between messages, which stalls the sockets and timers of the peers it hosts.
  const pool = new Piscina({ filename: shardWorkerFile(), minThreads: workers, maxThreads: workers, idleTimeout: 1000, atomics: 'disabled' });
  const latest = new Map<number, { counters: Record<NeoCounter, number>; traffic: ShardTraffic; peers: number; roundMs: number; loopP99: number }>();
  const ports: number[] = [];
  let secondPlayout = createLatencyHistogram();
  let secondLateness = createLatencyHistogram();

  const tasks = shardsGroups.map((shardGroups, shardIndex) => {
    const channel = new MessageChannel();
    channel.port1.on('message', (m: ShardMessage) => {
      if (m.type === 'ready') {
        ports.push(...m.ports);
        if (++readyShards === workers) startAll();
      }
      else {
        secondPlayout.merge(decodeLatencyHistogram(m.playoutInterval));
        secondLateness.merge(decodeLatencyHistogram(m.latenessInterval));
        latest.set(m.shardIndex, { counters: m.counters, traffic: m.traffic, peers: m.peersAlive, roundMs: m.roundMs, loopP99: m.eventLoopP99Ms });
      }
    });
    commands.push((c) => channel.port1.postMessage(c));
    const task: ShardTask = {
      shardIndex,
      seed: profile.seed,
      groups: shardGroups,
      neo: { roundMs: profile.neo.roundMs, rounds, pipelineDepth: profile.neo.pipelineDepth, stateHashEvery: profile.neo.stateHashEvery, adaptation: profile.neo.adaptation ?? null },
      profile,
      port: channel.port2,
    };
    const run = pool.run(task, { transferList: [channel.port2] }) as Promise<ShardResult>;
    return run.finally(() => channel.port1.close());
  });
  events.push({ tS: 0, type: 'phase', phase: 'steady', peers: profile.peers, groups: groups.length, workers });

  const stop = () => commands.forEach((send) => send({ type: 'stop' }));
  hooks.signal?.addEventListener('abort', stop, { once: true });

  const controllerLoop = createEventLoopMonitor({ resolutionMs: 10 });
  const series: SeriesPoint[] = [];
  const p99History: number[] = [];
  let previous = { counters: zeroCounters(), traffic: zeroTraffic() };
  let peak = 0;
  let saturatedSince: number | null = null;
  const cpuStart = process.cpuUsage();
  const wallStart = monotonicNowMs();

  const tick = () => {
    const counters = zeroCounters();
    const traffic = zeroTraffic();
    let peersAlive = 0;
    let roundMs = profile.neo.roundMs;
    let loopP99 = controllerLoop.sample().p99Ms;
    for (const l of latest.values()) {
      for (const c of NEO_COUNTERS) counters[c] += l.counters[c];
      for (const k of Object.keys(traffic) as (keyof ShardTraffic)[]) (traffic as Record<keyof ShardTraffic, number>)[k] += l.traffic[k];
      peersAlive += l.peers;
      roundMs = l.roundMs;
      loopP99 = Math.max(loopP99, l.loopP99);
    }
    peak = Math.max(peak, peersAlive);
    const second = secondPlayout.summary();
    const lateness = secondLateness.summary();
    secondPlayout = createLatencyHistogram();
    secondLateness = createLatencyHistogram();
    const sent = traffic.txDatagrams - previous.traffic.txDatagrams;
    const shaped = traffic.shapingDropped - previous.traffic.shapingDropped;
    const point: SeriesPoint = {
      tS: Math.round(tS()),
      peersAlive,
      roundsPerS: (counters.roundsPlayed - previous.counters.roundsPlayed) / Math.max(1, profile.neo.groupSize),
      messagesPerS: sent,
      bytesPerS: traffic.txBytes - previous.traffic.txBytes,
      lossRate: sent > 0 ? shaped / sent : 0,
      neoP50: second.p50,
      neoP99: second.p99,
    };
    previous = { counters, traffic };
    if (monotonicNowMs() >= startAtMs) series.push(point);
    p99History.push(second.p99);
    if (p99History.length > 60) p99History.shift();
    const reasons = saturation(loopP99, lateness.p99, null);
    if (reasons.length > 0 && saturatedSince === null) {
      saturatedSince = point.tS;
      events.push({ tS: point.tS, type: 'saturation', reasons });
    } else if (reasons.length === 0) saturatedSince = null;
    hooks.onSnapshot?.({
      profile: profile.name,
      seed: profile.seed,
      phase: monotonicNowMs() < startAtMs ? 'starting' : hooks.signal?.aborted ? 'stopping' : 'steady',
      elapsedS: tS(),
      durationS: profile.durationS,
      peersAlive,
      peersTarget: profile.peers,
      workers,
      neo: {
        p50: second.p50,
        p90: second.p90,
        p99: second.p99,
        p999: second.p999,
        max: second.max,
        p99History: [...p99History],
        roundMs,
        groups: groups.length,
        accepted: counters.accepted,
        dropped: counters.dropped,
      },
      rates: { roundsPerS: point.roundsPerS, messagesPerS: point.messagesPerS, bytesPerS: point.bytesPerS, lossPct: point.lossRate * 100 },
      dht: null,
      groups: null,
      attacks: [],
      bans: 0,
      health: { eventLoopP99Ms: loopP99, cpuCores: cpuCores(cpuStart, wallStart), kernelDrops: null, timerLatenessP99Ms: lateness.p99, saturated: reasons.length > 0, reasons },
      stopping: hooks.signal?.aborted ?? false,
    });
  };
  const telemetryTimer = setInterval(tick, 1000);

  let results: ShardResult[];
  let dropsBefore: Map<number, number> | null = null;
  const kernelBefore = readKernelUdpCounters();
  try {
    // Socket drops are read once every shard reported its ports.
    const portsKnown = setInterval(() => {
      if (dropsBefore === null && ports.length === profile.peers) dropsBefore = readSocketDrops(new Set(ports));
    }, 50);
    results = await Promise.all(tasks);
    clearInterval(portsKnown);
  } finally {
    clearInterval(telemetryTimer);
    hooks.signal?.removeEventListener('abort', stop);
    await pool.destroy();
  }
  tick();
  controllerLoop.stop();

  const playout = createLatencyHistogram();
  const lateness = createLatencyHistogram();
  const loopHist = createLatencyHistogram();
  const counters = zeroCounters();
  const updates = { created: 0, accepted: 0, dropped: 0 };
  for (const r of results) {
    playout.merge(decodeLatencyHistogram(r.playout));
    lateness.merge(decodeLatencyHistogram(r.lateness));
    loopHist.merge(decodeLatencyHistogram(r.eventLoop));
    for (const c of NEO_COUNTERS) counters[c] += r.counters[c];
    updates.created += r.updates.created;
    updates.accepted += r.updates.accepted;
    updates.dropped += r.updates.dropped;
  }
  const allPorts = new Set(results.flatMap((r) => r.ports));
  const dropsAfter = readSocketDrops(allPorts);
  const kernelAfter = readKernelUdpCounters();
  let udpKernelDrops: number | null = null;
  if (dropsBefore && dropsAfter) {
    udpKernelDrops = 0;
    for (const [port, d] of dropsAfter) udpKernelDrops += d - ((dropsBefore as Map<number, number>).get(port) ?? 0);
  } else if (kernelBefore && kernelAfter) {
    udpKernelDrops = kernelAfter.rcvbufErrors - kernelBefore.rcvbufErrors;
  }
  const eventLoopDelayMsP99 = loopHist.summary().max;
  const timerLatenessMsP99 = lateness.summary().p99;
  const saturationReasons = saturation(eventLoopDelayMsP99, timerLatenessMsP99, udpKernelDrops);
  const durationS = Math.max(0, (monotonicNowMs() - startAtMs) / 1000);
  const baselines = hooks.signal?.aborted ? { lockstep: null, clientServer: null } : await runBaselines(profile, events, tS);

  return {
    report: {
      version: 1,
      profile: profile.name,
      seed: profile.seed,
      startedAt,
      durationS,
      peers: { target: profile.peers, peak },
      workers,
      neo: {
        roundMs: results[0]?.roundMs ?? profile.neo.roundMs,
        groups: groups.length,
        playoutLatencyMs: figures(playout),
        updates: { sent: updates.created, accepted: updates.accepted, dropped: updates.dropped },
        stateHashMismatches: counters.stateHashMismatches,
      },
      ...baselines,
      dht: null,
      auth: null,
      groups: null,
      storage: null,
      compute: null,
      attacks: [],
      harness: {
        eventLoopDelayMsP99,
        udpKernelDrops,
        saturated: saturationReasons.length > 0,
        saturationReasons,
        timerLatenessMsP99,
        cpuCores: cpuCores(cpuStart, wallStart),
      },
      series,
    },
    events,
    handlerErrors: results.flatMap((r) => r.handlerErrors),
  };
}

function saturation(loopP99: number, latenessP99: number, kernelDrops: number | null): string[] {
  const reasons: string[] = [];
  if (loopP99 > SATURATION.eventLoopDelayMsP99) reasons.push(`event-loop delay p99 ${loopP99.toFixed(1)} ms > ${SATURATION.eventLoopDelayMsP99} ms`);
  if (latenessP99 > SATURATION.timerLatenessMsP99) reasons.push(`timer lateness p99 ${latenessP99.toFixed(1)} ms > ${SATURATION.timerLatenessMsP99} ms`);
  if (kernelDrops !== null && kernelDrops > 0) reasons.push(`${kernelDrops} datagrams dropped by the kernel (receive buffers full)`);
  return reasons;
}

function cpuCores(start: NodeJS.CpuUsage, wallStartMs: number): number {
  const used = process.cpuUsage(start);
  const wallMs = Math.max(1, monotonicNowMs() - wallStartMs);
  return (used.user + used.system) / 1000 / wallMs;
}
