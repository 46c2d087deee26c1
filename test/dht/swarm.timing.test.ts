import { afterEach, describe, expect, it } from 'vitest';
import { runDhtSwarm } from '../../src/loadtest/index.js';
import { playerRecord, startNetwork, type TestNetwork } from './network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('DHT at 100 peers on real UDP', () => {
  it('100 peers bootstrap from 3 contacts, each publishes a record, and every peer finds 30 others\' records: ≥ 99 % success', async () => {
    const net: TestNetwork = await startNetwork(100, { seed: 'dht-100', seeds: 3 });
    cleanup.push(() => net.close());
    const puts = await Promise.all(net.members.map((m) => m.dht.put(playerRecord(m, 1n, new TextEncoder().encode(`player ${m.index}`)))));
    expect(puts.every((p) => p.targets === 8)).toBe(true);

    const pick = net.rng.fork('targets');
    let gets = 0;
    let found = 0;
    for (const reader of net.members) {
      const others = pick.shuffle(net.members.filter((m) => m !== reader)).slice(0, 30);
      const results = await Promise.all(others.map((o) => reader.dht.get('player-data', o.peer.publicKey)));
      results.forEach((r, i) => {
        gets++;
        if (r.ok && new TextDecoder().decode(r.record?.value) === `player ${(others[i] as (typeof others)[number]).index}`) found++;
      });
    }
    expect(gets).toBe(3000);
    expect(found / gets).toBeGreaterThanOrEqual(0.99);
    const stats = net.members.map((m) => m.dht.stats());
    expect(stats.reduce((n, s) => n + s.counters.unexpectedResponses, 0)).toBe(0);
    expect(stats.reduce((n, s) => n + s.counters.recordsRejected, 0)).toBe(0);
    expect(net.handlerErrors).toEqual([]);
  });

  // 10 % of the population per minute, compressed 5×: 50 % per minute for 24 s, i.e. 20 crash
  // leaves (socket closed, no hand-off) and 20 joins among 100 peers. The protocol's own clocks
  // are compressed with it (republish and bucket refresh every 12 s instead of 60 s); request
  // time-outs are not, since a dead peer takes as long to notice as ever.
  it('under crash leaves and joins at 10 %/min (compressed 5×), ≥ 99 % of gets find the published record, departed publishers included', async () => {
    const result = await runDhtSwarm({
      peers: 100,
      seed: 'dht-churn',
      durationMs: 24_000,
      churnPerMinute: 0.5,
      getsPerSecond: 10,
      config: { republishIntervalMs: 12_000, refreshIntervalMs: 12_000 },
    });
    expect(result.crashes).toBeGreaterThanOrEqual(19);
    expect(result.joins).toBe(result.crashes);
    expect(result.gets).toBeGreaterThanOrEqual(200);
    expect(result.getSuccesses / result.gets).toBeGreaterThanOrEqual(0.99);
    const s = result.stats;
    // Crashed peers were noticed (timeouts) and replaced (probes), and nothing bad was served.
    expect(s.counters.timeouts).toBeGreaterThan(0);
    expect(s.counters.republished).toBeGreaterThan(0);
    expect(s.counters.unexpectedResponses).toBe(0);
    expect(s.counters.recordsRejected).toBe(0);
    expect(s.lookups.findValue.succeeded).toBe(result.getSuccesses);
    expect(result.handlerErrors).toEqual([]);
  });
});
