/**
 * The DHT under churn on real loopback UDP (SPEC §4): 100 peers bootstrap from 3 contacts and
 * each publishes a record, then for 2 minutes 10 % of the population per minute crashes (socket
 * closed, no hand-off) and as many new peers join and publish, while random live peers get random
 * published records (departed publishers' included). Default DHT configuration (k = 8, α = 3,
 * 1 s request time-out, 60 s republish and refresh). Usage:
 *   npm run bench:dht [-- --peers 100 --minutes 2 --churn 0.1 --gets 20 --graceful 0]
 */
import { DEFAULT_DHT_CONFIG, RECORD_REJECTIONS, type DhtLookupStats } from '../src/dht/index.js';
import { runDhtSwarm } from '../src/loadtest/index.js';
import { latencyLine, ms, numberArg, pct } from './support.js';
import { createLatencyHistogram } from '../src/metrics/index.js';

const PEERS = numberArg('peers', 100);
const MINUTES = numberArg('minutes', 2);
const CHURN = numberArg('churn', 0.1);
const GETS = numberArg('gets', 20);
const GRACEFUL = numberArg('graceful', 0);

const hopsLine = (hops: readonly number[]) => {
  const total = hops.reduce((a, b) => a + b, 0);
  return hops.map((n, h) => (n > 0 ? `${h}: ${n} (${pct(n, total)})` : '')).filter(Boolean).join(', ');
};
const lookupLine = (name: string, s: DhtLookupStats) =>
  `${name}: ${s.started} started, ${s.succeeded} ok, ${s.failed} failed, ${s.abandoned} abandoned by leaving nodes; latency ${latencyLine((s.latencyMs ?? createLatencyHistogram()).summary())}`;

console.log(
  `bench:dht — ${PEERS} peers, ${MINUTES} min, churn ${(CHURN * 100).toFixed(0)} %/min (${GRACEFUL > 0 ? `${(GRACEFUL * 100).toFixed(0)} % graceful` : 'crash'} leaves + joins), ` +
    `${GETS} gets/s; k = ${DEFAULT_DHT_CONFIG.k}, α = ${DEFAULT_DHT_CONFIG.alpha}, time-out ${DEFAULT_DHT_CONFIG.requestTimeoutMs} ms, republish ${DEFAULT_DHT_CONFIG.republishIntervalMs / 1000} s; Node ${process.version}`,
);
const started = Date.now();
const r = await runDhtSwarm({
  peers: PEERS,
  seed: 'bench-dht',
  durationMs: MINUTES * 60_000,
  churnPerMinute: CHURN,
  gracefulFraction: GRACEFUL,
  getsPerSecond: GETS,
  onProgress: (p) => {
    if (Math.round(p.elapsedMs / 1000) % 15 === 0) process.stdout.write(`  ${(p.elapsedMs / 1000).toFixed(0)} s: ${p.live} live, ${p.gets} gets, ${pct(p.getSuccesses, p.gets)} ok, ${p.crashes} crashed, ${p.gracefulLeaves} left, ${p.joins} joined\n`);
  },
});
const s = r.stats;
const c = s.counters;
console.log(`\ninitial bootstrap of ${PEERS} peers: ${(r.bootstrapMs / 1000).toFixed(1)} s; run ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
console.log(`churn: ${r.crashes} crashed, ${r.gracefulLeaves} left gracefully, ${r.joins} joined (${r.live} live at the end)`);
console.log(`\nworkload gets: ${r.gets}, found ${r.getSuccesses} → success rate ${pct(r.getSuccesses, r.gets)}; failures with the publisher gone: ${r.failures.filter((f) => !f.publisherAlive).length}`);
console.log(`get latency: ${latencyLine(r.getLatencyMs)}`);
console.log(`get hops: ${hopsLine(r.hops)}`);
console.log(`\nall lookups (counted by the nodes: ${c.lookups} started, ${c.lookupSuccesses} ok, ${c.lookupFailures} failed, ${c.lookupsAbandoned} abandoned)`);
console.log(`  ${lookupLine('get (find-value)', s.lookups.findValue)}`);
console.log(`  ${lookupLine('find-node (put, republish, refresh, bootstrap)', s.lookups.findNode)}`);
console.log(`  find-node hops: ${hopsLine(s.lookups.findNode.hops)}`);
console.log(`\nrecords: stored ${c.recordsStored}, served ${c.recordsServed}, rejected ${c.recordsRejected}; puts ${c.puts}, republished ${c.republished}, STOREs sent ${c.storesSent} / acked ${c.storesAcked}, hand-off STOREs ${c.handoffStores}, read repairs ${c.readRepairs}, expired swept ${c.expiredSwept}`);
console.log(`  rejected on store: ${RECORD_REJECTIONS.map((x) => `${x} ${s.rejectedOnStore[x]}`).join(', ')}`);
console.log(`  rejected on read: ${RECORD_REJECTIONS.map((x) => `${x} ${s.rejectedOnRead[x]}`).join(', ')}`);
console.log(`requests: sent ${c.requestsSent}, answered ${c.responsesReceived}, timed out ${c.timeouts}, unexpected answers ${c.unexpectedResponses}, rate-limited STOREs ${c.rateLimited}, probes ${c.probes} (evicted ${c.probeEvictions})`);
const saturated = r.timerLatenessMs.p99 > 20;
console.log(`\ntimer lateness p99 ${ms(r.timerLatenessMs.p99)} ms${saturated ? ' — HARNESS SATURATED, latency figures not trustworthy' : ' (healthy)'}; handler errors ${r.handlerErrors.length}`);
