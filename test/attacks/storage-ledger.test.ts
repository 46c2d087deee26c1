import { describe, expect, it } from 'vitest';
import {
  createGateWatch,
  emptyGateFigures,
  emptyHolderCounters,
  emptyStorageAttackSummary,
  mergeStorageAttackSummaries,
  storageAttackRows,
  storageFalsePositives,
  sybilFootprint,
  sybilIdentitySeed,
  sybilMembership,
  SYBIL_HOUSE_SLOT,
  type StorageAttackSummary,
} from '../../src/attacks/index.js';
import { createEd25519, nodeIdFromPublicKey, toHex } from '../../src/crypto/index.js';
import { recordKey, type DhtContact, type DhtRecord } from '../../src/dht/index.js';
import { houseSubject } from '../../src/storage/index.js';

const ed25519 = createEd25519('native');

/** A shard's summary with the given parts over an empty one. */
function summary(parts: Partial<{ [K in keyof StorageAttackSummary]: Partial<StorageAttackSummary[K]> }>): StorageAttackSummary {
  const empty = emptyStorageAttackSummary();
  return {
    holders: (parts.holders ?? {}) as StorageAttackSummary['holders'],
    readers: { ...empty.readers, ...parts.readers },
    sybils: { ...empty.sybils, ...parts.sybils },
    gate: { ...empty.gate, ...parts.gate, sybilRefused: { ...empty.gate.sybilRefused, ...parts.gate?.sybilRefused } },
  };
}

const holder = (nodes: number, counts: Partial<ReturnType<typeof emptyHolderCounters>>) => ({ ...emptyHolderCounters(), nodes, ...counts });
const noMisses = { auditMisses: 0, staleReads: 0, lost: 0 };

describe('mergeStorageAttackSummaries', () => {
  it('adds up the shards and the bootstrap nodes, keeping only the behaviours some shard ran', () => {
    const a = summary({ holders: { drop: holder(2, { storesDropped: 5, lookupsDropped: 1 }) }, readers: { corrupted: 3, stale: 1 }, sybils: { nodes: 3, requests: 40, storesSent: 9 }, gate: { sybilRefused: { contact: 20, store: 9, 'bad-credential': 0, 'lookup-answer': 0 }, sybilSlots: 0, nodesInspected: 25 } });
    const b = summary({ holders: { drop: holder(1, { storesDropped: 2 }), stale: holder(1, { staleServed: 7, staleRepaired: 4 }) }, readers: { corrupted: 1, stale: 6 }, gate: { sybilRefused: { contact: 5, store: 0, 'bad-credential': 2, 'lookup-answer': 0 }, certifiedStoresRefused: 1, nodesInspected: 25 } });
    const bootstrap = summary({ gate: { sybilRefused: { contact: 12, store: 3, 'bad-credential': 0, 'lookup-answer': 0 }, nodesInspected: 3, sybilRecordsHeld: 0 } });
    const merged = mergeStorageAttackSummaries([a, b, bootstrap]);
    expect(Object.keys(merged.holders).sort()).toEqual(['drop', 'stale']);
    expect(merged.holders.drop).toEqual(holder(3, { storesDropped: 7, lookupsDropped: 1 }));
    expect(merged.holders.stale).toEqual(holder(1, { staleServed: 7, staleRepaired: 4 }));
    expect(merged.readers).toEqual({ corrupted: 4, stale: 7 });
    expect(merged.sybils).toMatchObject({ nodes: 3, requests: 40, storesSent: 9 });
    expect(merged.gate.sybilRefused).toEqual({ contact: 37, store: 12, 'bad-credential': 2, 'lookup-answer': 0 });
    expect(merged.gate).toMatchObject({ certifiedStoresRefused: 1, nodesInspected: 53, sybilRecordsHeld: 0, sybilSlots: 0 });
  });

  it('of nothing is an empty summary, and merging is associative', () => {
    expect(mergeStorageAttackSummaries([])).toEqual(emptyStorageAttackSummary());
    const parts = [summary({ holders: { tamper: holder(1, { valuesTampered: 4 }) } }), summary({ readers: { corrupted: 4 } }), summary({ sybils: { nodes: 2, requests: 8 } })];
    const [p0, p1, p2] = parts as [StorageAttackSummary, StorageAttackSummary, StorageAttackSummary];
    expect(mergeStorageAttackSummaries([mergeStorageAttackSummaries([p0, p1]), p2])).toEqual(mergeStorageAttackSummaries(parts));
  });
});

describe('storageAttackRows', () => {
  const ran = summary({
    holders: { drop: holder(2, { storesDropped: 10, lookupsDropped: 4 }), tamper: holder(1, { valuesTampered: 6 }), stale: holder(1, { staleServed: 9, staleRepaired: 5 }) },
    readers: { corrupted: 6, stale: 11 },
  });

  it('one row per behaviour that ran: attempts, detection by what honest readers refused, all prevented when no honest read missed', () => {
    const rows = storageAttackRows(ran, noMisses);
    expect(rows.map((r) => r.kind)).toEqual(['dht-drop', 'dht-tamper', 'dht-stale']);
    const [drop, tamper, stale] = rows;
    expect(drop).toMatchObject({ attempts: 14, prevented: 14, unprevented: 0, detected: 0, undetected: 14, unjudged: 0, attackers: 2 });
    expect(tamper).toMatchObject({ attempts: 6, prevented: 6, detected: 6, undetected: 0, attackers: 1 });
    expect(stale).toMatchObject({ attempts: 9, prevented: 9, detected: 5, undetected: 4 });
    expect(stale?.breakdown).toMatchObject({ staleServed: 9, staleRepaired: 5, readersRefusedStale: 11, auditMisses: 0 });
  });

  it('bounds the unprevented by the honest reads that missed, came back stale or were lost, for every behaviour, capped at its attempts', () => {
    const rows = storageAttackRows(ran, { auditMisses: 2, staleReads: 3, lost: 1 });
    expect(rows.map((r) => [r.kind, r.unprevented, r.prevented])).toEqual([
      ['dht-drop', 6, 8],
      ['dht-tamper', 6, 0],
      ['dht-stale', 6, 3],
    ]);
  });

  it('judges nothing without houses to audit, and never detects more than was attempted', () => {
    const rows = storageAttackRows(summary({ holders: { tamper: holder(1, { valuesTampered: 2 }) }, readers: { corrupted: 5 } }), null);
    expect(rows).toEqual([expect.objectContaining({ kind: 'dht-tamper', attempts: 2, prevented: 0, unprevented: 2, unjudged: 2, detected: 2 })]);
  });

  it('no row for a behaviour no player drew', () => {
    expect(storageAttackRows(summary({ holders: { stale: holder(0, {}) } }), noMisses)).toEqual([]);
  });

  it('Sybils: attempts are their requests, detected the honest refusals of them, unprevented what got in', () => {
    const kept = summary({ sybils: { nodes: 4, forgedNodes: 2, requests: 50, storesSent: 12 }, gate: { sybilRefused: { contact: 36, store: 12, 'bad-credential': 20, 'lookup-answer': 0 }, nodesInspected: 53 } });
    expect(storageAttackRows(kept, null)).toEqual([
      expect.objectContaining({ kind: 'dht-sybil', attempts: 50, prevented: 50, unprevented: 0, detected: 48, undetected: 2, unjudged: 0, attackers: 4, breakdown: expect.objectContaining({ badCredentials: 20, refusedStores: 12, forgedNodes: 2 }) }),
    ]);
    const intruded = summary({ sybils: { nodes: 1, requests: 10, storesAcked: 1 }, gate: { nodesInspected: 5, sybilSlots: 2, sybilRecordsHeld: 1 } });
    expect(storageAttackRows(intruded, null)[0]).toMatchObject({ unprevented: 4, prevented: 6 });
    const uninspected = summary({ sybils: { nodes: 1, requests: 10 } });
    expect(storageAttackRows(uninspected, null)[0]).toMatchObject({ unjudged: 10, unprevented: 10, prevented: 0 });
  });

  it('false positives: certified players the gate refused (a genuine credential, a STORE that ended not-member); the attacks themselves accuse nobody', () => {
    expect(storageFalsePositives(ran)).toBe(0);
    expect(storageFalsePositives(summary({ gate: { otherCredentialsRefused: 1, certifiedStoresRefused: 2 } }))).toBe(3);
  });
});

describe('Sybil footprint and gate watch', () => {
  const attacks = [{ nodes: 2 }, { nodes: 1 }];

  it('every thread derives the same Sybils and record keys from the seed alone', () => {
    const a = sybilFootprint(7, attacks, ed25519);
    expect(a.nodeIds.size).toBe(3);
    expect(a.recordKeys).toHaveLength(3);
    // The first Sybil of the first attack: its node ID and its house's key.
    const first = ed25519.publicKeyFromSeed(sybilIdentitySeed(7, 0, 0));
    expect(a.nodeIds.has(toHex(nodeIdFromPublicKey(first)))).toBe(true);
    expect(a.recordKeys[0]).toEqual(recordKey('house', houseSubject(first, SYBIL_HOUSE_SLOT)));
    expect(sybilFootprint(7, attacks, createEd25519('noble'))).toEqual(a);
    expect([...sybilFootprint(8, attacks, ed25519).nodeIds].some((id) => a.nodeIds.has(id))).toBe(false);
  });

  it('a Sybil without a credential runs an open DHT; a forged one presents it and believes everyone', () => {
    expect(sybilMembership(null)).toBeUndefined();
    const forged = sybilMembership(new Uint8Array([1, 2, 3]));
    expect(forged?.credential()).toEqual(new Uint8Array([1, 2, 3]));
    expect(forged?.admits(new Uint8Array(32), new Uint8Array(1))).toBe(true);
  });

  it('attributes refusals to the Sybils, counts another node’s refused credential apart, and inspects what honest nodes hold', () => {
    const footprint = sybilFootprint(7, attacks, ed25519);
    const watch = createGateWatch(footprint);
    const [sybil] = [...footprint.nodeIds] as [string];
    const honestId = toHex(nodeIdFromPublicKey(new Uint8Array(32).fill(9)));
    watch.onRefusal('contact', sybil);
    watch.onRefusal('bad-credential', sybil);
    watch.onRefusal('store', sybil);
    watch.onRefusal('contact', honestId);
    watch.onRefusal('bad-credential', honestId);
    expect(watch.figures()).toEqual({ ...emptyGateFigures(), sybilRefused: { contact: 1, 'bad-credential': 1, store: 1, 'lookup-answer': 0 }, otherCredentialsRefused: 1 });

    const sybilContact = { nodeId: Buffer.from(sybil, 'hex'), endpoint: { host: '127.0.0.1', port: 1 } } as DhtContact;
    const clean = { held: () => undefined, contacts: () => [] };
    const breached = { held: (key: Uint8Array) => (toHex(key) === toHex(footprint.recordKeys[0] as Uint8Array) ? ({} as DhtRecord) : undefined), contacts: () => [sybilContact] };
    watch.inspect([clean, breached], 2);
    expect(watch.figures()).toMatchObject({ sybilRecordsHeld: 1, sybilSlots: 1, nodesInspected: 2, certifiedStoresRefused: 2 });
    // Each inspection replaces the last: what honest nodes hold now.
    watch.inspect([clean], 2);
    expect(watch.figures()).toMatchObject({ sybilRecordsHeld: 0, sybilSlots: 0, nodesInspected: 1 });
  });
});
