import { describe, expect, it } from 'vitest';
import { searchCapacity } from '../../src/controller/capacity.js';
import { capacityStep, renderCapacity, type RunReport } from '../../src/report/index.js';
import { makeLegacyReport, makeReport } from '../report/fixture.js';

/** A report of a run at `peers` whose harness saturates from `saturatesAt` peers on. */
function reportAt(peers: number, saturatesAt: number): RunReport {
  const base = makeReport();
  const saturated = peers >= saturatesAt;
  return makeReport({
    peers: { target: peers, peak: peers },
    thresholds: [],
    harness: { ...base.harness, saturated, saturationReasons: saturated ? ['timer lateness p99 31.0 ms > 20 ms'] : [], cpuPerMemberRoundUs: 500 + peers, cpuPerMemberRoundVerifies: (500 + peers) / 50 },
  });
}

describe('capacity search', () => {
  it('runs the counts in order and stops at the first unhealthy step', async () => {
    const ran: number[] = [];
    const search = await searchCapacity(
      [64, 128, 256, 512],
      async (peers) => {
        ran.push(peers);
        return { report: reportAt(peers, 256) };
      },
      () => false,
    );
    expect(ran).toEqual([64, 128, 256]);
    expect(search.capacity.steps.map((s) => [s.peers, s.healthy])).toEqual([
      [64, true],
      [128, true],
      [256, false],
    ]);
    expect(search.capacity.largestHealthyPeers).toBe(128);
    expect(search.last.report.peers.target).toBe(256);
    // Each step carries its own cost.
    expect(search.capacity.steps.map((s) => s.cpuPerMemberRoundUs)).toEqual([564, 628, 756]);
  });

  it('stops at a failed threshold, and has no healthy count when the first step fails', async () => {
    const failing = (peers: number) => ({ report: { ...reportAt(peers, 4096), thresholds: [{ metric: 'neo.playoutLatencyMs.p99', op: '<' as const, value: 250, actual: 300, ok: false }] } });
    const search = await searchCapacity([64, 128], async (peers) => failing(peers), () => false);
    expect(search.capacity.steps).toHaveLength(1);
    expect(search.capacity.steps[0]).toMatchObject({ healthy: true, thresholdsOk: false });
    expect(search.capacity.largestHealthyPeers).toBeNull();
  });

  it('does not count a step cut short by a stop request as healthy', async () => {
    let stop = false;
    const search = await searchCapacity(
      [64, 128, 256],
      async (peers) => {
        if (peers === 128) stop = true;
        return { report: reportAt(peers, 4096) };
      },
      () => stop,
    );
    expect(search.capacity.steps.map((s) => s.peers)).toEqual([64, 128]);
    expect(search.capacity.largestHealthyPeers).toBe(64);
  });

  it('refuses an empty list', async () => {
    await expect(searchCapacity([], async () => ({ report: makeReport() }), () => false)).rejects.toThrow(RangeError);
  });
});

describe('capacity steps and their rendering', () => {
  it("takes the step's cost, ratio and memory from its report", () => {
    const step = capacityStep(64, makeReport());
    expect(step).toMatchObject({ peers: 64, healthy: true, thresholdsOk: false, cpuPerMemberRoundUs: 612.5, cpuPerMemberRoundVerifies: 612.5 / 58.4, peakRssMb: 402.5, memoryPerPeerMb: 2.75 });
    expect(step.acceptedFraction).toBeCloseTo(57_312 / 57_600);
    // A report from before the cost was measured: the figures are null, not invented.
    expect(capacityStep(64, makeLegacyReport())).toMatchObject({ cpuPerMemberRoundUs: null, cpuPerMemberRoundVerifies: null, memoryPerPeerMb: null });
  });

  it('prints one line per step with the cost, then the verdict', () => {
    const steps = [capacityStep(64, makeReport()), capacityStep(128, makeLegacyReport({ harness: { ...makeLegacyReport().harness, saturated: true } }))];
    const text = renderCapacity({ steps, largestHealthyPeers: 64 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Capacity search');
    expect(lines[3]).toMatch(/^ {5}64 {2}healthy {4}FAILED .* cpu 1\.60 {2}cpu\/member-round +613 µs = 10\.5 verifies {2}memory\/peer 2\.75 MiB$/);
    expect(lines[4]).toMatch(/^ {4}128 {2}SATURATED .* cpu\/member-round +— {2}memory\/peer —$/);
    // The columns line up whatever is missing.
    expect(lines[3]?.indexOf('memory/peer')).toBe(lines[4]?.indexOf('memory/peer'));
    expect(lines.at(-1)).toBe('  largest healthy peer count: 64');
    expect(renderCapacity({ steps: steps.slice(0, 1), largestHealthyPeers: null }).split('\n').at(-1)).toBe('  no step stayed healthy with every threshold held');
  });
});
