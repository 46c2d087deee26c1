import { describe, expect, it } from 'vitest';
import { emptyHolderCounters, emptyStorageAttackSummary, type AttackLedgerSummary, type StorageAttackSummary } from '../../src/attacks/index.js';
import { pickHolderBehaviour } from '../../src/controller/shard-storage-attacks.js';
import { honestReadTruth, withStorageAttackRows } from '../../src/controller/storage-attacks.js';
import type { RunReport } from '../../src/report/model.js';

describe('pickHolderBehaviour', () => {
  it('lays the shares end to end: a single share picks exactly the players it picked before the list', () => {
    const one = [{ share: 0.25, behaviour: 'drop' as const }];
    expect(pickHolderBehaviour(one, 0)).toBe('drop');
    expect(pickHolderBehaviour(one, 0.2499)).toBe('drop');
    expect(pickHolderBehaviour(one, 0.25)).toBeNull();
    const three = [
      { share: 0.1, behaviour: 'drop' as const },
      { share: 0.1, behaviour: 'tamper' as const },
      { share: 0.1, behaviour: 'stale' as const },
    ];
    expect([0.05, 0.15, 0.25, 0.35].map((d) => pickHolderBehaviour(three, d))).toEqual(['drop', 'tamper', 'stale', null]);
    expect(pickHolderBehaviour([], 0)).toBeNull();
  });
});

const ledger = (falsePositives: number): AttackLedgerSummary => ({ kinds: [], honestDivergentRounds: 0, honestRoundsCompared: 10, falsePositives });
const neoRow = { kind: 'replay', attempts: 3, prevented: 3, detected: 3, falsePositives: 0, detectionLatencyRounds: 12, detectionLatencyRoundsMax: 12, unprevented: 0, undetected: 0, detectionLatencies: [12], proofsAccepted: 1, bans: 1, exclusions: 1, attackers: 1, honestDivergentRounds: 0 } satisfies RunReport['attacks'][number];

describe('withStorageAttackRows', () => {
  const shard: StorageAttackSummary = { ...emptyStorageAttackSummary(), holders: { stale: { ...emptyHolderCounters(), nodes: 2, staleServed: 8, staleRepaired: 3 } } };

  it('appends the storage rows after the NEO rows with the report fields a NEO row has', () => {
    const rows = withStorageAttackRows([neoRow], ledger(0), [shard, null], { auditMisses: 0, staleReads: 0, lost: 0 });
    expect(rows.map((r) => r.kind)).toEqual(['replay', 'dht-stale']);
    expect(rows[1]).toMatchObject({ kind: 'dht-stale', attempts: 8, prevented: 8, detected: 3, unprevented: 0, undetected: 5, falsePositives: 0, detectionLatencyRounds: null, bans: 0, proofsAccepted: 0, attackers: 2, detectionLatencies: [] });
  });

  it('repeats one global false-positive count in every row: the ledger’s accusations plus the gate’s refusals of certified players', () => {
    const refusing: StorageAttackSummary = { ...shard, gate: { ...shard.gate, certifiedStoresRefused: 1 } };
    const rows = withStorageAttackRows([neoRow], ledger(2), [refusing], null);
    expect(rows.map((r) => r.falsePositives)).toEqual([3, 3]);
    expect(withStorageAttackRows([neoRow], ledger(0), [], null)).toEqual([neoRow]);
  });

  it('takes the houses’ audit as the ground truth, none without houses', () => {
    expect(honestReadTruth(null)).toBeNull();
    const storage = { permanent: { auditMisses: 1, staleReads: 2, lost: 0 } } as unknown as RunReport['storage'];
    expect(honestReadTruth(storage)).toEqual({ auditMisses: 1, staleReads: 2, lost: 0 });
  });
});
