import { describe, expect, it } from 'vitest';
import { runIdentitySwarm } from '../../src/loadtest/index.js';

/**
 * Issue 5's figure (SPEC §3, §4) on real loopback UDP, with a real authority (SQLite), payment
 * tokens, signatures and DHT: players register, publish their certificates and look each other
 * up through the DHT; a lookup counts only if the key certificate and game key verify under the
 * authority key and name the player asked for.
 */
describe('identity lookups through the DHT at 100 players', () => {
  it('100 players register, publish their certificates and look each other up: ≥ 99 % verified, no AC traffic after joining', async () => {
    const r = await runIdentitySwarm({ peers: 100, seed: 51, durationMs: 10_000, churnPerMinute: 0, lookupsPerSecond: 30 });
    expect(r.joinFailures).toEqual([]);
    expect(r.registrations).toBe(100);
    expect(r.authorityRegistrations).toBe(100);
    expect(r.lookups).toBeGreaterThanOrEqual(250);
    expect(r.successRate).toBeGreaterThanOrEqual(0.99);
    expect(r.acMessagesPerPlayerMinute).toBeLessThan(0.5);
    expect(r.dht.counters.recordsRejected).toBe(0);
    expect(r.dht.counters.unexpectedResponses).toBe(0);
    expect(r.handlerErrors).toEqual([]);
  }, 180_000);

  // 10 % of the population per minute, compressed 5× as in test/dht/swarm.timing.test.ts: 50 % per
  // minute for 25 s, i.e. 20 crash leaves (no hand-off) and 20 new players registering and
  // publishing, with the players' republish and refresh intervals shortened 5× (12 s); request
  // time-outs are not shortened.
  it('under crash leaves and joins at 10 %/min (compressed 5×), ≥ 99 % of identity lookups verify, departed players included', async () => {
    const r = await runIdentitySwarm({
      peers: 100,
      seed: 52,
      durationMs: 25_000,
      churnPerMinute: 0.5,
      lookupsPerSecond: 10,
      dht: { republishIntervalMs: 12_000, refreshIntervalMs: 12_000 },
    });
    expect(r.joinFailures).toEqual([]);
    expect(r.crashes).toBeGreaterThanOrEqual(19);
    expect(r.joins).toBe(r.crashes);
    expect(r.registrations).toBe(100 + r.joins);
    expect(r.authorityRegistrations).toBe(r.registrations);
    expect(r.lookups).toBeGreaterThanOrEqual(200);
    expect(r.lookupsOfDeparted).toBeGreaterThan(0);
    expect(r.successRate).toBeGreaterThanOrEqual(0.99);
    expect(r.acMessagesPerPlayerMinute).toBeLessThan(0.5);
    // Crashed players were noticed, records were republished, and nothing bad was stored or served.
    expect(r.dht.counters.timeouts).toBeGreaterThan(0);
    expect(r.dht.counters.republished).toBeGreaterThan(0);
    expect(r.dht.counters.recordsRejected).toBe(0);
    expect(r.dht.counters.unexpectedResponses).toBe(0);
    expect(r.handlerErrors).toEqual([]);
  }, 180_000);
});
