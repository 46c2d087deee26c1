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
    expect(s?.permanent?.stored).toBeGreaterThan(32);
    expect(s?.permanent?.finalChecked).toBe(s?.permanent?.stored);
    expect(s?.permanent?.lost).toBe(0);
    expect(s?.permanent?.savesAcknowledged).toBeGreaterThanOrEqual(s?.permanent?.stored ?? Infinity);
    expect(s?.permanent?.audits).toBeGreaterThan(2);
    expect(s?.putLatencyMs.count).toBe((s?.permanent?.savesAcknowledged ?? 0) + (s?.permanent?.savesUnacknowledged ?? 0));
    expect(s?.ephemeral).toBeNull();
    const audits = events.filter((e) => e.type === 'storage-audit');
    // One final audit per shard, checking between them every house acknowledged.
    const finals = audits.filter((e) => e['final'] === true);
    expect(finals).toHaveLength(2);
    expect(finals.reduce((n, e) => n + Number(e['checked']), 0)).toBe(s?.permanent?.stored);
  }, 90_000);

  it('keeps ephemeral areas through crashes and resets (every loss accounted for, the losses before a reset restored by it), and plays Alice and Eve', async () => {
    const profile = parseProfile(
      [
        'peers: 16',
        'durationS: 14',
        'workers: 2',
        'seed: 5',
        'neo: { groupSize: 8, roundMs: 100 }',
        'movement: { model: random-waypoint, minLegS: 1, maxLegS: 3 }',
        'churn: { lifetime: { kind: exponential, meanS: 30 }, crashFraction: 1, replaceAfterS: 1, minGroupMembers: 4 }',
        'storage:',
        '  ephemeral: { areaTiles: 16, items: 6, monsters: 2, resetEveryS: 4, replicas: 1, finalAuditBeforeEndS: 3 }',
        '  engagements: { everyS: 2 }',
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'areas-test.yaml',
    );
    const { report, handlerErrors, events } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    const s = report.storage;
    expect(s?.permanent).toBeNull();
    const e = s?.ephemeral;
    expect(e?.areas).toBeGreaterThan(0);
    expect(e?.stored).toBeGreaterThanOrEqual(e?.areas ?? Infinity);
    expect(e?.changes).toBeGreaterThan(0);
    // Resets at 4 s and 8 s (the final audit is at 11 s), in each of the two shards, each after an audit of the ending epoch.
    expect(e?.resets).toBe(4);
    expect(events.filter((ev) => ev.type === 'zone-reset')).toHaveLength(4);
    const audits = events.filter((ev) => ev.type === 'zone-audit');
    expect(audits.filter((ev) => ev['final'] === false)).toHaveLength(4);
    expect(audits.filter((ev) => ev['final'] === true)).toHaveLength(2);
    // Every loss is in an audit event, and is either restored by the next epoch's regeneration or found at the end.
    expect(audits.reduce((n, ev) => n + Number(ev['lost']), 0)).toBe(e?.lost);
    expect(e?.unrestored).toBe(0);
    expect((e?.restoredByReset ?? 0) + (e?.lostAtEnd ?? 0)).toBe(e?.lost);
    expect(s?.putLatencyMs.count).toBeGreaterThan(0);
    // Alice and Eve, every 2 s in each shard: every section read only after its release, every released key opening it.
    const g = s?.engagements;
    expect(g?.completed).toBeGreaterThan(0);
    expect(g?.openedBeforeRelease).toBe(0);
    expect(g?.releasedNotOpened).toBe(0);
    expect(g?.inventoryOpened).toBe(g?.completed);
    expect((g?.completed ?? 0) + (g?.skipped ?? 0) + (g?.keysLate ?? 0)).toBe(g?.engagements);
  }, 90_000);
});
