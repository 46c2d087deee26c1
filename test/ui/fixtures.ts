import type { LiveSnapshot } from '../../src/ui/model.js';

/** A p99 series that drifts and has one spike, for sparklines. */
export function sampleHistory(seconds: number): number[] {
  return Array.from({ length: seconds }, (_, i) => 117 + 2 * Math.sin(i / 3) + (i === seconds - 8 ? 9 : 0));
}

/** A mid-run snapshot of the default profile with every component present and two attacks. */
export function sampleSnapshot(overrides: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    profile: 'default',
    seed: 42,
    phase: 'steady',
    elapsedS: 12,
    durationS: 60,
    peersAlive: 64,
    peersTarget: 64,
    workers: 2,
    neo: {
      p50: 114.04,
      p90: 117.2,
      p99: 119.3,
      p999: 125.6,
      max: 131.2,
      run: { p50: 112.5, p90: 116.8, p99: 121.4, p999: 140.2, max: 180.9 },
      p99History: sampleHistory(12),
      roundMs: 100,
      groups: 16,
      accepted: 12_345,
      dropped: 12,
    },
    rates: { roundsPerS: 80, messagesPerS: 4_512, bytesPerS: 1_258_291, lossPct: 1 },
    dht: { lookups: 1_234, p50: 8.2, p99: 31.5, hops: 2.4, successPct: 99.5, stored: 640, served: 2_210, rejected: 3, acPerPlayerMin: 0.04 },
    groups: { count: 16, splits: null, merges: null, elections: 5, viewChanges: 21, joins: 9, leaves: 4, removals: 2 },
    storage: null,
    attacks: [
      { kind: 'speed-hack', attempts: 40, prevented: 31, detected: 38, falsePositives: 0, latencyRounds: 1.5 },
      { kind: 'collusion', attempts: 7, prevented: 0, detected: 0, falsePositives: 1, latencyRounds: null },
    ],
    bans: 3,
    health: {
      eventLoopP99Ms: 1.2,
      cpuCores: 1.64,
      kernelDrops: 0,
      timerLatenessP99Ms: 0.8,
      saturated: false,
      reasons: [],
      cost: { secondUs: 512.4, runUs: 498, verifyUs: 56.3, rssMb: 312.4 },
    },
    stopping: false,
    ...overrides,
  };
}

/** A snapshot from a build with neither DHT nor groups, no attacks, and no NEO rounds yet. */
export function bareSnapshot(overrides: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return sampleSnapshot({ neo: null, dht: null, groups: null, attacks: [], bans: 0, ...overrides });
}

export function saturatedHealth(reasons: readonly string[]): LiveSnapshot['health'] {
  return {
    eventLoopP99Ms: 86.4,
    cpuCores: 1.98,
    kernelDrops: 1_532,
    timerLatenessP99Ms: 45.1,
    saturated: true,
    reasons,
    cost: { secondUs: 2_410, runUs: 1_890, verifyUs: 60, rssMb: 780 },
  };
}
