import {
  createGateWatch,
  emptyStorageAttackSummary,
  mergeStorageAttackSummaries,
  storageAttackRows,
  storageFalsePositives,
  sybilFootprint,
  sybilIdentitySeed,
  type AttackLedgerSummary,
  type HonestReadTruth,
  type StorageAttackSummary,
} from '../attacks/index.js';
import type { KeyCertificate } from '../auth/index.js';
import { createEd25519 } from '../crypto/index.js';
import type { DhtNode, MembershipRefusal } from '../dht/index.js';
import type { RunEvent, RunReport } from '../report/model.js';
import { MAX_SYBIL_NODES, type Profile } from '../scenario/profile.js';
import type { ShardCommand, ShardSample } from './contract.js';
import type { LiveSnapshot } from '../ui/model.js';

/**
 * Player ids of the forged certificates the Sybils of `forged` attacks present: apart from the ids
 * the authority assigns (from 1), the impostors' (1e9 + k) and the bootstrap nodes' (2e9 + i).
 */
export const SYBIL_PLAYER_ID_BASE = 1_500_000_000n;

export interface ControllerStorageAttacks {
  /** For the run's bootstrap nodes (IdentityInfrastructureOptions.onDhtRefusal); undefined without Sybils. */
  readonly onDhtRefusal: ((refusal: MembershipRefusal, nodeIdHex: string) => void) | undefined;
  /**
   * Sends each of the profile's Sybil attacks, at its `atS`, to shard `k % shards`; a forged one
   * with certificates `forge` signs as an impostor's (by a key that is not the authority's).
   */
  schedule(deps: SybilScheduleDeps): NodeJS.Timeout[];
  /** The bootstrap nodes' side of the gate: refusals so far, and what they hold of the Sybils now. Null without Sybils. */
  bootstrapSummary(bootstrap: readonly DhtNode[]): StorageAttackSummary | null;
}

export interface SybilScheduleDeps {
  readonly startAtMs: number;
  readonly nowMs: () => number;
  readonly commands: readonly ((c: ShardCommand) => void)[];
  readonly forge: (publicKey: Uint8Array, playerId: bigint) => Promise<KeyCertificate>;
  readonly aborted: () => boolean;
  readonly onLaunched: (event: RunEvent) => void;
  readonly onError: (error: unknown) => void;
}

/** The controller's part of the storage-layer DHT attacks (docs/attacks.md): it schedules the Sybils and hosts the bootstrap nodes they come through. */
export function createControllerStorageAttacks(profile: Profile): ControllerStorageAttacks {
  const ed25519 = createEd25519('native');
  const sybilAttacks = profile.storageAttacks;
  const watch = createGateWatch(sybilFootprint(profile.seed, sybilAttacks, ed25519));

  const credentials = async (attack: number, forge: SybilScheduleDeps['forge']): Promise<(KeyCertificate | null)[]> => {
    const spec = sybilAttacks[attack] as Profile['storageAttacks'][number];
    return Promise.all(
      Array.from({ length: spec.nodes }, (_, node) => {
        if (!spec.forged) return null;
        const publicKey = ed25519.publicKeyFromSeed(sybilIdentitySeed(profile.seed, attack, node));
        return forge(publicKey, SYBIL_PLAYER_ID_BASE + BigInt(attack * MAX_SYBIL_NODES + node));
      }),
    );
  };

  return {
    onDhtRefusal: sybilAttacks.length > 0 ? (refusal, nodeIdHex) => watch.onRefusal(refusal, nodeIdHex) : undefined,
    schedule(deps) {
      return sybilAttacks.map((spec, attack) =>
        setTimeout(
          () => {
            if (deps.aborted()) return;
            credentials(attack, deps.forge).then((list) => {
              deps.commands[attack % deps.commands.length]?.({ type: 'sybil', attack, credentials: list });
              deps.onLaunched({ tS: spec.atS, type: 'sybil', attack, nodes: spec.nodes, forged: spec.forged, shard: attack % deps.commands.length });
            }, deps.onError);
          },
          Math.max(0, deps.startAtMs + spec.atS * 1000 - deps.nowMs()),
        ),
      );
    },
    bootstrapSummary(bootstrap) {
      if (sybilAttacks.length === 0) return null;
      watch.inspect(bootstrap, bootstrap.reduce((n, node) => n + node.stats().counters['membership.storesRefused'], 0));
      return { ...emptyStorageAttackSummary(), gate: watch.figures() };
    },
  };
}

type AttackRow = RunReport['attacks'][number];

/** The houses' audit as ground truth for honest reads; null in a run without houses. */
export function honestReadTruth(storage: RunReport['storage']): HonestReadTruth | null {
  const houses = storage?.permanent;
  return houses ? { auditMisses: houses.auditMisses, staleReads: houses.staleReads, lost: houses.lost } : null;
}

/**
 * The storage-layer rows of report.json `attacks[]` after the NEO ledger's, and the one global
 * false-positive count every row repeats: the ledger's accusations plus the gate's refusals of
 * certified players (the storage attacks accuse nobody).
 */
export function withStorageAttackRows(neoRows: readonly AttackRow[], ledger: AttackLedgerSummary, summaries: readonly (StorageAttackSummary | null)[], truth: HonestReadTruth | null): AttackRow[] {
  const present = summaries.filter((s): s is StorageAttackSummary => s !== null);
  const storage = present.length > 0 ? mergeStorageAttackSummaries(present) : null;
  const falsePositives = ledger.falsePositives + (storage ? storageFalsePositives(storage) : 0);
  const rows = storage ? storageAttackRows(storage, truth) : [];
  return [
    ...neoRows.map((r) => ({ ...r, falsePositives })),
    ...rows.map(({ attackers, ...r }) => ({
      ...r,
      falsePositives,
      detectionLatencyRounds: null,
      detectionLatencyRoundsMax: null,
      detectionLatencies: [],
      proofsAccepted: 0,
      bans: 0,
      exclusions: 0,
      attackers,
      honestDivergentRounds: ledger.honestDivergentRounds,
    })),
  ];
}

/** The houses' audit counts so far, summed over the shards' latest samples: the live table's ground truth. */
function liveTruth(samples: readonly ShardSample[]): HonestReadTruth | null {
  const audits = samples.flatMap((s) => (s.storage ? [s.storage] : []));
  if (audits.length === 0) return null;
  return { auditMisses: audits.reduce((n, a) => n + a.auditMisses, 0), staleReads: audits.reduce((n, a) => n + a.staleReads, 0), lost: audits.reduce((n, a) => n + a.lost, 0) };
}

/** The live attack table (UI) with the storage-layer rows after the ledger's, every row with the global false-positive count. */
export function liveAttackRows(ledger: AttackLedgerSummary, samples: readonly ShardSample[], bootstrap: StorageAttackSummary | null): LiveSnapshot['attacks'] {
  const present = [...samples.map((s) => s.storageAttacks), bootstrap].filter((s): s is StorageAttackSummary => s !== null);
  const storage = present.length > 0 ? mergeStorageAttackSummaries(present) : null;
  const falsePositives = ledger.falsePositives + (storage ? storageFalsePositives(storage) : 0);
  return [
    ...ledger.kinds.map((k) => ({ kind: k.kind, attempts: k.attempts, prevented: k.prevented, detected: k.detected, falsePositives, latencyRounds: k.detectionLatencyRounds.count > 0 ? k.detectionLatencyRounds.p50 : null })),
    ...(storage ? storageAttackRows(storage, liveTruth(samples)) : []).map((r) => ({ kind: r.kind, attempts: r.attempts, prevented: r.prevented, detected: r.detected, falsePositives, latencyRounds: null })),
  ];
}
