import type { MembershipRefusal } from '../dht/index.js';
import { DHT_HOLDER_BEHAVIOURS, emptyHolderCounters, type DhtHolderBehaviour, type DhtHolderCounters } from './dht-holder.js';
import { emptyGateFigures, MEMBERSHIP_REFUSALS, type GateFigures } from './sybil.js';

/**
 * The statistics of the storage-layer DHT attacks (SPEC §8; docs/attacks.md, "Storage-layer DHT
 * attacks"): what the malicious holders and the Sybils tried, what the honest nodes refused, and —
 * judged against the harness's ground truth — whether any of it changed an honest read. Plain data
 * each shard sends once a second; the controller merges (mergeStorageAttackSummaries) and turns
 * the merge into report.json `attacks[]` rows (storageAttackRows).
 */

/** Row kinds: `dht-<behaviour>` for each malicious-holder behaviour, `dht-sybil` for Sybil nodes. */
export const STORAGE_ATTACK_KINDS = ['dht-drop', 'dht-tamper', 'dht-stale', 'dht-sybil'] as const;
export type StorageAttackKind = (typeof STORAGE_ATTACK_KINDS)[number];

export interface HolderFigures extends DhtHolderCounters {
  /** Players that ran the behaviour. */
  readonly nodes: number;
}

/** What the Sybils did, from their own DHTs' counters. */
export interface SybilFigures {
  readonly nodes: number;
  /** Of which presented a certificate signed by a key that is not the authority's. */
  readonly forgedNodes: number;
  /** DHT requests they sent (ping, find-node, find-value, store): each to an honest node, since honest answers name only members. */
  readonly requests: number;
  readonly storesSent: number;
  /** STOREs answered stored or duplicate: a Sybil record some honest node took. */
  readonly storesAcked: number;
  /** Versions of their houses they tried to save. */
  readonly houseVersions: number;
}

export interface StorageAttackSummary {
  /** Malicious holders by behaviour (only behaviours some player ran). */
  readonly holders: Readonly<Partial<Record<DhtHolderBehaviour, HolderFigures>>>;
  /**
   * Answers honest readers refused in their gets (DHT `rejectedOnRead`): `corrupted`, a value that
   * fails its type's policy (`invalid-value`) or a signature that fails (`bad-signature`) — only a
   * modified record does, since honest holders verified what they serve with the same policies;
   * `stale`, older than the version the reader chose or had seen (stale holders, and honest holders
   * that missed a version).
   */
  readonly readers: { readonly corrupted: number; readonly stale: number };
  readonly sybils: SybilFigures;
  /** The honest side of the membership gate (src/attacks/sybil.ts). */
  readonly gate: GateFigures;
}

export function emptySybilFigures(): SybilFigures {
  return { nodes: 0, forgedNodes: 0, requests: 0, storesSent: 0, storesAcked: 0, houseVersions: 0 };
}

export function emptyStorageAttackSummary(): StorageAttackSummary {
  return { holders: {}, readers: { corrupted: 0, stale: 0 }, sybils: emptySybilFigures(), gate: emptyGateFigures() };
}

function sumFields<T extends object>(all: readonly T[], empty: T): T {
  const out = { ...empty } as Record<string, number>;
  for (const item of all) for (const [k, v] of Object.entries(item)) out[k] = (out[k] ?? 0) + (v as number);
  return out as T;
}

/** Summaries of several hosts (worker shards, the controller's bootstrap nodes) added up. */
export function mergeStorageAttackSummaries(all: readonly StorageAttackSummary[]): StorageAttackSummary {
  const holders: Partial<Record<DhtHolderBehaviour, HolderFigures>> = {};
  for (const behaviour of DHT_HOLDER_BEHAVIOURS) {
    const ran = all.flatMap((s) => (s.holders[behaviour] ? [s.holders[behaviour]] : []));
    if (ran.length > 0) holders[behaviour] = sumFields(ran, { ...emptyHolderCounters(), nodes: 0 });
  }
  const sybilRefused = Object.fromEntries(MEMBERSHIP_REFUSALS.map((r) => [r, all.reduce((n, s) => n + s.gate.sybilRefused[r], 0)])) as Record<MembershipRefusal, number>;
  const { sybilRefused: _, ...gateCounts } = emptyGateFigures();
  return {
    holders,
    readers: sumFields(all.map((s) => s.readers), { corrupted: 0, stale: 0 }),
    sybils: sumFields(all.map((s) => s.sybils), emptySybilFigures()),
    gate: { ...sumFields(all.map(({ gate: { sybilRefused: _r, ...counts } }) => counts), gateCounts), sybilRefused },
  };
}

/**
 * The harness's ground truth about honest reads of houses (report.json `storage.permanent`): audit
 * reads that missed an acknowledged version, reads that returned an older one, and houses lost.
 * Null when the run keeps no houses: then nothing judges the holders' attempts.
 */
export interface HonestReadTruth {
  readonly auditMisses: number;
  readonly staleReads: number;
  readonly lost: number;
}

/** One `attacks[]` row of a storage-layer attack (the report adds the NEO-only fields). */
export interface StorageAttackRow {
  readonly kind: StorageAttackKind;
  readonly attempts: number;
  readonly prevented: number;
  readonly detected: number;
  /** attempts − prevented: judged or bounded as not prevented, unjudged ones included. */
  readonly unprevented: number;
  readonly undetected: number;
  /** Attempts nothing could judge (malicious holders in a run without houses). */
  readonly unjudged: number;
  /** Malicious nodes of the kind. */
  readonly attackers: number;
  /** The counts behind the row (docs/attacks.md, "Storage-layer DHT attacks"). */
  readonly breakdown: Readonly<Record<string, number>>;
}

/**
 * Certified players the gate refused: a genuine credential refused, or a STORE that ended
 * `not-member`. The storage attacks accuse nobody, so this is their whole share of the report's
 * global false-positive count.
 */
export function storageFalsePositives(summary: StorageAttackSummary): number {
  return summary.gate.otherCredentialsRefused + summary.gate.certifiedStoresRefused;
}

/** The rows of the behaviours and attacks that ran, in STORAGE_ATTACK_KINDS order. */
export function storageAttackRows(summary: StorageAttackSummary, truth: HonestReadTruth | null): StorageAttackRow[] {
  const rows: StorageAttackRow[] = [];
  for (const behaviour of DHT_HOLDER_BEHAVIOURS) {
    const figures = summary.holders[behaviour];
    if (figures && figures.nodes > 0) rows.push(holderRow(behaviour, figures, summary, truth));
  }
  if (summary.sybils.nodes > 0) rows.push(sybilRow(summary));
  return rows;
}

/**
 * A malicious holder's attempts, what readers refused of them, and the audit bound: no attempt can
 * be tied to one honest read, so every honest read that missed or came back stale while the
 * holders ran counts against every behaviour that ran (each row's unprevented is that total,
 * capped at its attempts). Zero misses, stale reads and losses: every attempt was prevented.
 */
function holderRow(behaviour: DhtHolderBehaviour, h: HolderFigures, summary: StorageAttackSummary, truth: HonestReadTruth | null): StorageAttackRow {
  const attempts = behaviour === 'drop' ? h.storesDropped + h.lookupsDropped : behaviour === 'tamper' ? h.valuesTampered : h.staleServed;
  // Drops leave nothing to refuse: a reader cannot tell a dropper from a crashed node.
  const refused = behaviour === 'drop' ? 0 : behaviour === 'tamper' ? summary.readers.corrupted : h.staleRepaired;
  const detected = Math.min(attempts, refused);
  const unjudged = truth === null ? attempts : 0;
  const unprevented = truth === null ? attempts : Math.min(attempts, truth.auditMisses + truth.staleReads + truth.lost);
  const own: Record<string, number> =
    behaviour === 'drop'
      ? { storesDropped: h.storesDropped, lookupsDropped: h.lookupsDropped }
      : behaviour === 'tamper'
        ? { valuesTampered: h.valuesTampered, readersRefusedCorrupted: summary.readers.corrupted }
        : { staleServed: h.staleServed, staleRepaired: h.staleRepaired, readersRefusedStale: summary.readers.stale };
  return { kind: `dht-${behaviour}`, attempts, prevented: attempts - unprevented, detected, unprevented, undetected: attempts - detected, unjudged, attackers: h.nodes, breakdown: { ...own, ...(truth ?? {}) } };
}

/**
 * The Sybils' attempts are their DHT requests (each asks an honest node to note it, a STORE also to
 * hold its record); detected are those the honest nodes refused, one per message; not prevented,
 * bounded by what got in: Sybil records held and Sybil routing-table entries at the last
 * inspection, and STOREs some honest node acknowledged. Without an inspection nothing is judged.
 */
function sybilRow(summary: StorageAttackSummary): StorageAttackRow {
  const { sybils, gate } = summary;
  const attempts = sybils.requests;
  const refused = gate.sybilRefused.contact + gate.sybilRefused.store + gate.sybilRefused['lookup-answer'];
  const detected = Math.min(attempts, refused);
  const unjudged = gate.nodesInspected === 0 ? attempts : 0;
  const intrusions = gate.sybilRecordsHeld + gate.sybilSlots + sybils.storesAcked;
  const unprevented = unjudged > 0 ? attempts : Math.min(attempts, intrusions);
  const breakdown = {
    forgedNodes: sybils.forgedNodes,
    storesSent: sybils.storesSent,
    storesAcked: sybils.storesAcked,
    houseVersions: sybils.houseVersions,
    refusedContacts: gate.sybilRefused.contact,
    refusedStores: gate.sybilRefused.store,
    ignoredAnswers: gate.sybilRefused['lookup-answer'],
    badCredentials: gate.sybilRefused['bad-credential'],
    recordsHeld: gate.sybilRecordsHeld,
    routingSlots: gate.sybilSlots,
    nodesInspected: gate.nodesInspected,
  };
  return { kind: 'dht-sybil', attempts, prevented: attempts - unprevented, detected, unprevented, undetected: attempts - detected, unjudged, attackers: sybils.nodes, breakdown };
}
