import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';
import type { LiveSnapshot } from '../../src/ui/model.js';

describe('controller with worker shards on real sockets', () => {
  it('runs NEO groups in two worker threads, merges their telemetry each second, and reports', async () => {
    const profile = parseProfile(
      'peers: 16\ndurationS: 3\nworkers: 2\nseed: 3\nneo: { groupSize: 8, roundMs: 100 }\nlinks:\n  default: { delay: { kind: constant, ms: 10 } }\n',
      'controller-test.yaml',
    );
    const snapshots: LiveSnapshot[] = [];
    const { report, handlerErrors, events } = await runScenario(profile, { onSnapshot: (s) => snapshots.push(s) });
    expect(handlerErrors).toEqual([]);
    expect(report.workers).toBe(2);
    expect(report.peers).toEqual({ target: 16, peak: 16 });
    expect(report.neo?.groups).toBe(2);
    // 30 rounds × 16 members, every update counted once.
    expect(report.neo?.updates.sent).toBe(30 * 16);
    expect(report.neo?.updates.accepted).toBe(30 * 16);
    expect(report.neo?.stateHashMismatches).toBe(0);
    expect(report.neo?.divergentAtEnd).toBe(0);
    // Every member plays every other member's update: 30 rounds × 2 groups × 8 × 7.
    expect(report.neo?.playoutLatencyMs.count).toBe(30 * 2 * 8 * 7);
    expect(report.neo?.playoutLatencyMs.p50).toBeGreaterThan(100);
    expect(report.series.length).toBeGreaterThanOrEqual(2);
    expect(snapshots.some((s) => s.peersAlive === 16 && (s.neo?.p99 ?? 0) > 0)).toBe(true);
    // Every player registered, published its certificates and found them in the DHT.
    expect(report.auth?.registrations).toBe(16);
    expect(report.auth?.registrationFailures).toBe(0);
    expect(report.auth?.acMessagesPerPlayerMinute).toBe(0);
    expect(report.dht?.lookups).toBeGreaterThan(16);
    expect(report.dht?.successRate).toBeGreaterThanOrEqual(0.99);
    expect(report.dht?.recordsRejected).toBe(0);
    // The run's own sockets were read before they closed (Linux), and nothing overflowed them.
    expect(report.harness.udpKernelDrops).toBe(0);
    // The machine-wide counter is read too (Linux): a number, whatever other processes did.
    expect(typeof report.harness.udpRcvbufErrorsSystem).toBe('number');
    // Rates are per real second: about 1000 / R rounds per member once running, never a trailing zero point.
    const steady = report.series.filter((p) => p.roundsPerS > 0);
    expect(steady.length).toBeGreaterThan(0);
    for (const p of steady.slice(1)) expect(p.roundsPerS).toBeGreaterThan(5);
    expect(report.series.at(-1)?.messagesPerS).toBeGreaterThan(0);
    // The harness states its own cost (docs/harness.md, "Cost"): calibrated first, divided by
    // exactly the member-rounds played (30 rounds × 16 members).
    const h = report.harness;
    expect(events[0]).toMatchObject({ tS: 0, type: 'calibration', verifyUs: h.calibration?.verifyUs });
    expect(h.calibration?.verifyUs).toBeGreaterThan(0);
    expect(h.calibration?.loopbackDatagramsPerS).toBeGreaterThan(0);
    expect(h.memberRounds).toBe(30 * 16);
    expect(h.cpuPerMemberRoundUs).toBeGreaterThan(0);
    expect(h.cpuPerMemberRoundVerifies).toBeCloseTo((h.cpuPerMemberRoundUs as number) / (h.calibration?.verifyUs as number));
    expect(h.startupCpuS).toBeGreaterThan(0);
    expect(h.peakRssMb).toBeGreaterThan(0);
    expect(Number.isFinite(h.memoryPerPeerMb)).toBe(true);
    expect((h.suggestedPeers as number) % 8).toBe(0);
    expect(h.suggestedPeersBasis).toBe('measured');
    expect(snapshots.some((s) => (s.health.cost.runUs ?? 0) > 0 && (s.health.cost.secondUs ?? 0) > 0)).toBe(true);
    expect(snapshots.every((s) => s.health.cost.rssMb > 0)).toBe(true);
  });

  it('stops early on abort and still reports what was measured', async () => {
    const profile = parseProfile('peers: 8\ndurationS: 60\nworkers: 1\nneo: { groupSize: 8, roundMs: 50 }\n', 'abort-test.yaml');
    const controller = new AbortController();
    const outcome = runScenario(profile, { signal: controller.signal, onSnapshot: (s) => s.elapsedS > 1 && controller.abort() });
    const { report } = await outcome;
    expect(report.durationS).toBeLessThan(30);
    expect(report.neo?.updates.accepted).toBeGreaterThan(0);
  });
});
