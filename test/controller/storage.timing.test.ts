import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * Houses through the whole harness (docs/storage.md): players on two worker shards keep houses in
 * the run's DHT while a third of them crash and are replaced; the audits read every acknowledged
 * house back through other players, and the report says what was kept and what was lost.
 */
describe('controller with storage', () => {
  it('keeps every acknowledged house readable through crashes, audits it, and reports it', async () => {
    const profile = parseProfile(
      [
        'peers: 16',
        'durationS: 14',
        'workers: 2',
        'seed: 9',
        'neo: { groupSize: 8, roundMs: 100 }',
        'churn: { lifetime: { kind: exponential, meanS: 20 }, crashFraction: 1, replaceAfterS: 1, minGroupMembers: 4 }',
        'storage:',
        '  houses: { perPlayer: 2, contentsBytes: 64, updateEveryS: 2, auditEveryS: 3, auditSample: 6, finalAuditBeforeEndS: 3 }',
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'storage-test.yaml',
    );
    const { report, handlerErrors, events } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    const s = report.storage;
    // Crashes happened, and the departed players' houses are among those audited at the end.
    expect(report.groups?.removals).toBeGreaterThan(0);
    expect(s?.permanent.stored).toBeGreaterThan(32);
    expect(s?.permanent.finalChecked).toBe(s?.permanent.stored);
    expect(s?.permanent.lost).toBe(0);
    expect(s?.permanent.savesAcknowledged).toBeGreaterThanOrEqual(s?.permanent.stored ?? Infinity);
    expect(s?.permanent.audits).toBeGreaterThan(2);
    expect(s?.putLatencyMs.count).toBe((s?.permanent.savesAcknowledged ?? 0) + (s?.permanent.savesUnacknowledged ?? 0));
    expect(s?.ephemeral).toBeNull();
    const audits = events.filter((e) => e.type === 'storage-audit');
    // One final audit per shard, checking between them every house acknowledged.
    const finals = audits.filter((e) => e['final'] === true);
    expect(finals).toHaveLength(2);
    expect(finals.reduce((n, e) => n + Number(e['checked']), 0)).toBe(s?.permanent.stored);
  }, 90_000);
});
