import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { NEO_LATENCY_BUCKETS_MS, createRunRegistry, startMetricsEndpoint } from '../../src/controller/metrics-endpoint.js';
import type { LatencyHistogram } from '../../src/metrics/index.js';
import { parseProfile } from '../../src/scenario/profile.js';
import type { LiveSnapshot } from '../../src/ui/model.js';

/** The exposition's samples: `name{labels}` → value (HELP and TYPE lines left out). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/**
 * The live metrics endpoint scraped over real HTTP while a real run goes on (docs/metrics.md): the
 * run's figures, the NEO playout latency as a Prometheus histogram read from the merged
 * HdrHistogram, the attack rows and the harness's own process metrics.
 */
describe('live metrics for Prometheus', () => {
  it('serves the running scenario\'s figures at /metrics, mid-run and at the end, and 404 elsewhere', async () => {
    const profile = parseProfile(
      ['name: metrics-test', 'peers: 8', 'durationS: 3', 'workers: 1', 'seed: 5', 'neo: { groupSize: 4, roundMs: 100 }', 'links:', '  default: { delay: { kind: constant, ms: 5 } }', 'attacks:', '  - { kind: fixed-delay, peers: "3", fromS: 1, toS: 3, params: { delayMs: 250 } }', ''].join('\n'),
      'metrics-test.yaml',
    );
    let latest: LiveSnapshot | null = null;
    let neoPlayout: LatencyHistogram | null = null;
    const endpoint = await startMetricsEndpoint({ host: '127.0.0.1', port: 0 }, createRunRegistry({ snapshot: () => latest, neoPlayout: () => neoPlayout }));
    try {
      const before = samples(await (await fetch(endpoint.url)).text());
      // Before the first snapshot: the process's own metrics, no run figures yet.
      expect(before.has('p2pmmog_peers_alive')).toBe(false);
      expect([...before.keys()].some((k) => k.startsWith('p2pmmog_harness_process_cpu'))).toBe(true);

      const midRun: Promise<string>[] = [];
      const outcome = await runScenario(profile, {
        onSnapshot: (s) => {
          latest = s;
          if (s.elapsedS >= 1.5 && midRun.length === 0) midRun.push(fetch(endpoint.url).then((r) => r.text()));
        },
        onLiveHistograms: (h) => void (neoPlayout = h.neoPlayout),
      });
      expect(outcome.handlerErrors).toEqual([]);
      expect(midRun).toHaveLength(1);
      const during = samples(await (midRun[0] as Promise<string>));
      expect(during.get('p2pmmog_peers_alive')).toBe(8);
      const info = [...during.entries()].filter(([k]) => k.startsWith('p2pmmog_run_info{profile="metrics-test",seed="5",phase="'));
      expect(info.map(([, v]) => v)).toEqual([1]);

      const response = await fetch(endpoint.url);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('# TYPE p2pmmog_neo_playout_latency_seconds histogram');
      const end = samples(text);
      const snapshot = latest as unknown as LiveSnapshot;
      expect(end.get('p2pmmog_peers_target')).toBe(8);
      expect(end.get('p2pmmog_neo_updates_accepted_total')).toBe(snapshot.neo?.accepted);
      expect(end.get('p2pmmog_neo_updates_accepted_total')).toBeGreaterThan(0);
      // The histogram: cumulative buckets that never fall, +Inf = _count = the merged playouts, a sum in seconds.
      const count = end.get('p2pmmog_neo_playout_latency_seconds_count') as number;
      expect(count).toBe((neoPlayout as unknown as LatencyHistogram).count);
      expect(count).toBeGreaterThan(0);
      const buckets = NEO_LATENCY_BUCKETS_MS.map((ms) => end.get(`p2pmmog_neo_playout_latency_seconds_bucket{le="${ms / 1000}"}`) as number);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
      expect(end.get('p2pmmog_neo_playout_latency_seconds_bucket{le="+Inf"}')).toBe(count);
      expect(buckets[buckets.length - 1]).toBeLessThanOrEqual(count);
      const mean = (end.get('p2pmmog_neo_playout_latency_seconds_sum') as number) / count;
      expect(mean * 1000).toBeCloseTo((neoPlayout as unknown as LatencyHistogram).summary().mean, 6);
      // The attack row, by kind.
      const row = snapshot.attacks.find((a) => a.kind === 'fixed-delay');
      expect(row).toBeDefined();
      expect(end.get('p2pmmog_attack_attempts_total{kind="fixed-delay"}')).toBe(row?.attempts);
      expect(end.get('p2pmmog_harness_saturated')).toBe(snapshot.health.saturated ? 1 : 0);
      expect(end.get('p2pmmog_harness_calibration_verify_seconds')).toBeCloseTo(snapshot.health.cost.verifyUs / 1e6, 12);

      expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);
      expect(endpoint.scrapes()).toBe(3);
    } finally {
      await endpoint.close();
    }
  }, 60_000);
});
