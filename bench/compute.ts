/**
 * The seed's scaling claim for computation (SPEC §7; docs/compute.md, "Work per player"): monster
 * AI spread over r executors drawn from every player keeps the work per player flat as players grow.
 * Runs profiles/compute.yaml at 30, 60 and 120 players (or --peers a,b,c) for --duration seconds
 * each and prints, per run: r and its bound (n is the smallest shard's players less a group, so small
 * runs may need more executors), processes, steps per second, executions per candidate player per second,
 * the step latency, and the harness's CPU per member-round in µs and in native verifications of
 * that run's own calibration.
 *
 * Usage: npm run bench:compute [-- --peers 30,60,120] [--duration 20]
 * CPU-heavy: one run after another, never beside another benchmark.
 */
import { readFileSync } from 'node:fs';
import { runScenario } from '../src/controller/index.js';
import { parseProfile } from '../src/scenario/profile.js';
import { numberArg } from './support.js';

const DURATION_S = numberArg('duration', 20);
const peersArg = process.argv.indexOf('--peers');
const PEERS = peersArg > 0 ? (process.argv[peersArg + 1] ?? '').split(',').map(Number) : [30, 60, 120];

const fixed = (n: number | null | undefined, digits: number) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

console.log(`bench:compute — profiles/compute.yaml, ${DURATION_S} s per run`);
console.log(['peers', 'r', 'bound', 'processes', 'steps/s', 'executions/player/s', 'step p50 ms', 'step p99 ms', 'agreed', 'cpu µs/member-round', '= verifies', 'verify µs', 'saturated'].join('\t'));
for (const peers of PEERS) {
  const profile = parseProfile(readFileSync('profiles/compute.yaml', 'utf8'), 'profiles/compute.yaml', { peers, durationS: DURATION_S });
  const { report } = await runScenario(profile);
  const c = report.compute;
  const h = report.harness;
  if (!c) throw new Error('profiles/compute.yaml ran without computation');
  console.log(
    [
      peers,
      c.r,
      c.bound.toPrecision(2),
      c.processes,
      fixed(c.stepsPerS, 1),
      fixed(c.executionsPerPlayerPerS, 3),
      fixed(c.executorLatencyMs.p50, 1),
      fixed(c.executorLatencyMs.p99, 1),
      `${c.agreed}/${c.steps}`,
      fixed(h.cpuPerMemberRoundUs, 0),
      fixed(h.cpuPerMemberRoundVerifies, 1),
      fixed(h.calibration?.verifyUs, 1),
      h.saturated ? `yes (${h.saturationReasons.join('; ')})` : 'no',
    ].join('\t'),
  );
}
