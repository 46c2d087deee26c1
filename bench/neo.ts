/**
 * NEO against its baselines on the same transport and the same links (issue 3, SPEC §5): one
 * member 150 ms one way from everyone, seven at 10 ms, R = 100 ms. Prints NEO playout latency of
 * the fast members' updates beside lockstep turn latency and client/server latency, then the relay
 * server's traffic at 8, 16 and 32 players. Usage: npm run bench:neo [-- --rounds N]
 */
import { runBaseline, type ClientServerRunResult } from '../src/loadtest/index.js';
import type { LatencyHistogram, LatencySummary } from '../src/metrics/index.js';
import type { ShapingConfig } from '../src/net/index.js';
import { runNeoGroup } from '../src/loadtest/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 300);
const R = 100;
const MEMBERS = 8;
const SLOW = MEMBERS - 1;
const FAST_MS = 10;
const SLOW_MS = 150;

/** Every directed link 10 ms one way, except to and from the slow member: 150 ms. */
function slowMemberLinks(endpoints: readonly string[], server?: string): ShapingConfig {
  const slow = endpoints[SLOW] as string;
  const others = [...endpoints.filter((e) => e !== slow), ...(server ? [server] : [])];
  const constant = (ms: number) => ({ delay: { kind: 'constant' as const, ms } });
  return {
    default: constant(FAST_MS),
    links: others.flatMap((e) => [
      { from: slow, to: e, profile: constant(SLOW_MS) },
      { from: e, to: slow, profile: constant(SLOW_MS) },
    ]),
  };
}

const ms = (n: number) => n.toFixed(1);
const row = (name: string, s: LatencySummary, note = '') => `| ${name} | ${s.count} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${note} |`;

console.log(`bench:neo — ${MEMBERS} members, member ${SLOW} at ${SLOW_MS} ms one way, the others at ${FAST_MS} ms; R = ${R} ms; ${ROUNDS} rounds; Node ${process.version}`);

const neo = await runNeoGroup({ members: MEMBERS, rounds: ROUNDS, roundMs: R, seed: 'bench-neo', shaping: (eps) => slowMemberLinks(eps) });
const fastToFast = neo.playoutLatencyOf((receiver, sender) => sender !== SLOW && receiver !== SLOW);
const fastToSlow = neo.playoutLatencyOf((receiver, sender) => sender !== SLOW && receiver === SLOW);
const slowSender = neo.playoutLatencyBySender[SLOW] as LatencyHistogram;

const lockstep = await runBaseline('lockstep', { players: MEMBERS, turns: Math.max(30, Math.floor(ROUNDS / 5)), seed: 'bench-lockstep', shaping: (eps) => slowMemberLinks(eps) });
const cs: ClientServerRunResult = await runBaseline('client-server', {
  players: MEMBERS,
  durationS: (ROUNDS * R) / 1000,
  tickMs: R,
  seed: 'bench-cs',
  shaping: slowMemberLinks,
  selectPairs: (receiver, sender) => receiver !== SLOW && sender !== SLOW,
});

console.log('\n| protocol · figure | n | p50 ms | p99 ms | max ms | note |');
console.log('|---|---|---|---|---|---|');
console.log(row('NEO playout, fast members\' updates at fast members', fastToFast.summary(), `p99 bound 2R + 20 = ${2 * R + 20} ms: ${fastToFast.summary().p99 <= 2 * R + 20 ? 'met' : 'MISSED'}`));
console.log(row('NEO playout, fast members\' updates at the slow member', fastToSlow.summary(), 'bounded below by its 150 ms link'));
console.log(row('NEO playout, slow member\'s updates', slowSender.summary(), `accepted ${slowSender.count}: late by votes, dropped`));
console.log(row('lockstep turn latency (every player)', lockstep.turnLatencyMs, `${lockstep.turns} turns: every turn waits for the slow member twice`));
console.log(row('client/server, fast members\' updates at fast clients', cs.selectedLatencyMs, 'through the relay: two 10 ms hops'));
/** The harness's own delay: past this, latency figures measure the machine, not the protocol. */
const SATURATED_LATENESS_P99_MS = 20;
const health = (name: string, lateness: LatencySummary) =>
  `${name}: timer lateness p99 ${ms(lateness.p99)} ms${lateness.p99 > SATURATED_LATENESS_P99_MS ? ' — HARNESS SATURATED, latency figures not trustworthy' : ' (healthy)'}`;
console.log(`\n${health('NEO run', neo.timerLatenessMs)}; ${health('lockstep run', lockstep.timerLatenessMs)}; ${health('client/server run', cs.timerLatenessMs)}`);
const n = neo.counters;
console.log(`\nNEO counters (all members): accepted ${n.accepted}, dropped ${n.dropped} (late ${n.droppedLate}), on time ${n.onTime}, late ${n.late}, fetches ${n.fetchesSent}, forced rounds ${n.forcedRounds}, state-hash checks ${n.stateHashChecks}, mismatches ${n.stateHashMismatches}`);

console.log('\nClient/server relay traffic (10 ms links, one update per client every R):');
console.log('| players | server bytes/s in | server bytes/s out | total | per player | timer lateness p99 ms |');
console.log('|---|---|---|---|---|---|');
for (const players of [8, 16, 32]) {
  const r = await runBaseline('client-server', { players, durationS: 5, tickMs: R, seed: `bench-cs-${players}`, shaping: () => ({ default: { delay: { kind: 'constant', ms: FAST_MS } } }) });
  console.log(`| ${players} | ${Math.round(r.serverRxBytesPerS).toLocaleString('en-US')} | ${Math.round(r.serverTxBytesPerS).toLocaleString('en-US')} | ${Math.round(r.serverBytesPerS).toLocaleString('en-US')} | ${Math.round(r.serverBytesPerS / players).toLocaleString('en-US')} | ${ms(r.timerLatenessMs.p99)}${r.timerLatenessMs.p99 > SATURATED_LATENESS_P99_MS ? ' (saturated: bytes valid, latency not)' : ''} |`);
}
