import { describe, expect, it } from 'vitest';
import { createCostTracker, designVerifiesPerMemberRound, harnessCostFields, playedFraction, suggestPeers, SUGGESTION, type ProcessProbe } from '../../src/controller/cost.js';

const MiB = 1024 * 1024;

/** A process whose CPU, RSS and clock move only when the test says so. */
function fakeProbe() {
  const state = { cpuUs: 0, rss: 100 * MiB, ms: 0 };
  const probe: ProcessProbe = { cpuUs: () => state.cpuUs, rssBytes: () => state.rss, nowMs: () => state.ms };
  return { state, probe };
}

describe('cost tracker', () => {
  it('divides CPU after the start signal by member-rounds, and keeps start-up apart', () => {
    const { state, probe } = fakeProbe();
    const cost = createCostTracker(50, probe);
    state.cpuUs = 2_000_000; // 2 s of threads, sockets and registration
    cost.markStart();
    state.cpuUs += 4_000_000;
    cost.markEnd();
    // CPU after the end (baselines, writing the report) is not the run's.
    state.cpuUs += 9_000_000;
    const run = cost.figures(10_000, 64);
    expect(run.startupCpuS).toBe(2);
    expect(run.cpuPerMemberRoundUs).toBe(400);
    expect(run.cpuPerMemberRoundVerifies).toBe(8);
    expect(run.memberRounds).toBe(10_000);
  });

  it('has no per-round cost when no round was played or the run never started', () => {
    const { state, probe } = fakeProbe();
    const never = createCostTracker(50, probe);
    state.cpuUs = 1_000_000;
    const aborted = never.figures(0, 0);
    expect(aborted.cpuPerMemberRoundUs).toBeNull();
    expect(aborted.cpuPerMemberRoundVerifies).toBeNull();
    expect(aborted.startupCpuS).toBe(1);
    const idle = createCostTracker(50, probe);
    idle.markStart();
    expect(idle.figures(0, 8).cpuPerMemberRoundUs).toBeNull();
  });

  it('gives each second its own cost and the run its cumulative one', () => {
    const { state, probe } = fakeProbe();
    const cost = createCostTracker(100, probe);
    state.ms = 500;
    state.cpuUs = 300_000;
    // Before the start signal there is nothing per round to show.
    expect(cost.tick(0, 0)).toMatchObject({ secondUs: null, runUs: null, verifyUs: 100 });
    cost.markStart();
    state.ms += 1000;
    state.cpuUs += 800_000;
    // 0.8 s of CPU over 2 000 member-rounds a second for 1 s.
    const first = cost.tick(2_000, 2_000);
    expect(first.secondUs).toBe(400);
    expect(first.runUs).toBe(400);
    state.ms += 2000;
    state.cpuUs += 1_200_000;
    // A 2 s interval at 2 000/s: 4 000 rounds; the run so far: 2.0 s over 6 000.
    const second = cost.tick(6_000, 2_000);
    expect(second.secondUs).toBe(300);
    expect(second.runUs).toBeCloseTo(2_000_000 / 6_000);
    expect(cost.tick(6_000, 0).secondUs).toBeNull();
  });

  it('keeps the peak RSS and divides what the run added by the peak peers', () => {
    const { state, probe } = fakeProbe();
    const cost = createCostTracker(50, probe);
    cost.markStart();
    state.rss = 164 * MiB;
    expect(cost.tick(0, 0).rssMb).toBe(164);
    state.rss = 228 * MiB;
    cost.tick(0, 0);
    state.rss = 150 * MiB;
    cost.markEnd();
    const run = cost.figures(1, 64);
    expect(run.peakRssMb).toBe(228);
    expect(run.memoryPerPeerMb).toBe(2);
    expect(cost.figures(1, 0).memoryPerPeerMb).toBeNull();
  });
});

describe('suggested peers', () => {
  const base = { verifyUs: 60, cores: 2, roundMs: 100, groupSize: 8, playedFraction: 1 };

  it('fits the measured cost into the cores with headroom, in whole groups', () => {
    // 2 cores × 0.4 × 1e6 µs/s ÷ (500 µs × 10 rounds/s) = 160 members = 20 groups of 8.
    const s = suggestPeers({ ...base, cpuPerMemberRoundUs: 500 });
    expect(SUGGESTION.headroom).toBe(0.4);
    expect(s).toEqual({ peers: 160, basis: 'measured', costUs: 500 });
    // 1 000 µs: 80 members; 700 µs: 114.3 members, rounded down to 14 groups.
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 1000 })?.peers).toBe(80);
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 700 })?.peers).toBe(112);
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 700, groupSize: 5 })?.peers).toBe(110);
  });

  it('scales with the round length and the cores', () => {
    const at100 = suggestPeers({ ...base, cpuPerMemberRoundUs: 500 })?.peers as number;
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 500, roundMs: 200 })?.peers).toBe(2 * at100);
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 500, cores: 4 })?.peers).toBe(2 * at100);
  });

  it('uses the design cost when the run fell too far behind or measured nothing', () => {
    const design = 60 * designVerifiesPerMemberRound(8);
    expect(designVerifiesPerMemberRound(8)).toBe(14);
    // 60 µs × 14 = 840 µs: 800 000 µs/s ÷ 840 ÷ 10 rounds/s = 95.2 members, 11 groups of 8.
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 5000, playedFraction: 0.3 })).toEqual({ peers: 88, basis: 'design', costUs: design });
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: null })?.basis).toBe('design');
    // At the threshold the measurement still counts.
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 500, playedFraction: SUGGESTION.minPlayedFraction })?.basis).toBe('measured');
  });

  it('says 0 when not one group fits, and nothing when it knows nothing', () => {
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 1_000_000 })?.peers).toBe(0);
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: null, verifyUs: 0 })).toBeNull();
    expect(suggestPeers({ ...base, cpuPerMemberRoundUs: 500, cores: 0 })).toBeNull();
  });
});

describe('report fields', () => {
  const second = (peersAlive: number, roundsPerS: number) => ({ peersAlive, roundsPerS });

  it('measures how far behind the members fell, leaving out the first second and empty ones', () => {
    // The first second has no earlier sample (0 rounds/s) and is not counted.
    expect(playedFraction([second(16, 0), second(16, 10), second(16, 9), second(0, 0)], 100)).toBeCloseTo(0.95);
    expect(playedFraction([second(16, 0), second(16, 2.5)], 200)).toBe(0.5);
    expect(playedFraction([second(16, 10)], 100)).toBeNull();
    expect(playedFraction([], 100)).toBeNull();
  });

  it('puts the calibration, the cost and the suggestion in the harness block', () => {
    const calibration = { verifyUs: 50, loopbackDatagramsPerS: 80_000, cores: 2 };
    const run = { cpuPerMemberRoundUs: 500, cpuPerMemberRoundVerifies: 10, startupCpuS: 1.5, memberRounds: 9_600, peakRssMb: 300, memoryPerPeerMb: 2 };
    const series = [second(64, 0), second(64, 10), second(64, 10)];
    expect(harnessCostFields(run, calibration, { series, roundMs: 100, groupSize: 8 })).toEqual({
      calibration,
      ...run,
      suggestedPeers: 160,
      suggestedPeersBasis: 'measured',
    });
    // Members that played a third of their rounds measured an overloaded harness: the design cost stands in.
    const behind = harnessCostFields(run, calibration, { series: [second(64, 0), second(64, 3), second(64, 3)], roundMs: 100, groupSize: 8 });
    expect(behind.suggestedPeersBasis).toBe('design');
    expect(behind.suggestedPeers).toBe(Math.floor((2 * 0.4 * 1e6) / (50 * 14) / 10 / 8) * 8);
  });
});
