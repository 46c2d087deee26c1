/**
 * How the harness's own cost grows (issue 10, SPEC §9 "Cost"): CPU per member-round, in µs and in
 * native Ed25519 verifications from each run's own calibration, against the peer count (64, 128,
 * 256, … up to --max-peers, stopping after the first saturated step), against the group size (4,
 * 8, 16, 32 at --peers) and against the round length R (50, 100, 200 ms at --peers). Every row is
 * one short headless run of the real harness (threads, sockets, authority, DHT) on normal
 * 20 ± 5 ms links like profiles/capacity.yaml, with its health and memory per peer.
 *
 * Usage: npm run bench:scale [-- --max-peers 1024] [--start-peers 64] [--peers 64] [--duration 15]
 *        [--only peers,groups,rounds]
 * CPU-heavy: the full sweep is about 12 runs of --duration seconds each, plus start-up.
 */
import { availableParallelism } from 'node:os';
import { runScenario } from '../src/controller/index.js';
import { checkOpenFiles, readRunLimits } from '../src/controller/limits.js';
import type { RunReport } from '../src/report/index.js';
import { parseProfile } from '../src/scenario/profile.js';
import { numberArg } from './support.js';

const MAX_PEERS = numberArg('max-peers', 1024);
const START_PEERS = numberArg('start-peers', 64);
const FIXED_PEERS = numberArg('peers', 64);
const DURATION_S = numberArg('duration', 15);
const onlyArg = process.argv.indexOf('--only');
const SECTIONS = new Set(onlyArg > 0 ? (process.argv[onlyArg + 1] ?? '').split(',') : ['peers', 'groups', 'rounds']);
const GROUP_SIZES = [4, 8, 16, 32];
const ROUND_LENGTHS_MS = [50, 100, 200];

interface Setting {
  readonly peers: number;
  readonly groupSize: number;
  readonly roundMs: number;
}

/** A peer count the group plan accepts (never one peer alone in the last group). */
const wholeGroups = (peers: number, groupSize: number) => (peers % groupSize === 1 ? peers + 1 : peers);

async function measure(s: Setting): Promise<RunReport['harness']> {
  const yaml = [
    `name: bench-scale-${s.peers}-g${s.groupSize}-r${s.roundMs}`,
    'seed: 10',
    `peers: ${s.peers}`,
    `durationS: ${DURATION_S}`,
    `neo: { groupSize: ${s.groupSize}, roundMs: ${s.roundMs} }`,
    'links:',
    '  default:',
    '    delay: { kind: normal, meanMs: 20, stdMs: 5 }',
  ].join('\n');
  const { report } = await runScenario(parseProfile(yaml, 'bench-scale.yaml'));
  return report.harness;
}

const fixed = (n: number | null | undefined, digits: number) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

function row(section: string, s: Setting, h: RunReport['harness']): string {
  return [
    section,
    s.peers,
    s.groupSize,
    s.roundMs,
    fixed(h.cpuPerMemberRoundUs, 0),
    fixed(h.cpuPerMemberRoundVerifies, 1),
    fixed(h.calibration?.verifyUs, 1),
    fixed(h.eventLoopDelayMsP99, 1),
    fixed(h.timerLatenessMsP99, 1),
    fixed(h.cpuCores, 2),
    h.saturated ? `**yes**: ${h.saturationReasons.join('; ')}` : 'no',
    fixed(h.memoryPerPeerMb, 2),
    fixed(h.peakRssMb, 0),
    h.suggestedPeers ?? '—',
  ].join(' | ');
}

const workers = availableParallelism();
const largest = Math.max(MAX_PEERS, FIXED_PEERS);
const fdProblem = checkOpenFiles(largest, workers, readRunLimits().openFiles);
if (fdProblem !== null) {
  console.error(`bench:scale: ${fdProblem}`);
  process.exit(2);
}

console.log(
  `bench:scale — ${DURATION_S} s runs, normal 20 ± 5 ms links, ${workers} worker threads; peers ${START_PEERS} … ${MAX_PEERS} (groups of 8, R = 100 ms), group sizes ${GROUP_SIZES.join(', ')} and R ${ROUND_LENGTHS_MS.join(', ')} ms at ${FIXED_PEERS} peers; Node ${process.version}`,
);
console.log('verifies = CPU per member-round ÷ that run\'s calibrated native Ed25519 verification; memory/peer = (peak RSS − RSS before the pool) ÷ peers\n');
console.log('| sweep | peers | group | R ms | CPU/member-round µs | verifies | verify µs | loop p99 ms | lateness p99 ms | cores | saturated | MiB/peer | peak RSS MiB | suggested peers |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');

if (SECTIONS.has('peers')) {
  for (let peers = START_PEERS; peers <= MAX_PEERS; peers *= 2) {
    const s = { peers: wholeGroups(peers, 8), groupSize: 8, roundMs: 100 };
    const h = await measure(s);
    console.log(`| ${row('peers', s, h)} |`);
    // Past the first saturated step the figures measure an overloaded machine.
    if (h.saturated) break;
  }
}
if (SECTIONS.has('groups')) {
  for (const groupSize of GROUP_SIZES.filter((g) => g <= FIXED_PEERS)) {
    const s = { peers: wholeGroups(FIXED_PEERS, groupSize), groupSize, roundMs: 100 };
    console.log(`| ${row('group size', s, await measure(s))} |`);
  }
}
if (SECTIONS.has('rounds')) {
  for (const roundMs of ROUND_LENGTHS_MS) {
    const s = { peers: wholeGroups(FIXED_PEERS, 8), groupSize: 8, roundMs };
    console.log(`| ${row('R', s, await measure(s))} |`);
  }
}
