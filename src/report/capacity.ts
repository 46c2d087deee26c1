import type { CapacityResult, CapacityStep, RunReport } from './model.js';

/**
 * A capacity search's steps (SPEC §9 "Capacity search"): what each step's report says about the
 * harness and the protocol, and the text `p2p-mmog run` prints at the end of the search.
 */

/** One step of the search, from the report of the run at `peers`. */
export function capacityStep(peers: number, report: RunReport): CapacityStep {
  const neo = report.neo;
  const h = report.harness;
  const decided = neo ? neo.updates.accepted + neo.updates.dropped : 0;
  return {
    peers,
    healthy: !h.saturated,
    thresholdsOk: report.thresholds.every((t) => t.ok),
    saturationReasons: h.saturationReasons,
    neoP99Ms: neo?.playoutLatencyMs.p99 ?? 0,
    acceptedFraction: decided > 0 ? (neo?.updates.accepted ?? 0) / decided : 0,
    eventLoopDelayMsP99: h.eventLoopDelayMsP99,
    timerLatenessMsP99: h.timerLatenessMsP99,
    cpuCores: h.cpuCores,
    cpuPerMemberRoundUs: h.cpuPerMemberRoundUs ?? null,
    cpuPerMemberRoundVerifies: h.cpuPerMemberRoundVerifies ?? null,
    ...(h.peakRssMb === undefined ? {} : { peakRssMb: h.peakRssMb }),
    memoryPerPeerMb: h.memoryPerPeerMb ?? null,
  };
}

const fixed = (n: number | null | undefined, digits: number, width: number) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits)).padStart(width);

/** `613 µs = 10.5 verifies`, or `—` for a step from before the cost was measured. */
function cost(s: CapacityStep): string {
  if (s.cpuPerMemberRoundUs === null || s.cpuPerMemberRoundUs === undefined) return '—';
  const ratio = s.cpuPerMemberRoundVerifies === null || s.cpuPerMemberRoundVerifies === undefined ? '' : ` = ${s.cpuPerMemberRoundVerifies.toFixed(1)} verifies`;
  return `${s.cpuPerMemberRoundUs.toFixed(0)} µs${ratio}`;
}

/** One line per step, then the verdict: what `p2p-mmog run` prints after a capacity search. */
export function renderCapacity(c: CapacityResult): string {
  const rows = c.steps.map(
    (s) =>
      `  ${String(s.peers).padStart(5)}  ${(s.healthy ? 'healthy' : 'SATURATED').padEnd(9)}  ${(s.thresholdsOk ? 'held' : 'FAILED').padEnd(6)}` +
      `  p99 ${fixed(s.neoP99Ms, 1, 7)} ms  accepted ${fixed(100 * s.acceptedFraction, 1, 5)}%  loop p99 ${fixed(s.eventLoopDelayMsP99, 1, 6)} ms` +
      `  lateness p99 ${fixed(s.timerLatenessMsP99, 1, 6)} ms  cpu ${fixed(s.cpuCores, 2, 4)}` +
      `  cpu/member-round ${cost(s).padStart(25)}  memory/peer ${s.memoryPerPeerMb === null || s.memoryPerPeerMb === undefined ? '—' : `${s.memoryPerPeerMb.toFixed(2)} MiB`}`,
  );
  const verdict = c.largestHealthyPeers === null ? 'no step stayed healthy with every threshold held' : `largest healthy peer count: ${c.largestHealthyPeers}`;
  return ['Capacity search', '---------------', '  peers  harness    thresh.', ...rows, `  ${verdict}`].join('\n');
}
