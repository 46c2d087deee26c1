/**
 * Issue 5's figure on real loopback UDP (SPEC §3, §4): a real authority (temp SQLite file), the
 * payment stand-in and 3 DHT bootstrap nodes; 100 players each register with the authority and
 * publish their certificates in the DHT, then for 2 minutes random live players look up random
 * registered players' certificates through the DHT (key certificate + game key + ban, verified
 * against the authority key) while 10 % of the population per minute crashes (no hand-off) and as
 * many new players join. Default DHT configuration. Usage:
 * The initial population forms the DHT overlay first, then runs the join flow; `--burst` has each
 * player run the whole join flow at once instead (the first waves publish into a tiny overlay).
 *   npm run bench:identity [-- --peers 100 --minutes 2 --churn 0.1 --lookups 20 --seed 5 --burst]
 */
import { RECORD_REJECTIONS, DEFAULT_DHT_CONFIG, type DhtLookupStats } from '../src/dht/index.js';
import { latencyLine, ms, numberArg, pct } from './support.js';
import { createLatencyHistogram } from '../src/metrics/index.js';
import { runIdentitySwarm } from '../src/loadtest/index.js';

const PEERS = numberArg('peers', 100);
const MINUTES = numberArg('minutes', 2);
const CHURN = numberArg('churn', 0.1);
const LOOKUPS = numberArg('lookups', 20);
const SEED = numberArg('seed', 5);
const BURST = process.argv.includes('--burst');

const lookupLine = (name: string, s: DhtLookupStats) =>
  `${name}: ${s.started} started, ${s.succeeded} ok, ${s.failed} failed, ${s.abandoned} abandoned; latency of successes ${latencyLine((s.latencyMs ?? createLatencyHistogram()).summary())}`;

console.log(
  `bench:identity — ${PEERS} players, ${MINUTES} min, churn ${(CHURN * 100).toFixed(0)} %/min (crash leaves + joins), ${LOOKUPS} identity lookups/s; ` +
    `k = ${DEFAULT_DHT_CONFIG.k}, α = ${DEFAULT_DHT_CONFIG.alpha}, time-out ${DEFAULT_DHT_CONFIG.requestTimeoutMs} ms, republish ${DEFAULT_DHT_CONFIG.republishIntervalMs / 1000} s; initial join ${BURST ? 'burst' : 'overlay first'}; seed ${SEED}; Node ${process.version}`,
);
const started = Date.now();
const r = await runIdentitySwarm({
  peers: PEERS,
  seed: SEED,
  durationMs: MINUTES * 60_000,
  churnPerMinute: CHURN,
  lookupsPerSecond: LOOKUPS,
  initialJoin: BURST ? 'burst' : 'overlay-first',
  onProgress: (p) => {
    if (Math.round(p.elapsedMs / 1000) % 15 === 0) process.stdout.write(`  ${(p.elapsedMs / 1000).toFixed(0)} s: ${p.live} live, ${p.lookups} lookups, ${pct(p.successes, p.lookups)} ok, ${p.crashes} crashed, ${p.joins} joined\n`);
  },
});
const c = r.dht.counters;
const reasons = new Map<string, number>();
for (const f of r.failures) reasons.set(`${f.reason}${f.targetAlive ? '' : ' (target gone)'}`, (reasons.get(`${f.reason}${f.targetAlive ? '' : ' (target gone)'}`) ?? 0) + 1);
console.log(`\ninitial join (register, bootstrap, publish, check) of ${PEERS} players: ${(r.initialJoinMs / 1000).toFixed(1)} s; run ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
console.log(`registrations: ${r.registrations} completed joins (authority counted ${r.registrations === r.authorityRegistrations ? 'the same' : r.authorityRegistrations}), join failures ${r.joinFailures.length}, records republished by the join check ${r.republished}`);
console.log(`churn: ${r.crashes} crashed, ${r.joins} joined (${r.live} live at the end)`);
console.log(`\nidentity lookups: ${r.lookups}, verified ${r.successes} → success rate ${pct(r.successes, r.lookups)}`);
console.log(`  of players already gone: ${r.lookupsOfDeparted}, verified ${r.successesOfDeparted}`);
console.log(`  failures: ${reasons.size === 0 ? 'none' : [...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`lookup latency (key certificate, game key and ban gets in parallel): ${latencyLine(r.latencyMs)}`);
console.log(`\nAC datagrams after join: ${r.acMessagesAfterJoin} over ${r.playerMinutesAfterJoin.toFixed(1)} player-minutes → ${r.acMessagesPerPlayerMinute.toFixed(3)} per player-minute`);
console.log(`\nDHT (all players and the bootstrap nodes): ${c.lookups} lookups, ${c.lookupSuccesses} ok, ${c.lookupFailures} failed (a ban get finds nothing for an unbanned player), ${c.lookupsAbandoned} abandoned`);
console.log(`  ${lookupLine('get (find-value)', r.dht.lookups.findValue)}`);
console.log(`  ${lookupLine('find-node', r.dht.lookups.findNode)}`);
console.log(`records: stored ${c.recordsStored}, served ${c.recordsServed}, rejected ${c.recordsRejected}; puts ${c.puts}, republished ${c.republished}, read repairs ${c.readRepairs}`);
console.log(`  rejected on store: ${RECORD_REJECTIONS.map((x) => `${x} ${r.dht.rejectedOnStore[x]}`).join(', ')}`);
console.log(`  rejected on read: ${RECORD_REJECTIONS.map((x) => `${x} ${r.dht.rejectedOnRead[x]}`).join(', ')}`);
console.log(`requests: sent ${c.requestsSent}, answered ${c.responsesReceived}, timed out ${c.timeouts}, unexpected answers ${c.unexpectedResponses}, rate-limited STOREs ${c.rateLimited}`);
const saturated = r.timerLatenessMs.p99 > 20;
console.log(`\ntimer lateness p99 ${ms(r.timerLatenessMs.p99)} ms${saturated ? ' — HARNESS SATURATED, latency figures not trustworthy' : ' (healthy)'}; handler errors ${r.handlerErrors.length}`);
for (const e of r.handlerErrors.slice(0, 5)) console.log(`  ${e.split('\n')[0]}`);
