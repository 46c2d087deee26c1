import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * The storage-layer DHT attacks through the whole harness (docs/attacks.md, "Storage-layer DHT
 * attacks"): on two worker shards, 16 players keep houses while one of them drops, one tampers and
 * one serves stale versions (seed 6 draws players 6, 10 and 11), and two Sybil attacks (two nodes
 * without a certificate, two with a forged one) come in through the run's bootstrap nodes. Every
 * kind gets its row; no honest read misses; no Sybil holds a slot or a record; nobody honest is
 * refused.
 */
describe('controller with storage-layer attacks', () => {
  it('reports a row per malicious-holder behaviour and for the Sybils: attempts, all prevented, detection where a reader can tell, no false positive', async () => {
    const profile = parseProfile(
      [
        'peers: 16',
        'durationS: 14',
        'workers: 2',
        'seed: 6',
        'neo: { groupSize: 8, roundMs: 100 }',
        'storage:',
        '  houses: { perPlayer: 1, contentsBytes: 64, updateEveryS: 2, auditEveryS: 3, auditSample: 6, finalAuditBeforeEndS: 3 }',
        '  maliciousHolders: [{ share: 0.08, behaviour: drop }, { share: 0.08, behaviour: tamper }, { share: 0.08, behaviour: stale }]',
        'storageAttacks:',
        '  - { kind: sybil, atS: 2, nodes: 2 }',
        '  - { kind: sybil, atS: 3, nodes: 2, forged: true }',
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'storage-attacks-test.yaml',
    );
    const { report, handlerErrors, events } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    const rows = new Map(report.attacks.map((a) => [a.kind, a]));
    expect([...rows.keys()]).toEqual(['dht-drop', 'dht-tamper', 'dht-stale', 'dht-sybil']);
    const houses = report.storage?.permanent;
    expect(houses?.stored).toBeGreaterThan(0);
    expect(houses?.lost).toBe(0);
    expect(houses?.auditMisses).toBe(0);
    expect(houses?.staleReads).toBe(0);
    expect(report.storage?.maliciousHolders).toMatchObject({ behaviour: 'mixed', nodes: 3 });

    for (const row of rows.values()) {
      expect(row.attempts, row.kind).toBeGreaterThan(0);
      expect(row.unprevented, row.kind).toBe(0);
      expect(row.prevented, row.kind).toBe(row.attempts);
      expect(row.falsePositives, row.kind).toBe(0);
      expect(row.detected, row.kind).toBeLessThanOrEqual(row.attempts);
    }
    expect(rows.get('dht-drop')?.detected).toBe(0);
    // Every tampered answer a reader met failed its verification.
    expect(rows.get('dht-tamper')?.detected).toBe(rows.get('dht-tamper')?.breakdown?.['readersRefusedCorrupted']);

    const sybil = rows.get('dht-sybil');
    expect(sybil?.attackers).toBe(4);
    expect(sybil?.breakdown).toMatchObject({ forgedNodes: 2, storesAcked: 0, recordsHeld: 0, routingSlots: 0, houseVersions: 12 });
    expect(sybil?.breakdown?.['nodesInspected']).toBeGreaterThanOrEqual(16 + 3);
    // Every Sybil STORE was refused as such; the forged ones' certificates were counted bad.
    expect(sybil?.breakdown?.['refusedStores']).toBeGreaterThanOrEqual(sybil?.breakdown?.['storesSent'] ?? Infinity);
    expect(sybil?.breakdown?.['badCredentials']).toBeGreaterThan(0);
    expect(sybil?.detected).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'sybil').map((e) => [e['attack'], e['shard']])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  }, 90_000);
});
