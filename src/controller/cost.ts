import type { RunReport, SeriesPoint } from '../report/model.js';
import { monotonicNowMs } from '../time/clock.js';
import type { Calibration } from './calibration.js';

/**
 * What the harness itself costs, in machine-independent terms (SPEC §9 "Cost"): process CPU per
 * member-round (one member playing one NEO round), also as a multiple of the calibrated Ed25519
 * verification, and memory per peer. From these, the peer count a machine should carry.
 */

/** What the process reads about itself; injected so the maths runs under fakes in tests. */
export interface ProcessProbe {
  /** CPU time of the whole process, every thread (process.cpuUsage() user + system), µs. */
  cpuUs(): number;
  rssBytes(): number;
  /** Monotonic ms. */
  nowMs(): number;
}

export const processProbe: ProcessProbe = {
  cpuUs: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
  // rss() alone: memoryUsage() also walks the V8 heap spaces, which a once-a-second sample does not need.
  rssBytes: () => process.memoryUsage.rss(),
  nowMs: monotonicNowMs,
};

const BYTES_PER_MIB = 1024 * 1024;

/** The live view of the cost, once a telemetry second. */
export interface LiveCost {
  /** This second's CPU ÷ the member-rounds played in it (µs); null before the start or when none was played. */
  readonly secondUs: number | null;
  /** The run's CPU since the start signal ÷ every member-round played since (µs). */
  readonly runUs: number | null;
  /** The calibrated verification (µs), to state both as verifications. */
  readonly verifyUs: number;
  /** Resident set size of the process now (MiB). */
  readonly rssMb: number;
}

/** The run's cost for report.json `harness.*`. */
export interface RunCost {
  /** Process CPU from the start signal to the end of the shards' run ÷ member-rounds played in it; null when none was. */
  readonly cpuPerMemberRoundUs: number | null;
  /** cpuPerMemberRoundUs ÷ calibration.verifyUs: the cost in verifications, comparable across machines. */
  readonly cpuPerMemberRoundVerifies: number | null;
  /** CPU spent before the start signal: threads, sockets, the authority, founders' registration (s). */
  readonly startupCpuS: number;
  /** Member-rounds the cost is divided by. */
  readonly memberRounds: number;
  /** Largest RSS sampled (MiB): before the pool, each telemetry second, and at the end. */
  readonly peakRssMb: number;
  /** (peak RSS − RSS just before the worker pool started) ÷ peak peers (MiB); null without peers. */
  readonly memoryPerPeerMb: number | null;
}

export interface CostTracker {
  /** The start signal: CPU until now was start-up, CPU from now on is the run's. */
  markStart(): void;
  /**
   * A telemetry second: samples RSS and gives the live cost. `memberRounds` is every member-round
   * played so far (summed shard counters); `memberRoundsPerS` the shards' summed rates, each over
   * the real time between two of its samples, so a second's figure cannot alias.
   */
  tick(memberRounds: number, memberRoundsPerS: number): LiveCost;
  /** The shards' run is over: reads CPU and RSS once more (later CPU, such as baselines, is not the run's). */
  markEnd(): void;
  /** The run's figures: `memberRounds` played in all, `peakPeers` alive at most. Before markEnd, up to now. */
  figures(memberRounds: number, peakPeers: number): RunCost;
}

/**
 * Create it just before the worker pool starts: that RSS is the base memory per peer is measured
 * from, and CPU before the start signal (from here) is start-up.
 */
export function createCostTracker(verifyUs: number, probe: ProcessProbe = processProbe): CostTracker {
  const baseRss = probe.rssBytes();
  const createdCpu = probe.cpuUs();
  let peakRss = baseRss;
  let startCpu: number | null = null;
  let endCpu: number | null = null;
  let lastCpu = createdCpu;
  let lastMs = probe.nowMs();
  const sampleRss = () => {
    const rss = probe.rssBytes();
    peakRss = Math.max(peakRss, rss);
    return rss;
  };
  const perRound = (cpuUs: number, rounds: number) => (rounds > 0 && cpuUs >= 0 ? cpuUs / rounds : null);
  return {
    markStart() {
      startCpu ??= probe.cpuUs();
    },
    tick(memberRounds, memberRoundsPerS) {
      const cpu = probe.cpuUs();
      const now = probe.nowMs();
      const intervalS = (now - lastMs) / 1000;
      const secondCpu = cpu - lastCpu;
      lastCpu = cpu;
      lastMs = now;
      return {
        secondUs: startCpu !== null && intervalS > 0 ? perRound(secondCpu, memberRoundsPerS * intervalS) : null,
        runUs: startCpu !== null ? perRound(cpu - startCpu, memberRounds) : null,
        verifyUs,
        rssMb: sampleRss() / BYTES_PER_MIB,
      };
    },
    markEnd() {
      if (endCpu !== null) return;
      endCpu = probe.cpuUs();
      sampleRss();
    },
    figures(memberRounds, peakPeers) {
      const end = endCpu ?? probe.cpuUs();
      const cpuPerMemberRoundUs = startCpu !== null ? perRound(end - startCpu, memberRounds) : null;
      return {
        cpuPerMemberRoundUs,
        cpuPerMemberRoundVerifies: cpuPerMemberRoundUs !== null && verifyUs > 0 ? cpuPerMemberRoundUs / verifyUs : null,
        startupCpuS: ((startCpu ?? end) - createdCpu) / 1e6,
        memberRounds,
        peakRssMb: peakRss / BYTES_PER_MIB,
        memoryPerPeerMb: peakPeers > 0 ? (peakRss - baseRss) / BYTES_PER_MIB / peakPeers : null,
      };
    },
  };
}

/**
 * The suggestion's assumptions. The headroom is the share of the machine's cores a run may keep
 * busy and stay healthy: latency needs idle time, because every member of every group sends at the
 * same round start and the burst must clear within a few ms (docs/performance.md, capacity: 64
 * peers saturated the 2-core machine at 0.92 cores busy, 32 were healthy at 0.60).
 */
export const SUGGESTION = {
  headroom: 0.4,
  /** Below this share of the rounds it should have played per member, the measured cost is not used. */
  minPlayedFraction: 0.5,
} as const;

/**
 * The design cost of one member-round, in verifications: a member verifies the round message of
 * every other member of its group (G − 1 verifications), and the rest of a received datagram's path
 * (receive, decode, replay window, timer queue, NEO bookkeeping, its own send to each member and
 * its one signature) costs about as much again: 2 (G − 1).
 */
export function designVerifiesPerMemberRound(groupSize: number): number {
  return 2 * Math.max(1, groupSize - 1);
}

export interface SuggestionInput {
  /** The run's measured cost, or null when it has none. */
  readonly cpuPerMemberRoundUs: number | null;
  /** Rounds each member played per second on average ÷ 1000 / R: well below 1, the harness fell behind. */
  readonly playedFraction: number | null;
  readonly verifyUs: number;
  readonly cores: number;
  readonly roundMs: number;
  readonly groupSize: number;
}

export interface PeerSuggestion {
  /** A multiple of the group size; 0 when not even one group fits. */
  readonly peers: number;
  /** `measured`: the run's own cost; `design`: calibration.verifyUs × the design cost. */
  readonly basis: 'measured' | 'design';
  /** The cost per member-round the suggestion used (µs). */
  readonly costUs: number;
}

/**
 * peers = ⌊ cores × headroom × 10⁶ µs/s ÷ (costUs × 1000 / R) ÷ G ⌋ × G: as many members as the
 * machine's budgeted CPU can play at 1000 / R rounds a second each, in whole groups. The measured
 * cost is used unless the run fell so far behind (played fraction below SUGGESTION's minimum) that
 * it measured an overloaded harness; then the design cost stands in. Null when nothing is known.
 */
export function suggestPeers(input: SuggestionInput): PeerSuggestion | null {
  const measuredUsable = input.cpuPerMemberRoundUs !== null && input.cpuPerMemberRoundUs > 0 && (input.playedFraction === null || input.playedFraction >= SUGGESTION.minPlayedFraction);
  const basis = measuredUsable ? 'measured' : 'design';
  const costUs = measuredUsable ? (input.cpuPerMemberRoundUs as number) : input.verifyUs * designVerifiesPerMemberRound(input.groupSize);
  if (!(costUs > 0) || !(input.roundMs > 0) || !(input.cores > 0) || input.groupSize < 1) return null;
  const memberRoundsPerSBudget = (input.cores * SUGGESTION.headroom * 1e6) / costUs;
  const members = memberRoundsPerSBudget / (1000 / input.roundMs);
  const peers = Math.floor(members / input.groupSize) * input.groupSize;
  return { peers, basis, costUs };
}

/**
 * Rounds each member played per second on average ÷ 1000 / R, over the seconds with players alive
 * (the first second is left out: its rates have no earlier sample to start from). Null without any.
 */
export function playedFraction(series: readonly Pick<SeriesPoint, 'peersAlive' | 'roundsPerS'>[], roundMs: number): number | null {
  const seconds = series.slice(1).filter((p) => p.peersAlive > 0);
  if (seconds.length === 0 || !(roundMs > 0)) return null;
  const mean = seconds.reduce((sum, p) => sum + p.roundsPerS, 0) / seconds.length;
  return mean / (1000 / roundMs);
}

export type HarnessCostFields = Required<
  Pick<RunReport['harness'], 'calibration' | 'cpuPerMemberRoundUs' | 'cpuPerMemberRoundVerifies' | 'memberRounds' | 'startupCpuS' | 'peakRssMb' | 'memoryPerPeerMb' | 'suggestedPeers' | 'suggestedPeersBasis'>
>;

/** report.json `harness.*` cost fields from the run's cost, its calibration and what it ran. */
export function harnessCostFields(cost: RunCost, calibration: Calibration, run: { readonly series: readonly Pick<SeriesPoint, 'peersAlive' | 'roundsPerS'>[]; readonly roundMs: number; readonly groupSize: number }): HarnessCostFields {
  const suggestion = suggestPeers({
    cpuPerMemberRoundUs: cost.cpuPerMemberRoundUs,
    playedFraction: playedFraction(run.series, run.roundMs),
    verifyUs: calibration.verifyUs,
    cores: calibration.cores,
    roundMs: run.roundMs,
    groupSize: run.groupSize,
  });
  return {
    calibration: { verifyUs: calibration.verifyUs, loopbackDatagramsPerS: calibration.loopbackDatagramsPerS, cores: calibration.cores },
    cpuPerMemberRoundUs: cost.cpuPerMemberRoundUs,
    cpuPerMemberRoundVerifies: cost.cpuPerMemberRoundVerifies,
    memberRounds: cost.memberRounds,
    startupCpuS: cost.startupCpuS,
    peakRssMb: cost.peakRssMb,
    memoryPerPeerMb: cost.memoryPerPeerMb,
    suggestedPeers: suggestion?.peers ?? null,
    suggestedPeersBasis: suggestion?.basis ?? null,
  };
}
