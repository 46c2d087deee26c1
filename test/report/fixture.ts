import { createLatencyHistogram } from '../../src/metrics/index.js';
import type { LatencyFigures, RunEvent, RunReport, SeriesPoint } from '../../src/report/index.js';

/** Deterministic pseudo-random numbers (mulberry32) so fixtures are identical on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency figures from a real encoded histogram, the way the controller produces them. */
export function latencyFigures(valuesMs: readonly number[]): LatencyFigures {
  const h = createLatencyHistogram();
  for (const v of valuesMs) h.recordMs(v);
  const s = h.summary();
  return { count: s.count, p50: s.p50, p90: s.p90, p99: s.p99, p999: s.p999, max: s.max, encoded: h.encode() };
}

/** A long-tailed latency sample around `medianMs`: mostly near the median, a few slow ones. */
export function latencySample(n: number, medianMs: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    const tail = u > 0.99 ? 6 : u > 0.9 ? 2.5 : 1;
    return Math.round(medianMs * tail * (0.6 + 0.8 * r()) * 1000) / 1000;
  });
}

export function series(durationS: number, peers: number, seed = 7): SeriesPoint[] {
  const r = rng(seed);
  return Array.from({ length: durationS }, (_, i) => ({
    tS: i + 1,
    peersAlive: Math.min(peers, (i + 1) * 16),
    roundsPerS: 40 + Math.round(r() * 4),
    messagesPerS: 12_000 + Math.round(r() * 800),
    bytesPerS: 2_400_000 + Math.round(r() * 100_000),
    lossRate: Math.round(r() * 100) / 10_000,
    neoP50: 80 + Math.round(r() * 1000) / 100,
    neoP99: 180 + Math.round(r() * 4000) / 100,
    tagP99: { slow: 250 + Math.round(r() * 4000) / 100 },
  }));
}

/** Sub-metrics as the controller writes them: by group, and the fast members apart from the slow one. */
export function subMetrics(): NonNullable<RunReport['subMetrics']> {
  return {
    'neo.playoutLatencyMs{group:0}': latencyFigures(latencySample(2500, 90, 11)),
    'neo.playoutLatencyMs{group:1}': latencyFigures(latencySample(2500, 80, 12)),
    'neo.playoutLatencyMs{receiver:slow}': latencyFigures(latencySample(600, 250, 13)),
    'neo.playoutLatencyMs{receiver:!slow}': latencyFigures(latencySample(4400, 80, 14)),
    'lockstep.turnLatencyMs{receiver:!slow}': latencyFigures(latencySample(2600, 300, 15)),
  };
}

/** A realistic 30 s, 64-peer run with both baselines, two thresholds and a healthy harness. */
export function makeReport(overrides: Partial<RunReport> = {}): RunReport {
  const playout = latencyFigures(latencySample(5000, 85, 1));
  const base: RunReport = {
    version: 1,
    profile: 'neo-vs-baselines',
    seed: 42,
    startedAt: '2025-01-02T03:04:05.678Z',
    durationS: 30,
    peers: { target: 64, peak: 64 },
    workers: 2,
    neo: {
      roundMs: 100,
      groups: 8,
      playoutLatencyMs: playout,
      updates: { sent: 57_600, accepted: 57_312, dropped: 288 },
      stateHashMismatches: 0,
    },
    lockstep: { turnLatencyMs: latencyFigures(latencySample(3000, 140, 2)), turns: 3000 },
    clientServer: { latencyMs: latencyFigures(latencySample(4000, 30, 3)), serverBytesPerS: 512_000 },
    dht: null,
    auth: null,
    groups: null,
    zones: null,
    storage: null,
    compute: null,
    attacks: [],
    harness: {
      eventLoopDelayMsP99: 12.5,
      udpKernelDrops: 0,
      saturated: false,
      saturationReasons: [],
      timerLatenessMsP99: 3.2,
      cpuCores: 1.6,
      calibration: { verifyUs: 58.4, loopbackDatagramsPerS: 61_250.4, cores: 2 },
      cpuPerMemberRoundUs: 612.5,
      cpuPerMemberRoundVerifies: 612.5 / 58.4,
      memberRounds: 19_200,
      startupCpuS: 1.85,
      peakRssMb: 402.5,
      memoryPerPeerMb: 2.75,
      // 2 cores × 0.4 × 10⁶ µs ÷ (612.5 µs × 10 rounds/s) = 130.6 members: 16 groups of 8.
      suggestedPeers: 128,
      suggestedPeersBasis: 'measured',
    },
    thresholds: [
      { metric: 'neo.playoutLatencyMs.p99', op: '<', value: 1000, actual: playout.p99, ok: playout.p99 < 1000 },
      { metric: 'neo.updates.dropped', op: '<=', value: 100, actual: 288, ok: false },
    ],
    series: series(30, 64),
    subMetrics: subMetrics(),
    tags: { named: { slow: [7] }, attackers: [] },
    whoSuffers: {
      groups: [
        { group: 0, shard: 0, count: 2500, p50: 90.2, p99: 510.4, max: 601.2 },
        { group: 1, shard: 1, count: 2500, p50: 80.1, p99: 420.9, max: 470.3 },
      ],
      peers: [
        { peer: 7, group: 0, shard: 0, tags: ['honest', 'slow'], count: 600, p50: 250.3, p99: 612.8, max: 640.1 },
        { peer: 3, group: 0, shard: 0, tags: ['honest'], count: 620, p50: 81.2, p99: 402.7, max: 455.5 },
      ],
    },
  };
  return { ...base, ...overrides };
}

/** The same report as written before the harness measured its own cost: no calibration, cost or memory fields. */
export function makeLegacyReport(overrides: Partial<RunReport> = {}): RunReport {
  const report = makeReport(overrides);
  const { eventLoopDelayMsP99, udpKernelDrops, saturated, saturationReasons, timerLatenessMsP99, cpuCores } = report.harness;
  return { ...report, harness: { eventLoopDelayMsP99, udpKernelDrops, saturated, saturationReasons, timerLatenessMsP99, cpuCores } };
}

export function makeEvents(): RunEvent[] {
  return [
    { tS: 0, type: 'phase', phase: 'ramp-up' },
    { tS: 0.5, type: 'election', group: 'g0', leader: 'peer-3' },
    { tS: 4, type: 'phase', phase: 'steady' },
    { tS: 7.25, type: 'proof', kind: 'inconsistency', accused: 'peer-17', by: 'peer-3' },
    { tS: 9.5, type: 'ban', peer: 'peer-17', reason: 'equivocation proof' },
    { tS: 12, type: 'split', group: 'g0', into: ['g0.0', 'g0.1'] },
    { tS: 20.125, type: 'proof', kind: 'replay', accused: 'peer-40', by: 'peer-9' },
    { tS: 26, type: 'phase', phase: 'ramp-down' },
  ];
}
