import {
  createGateWatch,
  createMaliciousHolderTransport,
  emptyHolderCounters,
  sybilFootprint,
  type DhtHolderBehaviour,
  type DhtHolderCounters,
  type HolderFigures,
  type StorageAttackSummary,
} from '../attacks/index.js';
import type { DhtNode, MembershipRefusal } from '../dht/index.js';
import type { PeerNode, Transport } from '../net/index.js';
import type { Profile } from '../scenario/profile.js';
import { createShardSybils, type ShardSybilsDeps, type SybilLaunch } from './shard-sybils.js';

/** A profile's malicious holders, one entry per behaviour. */
export type HolderSpecs = NonNullable<NonNullable<Profile['storage']>['maliciousHolders']>;

/**
 * The behaviour a player with seeded draw `draw` ∈ [0, 1) runs: the shares are laid end to end
 * over [0, 1), so a player is at most one kind of malicious holder, and a single `{ share, behaviour }`
 * picks exactly the players it picked before the list existed (draw < share).
 */
export function pickHolderBehaviour(specs: HolderSpecs, draw: number): DhtHolderBehaviour | null {
  let upTo = 0;
  for (const spec of specs) {
    upTo += spec.share;
    if (draw < upTo) return spec.behaviour;
  }
  return null;
}

/** A shard's player as the storage attacks' statistics see it. */
export interface StorageAttackPlayer {
  readonly dht: DhtNode;
  /** Registered with the authority: a certified member of the DHT. */
  readonly certified: boolean;
  readonly maliciousHolder: boolean;
  /** Still running (its DHT not closed). */
  readonly open: boolean;
}

export interface ShardStorageAttacks {
  /** The behaviour player `id` runs as a malicious DHT node, or null (honest). */
  holderBehaviour(id: number): DhtHolderBehaviour | null;
  /** The DHT transport of a malicious holder of `behaviour`, counted with the others of its behaviour. */
  holderTransport(behaviour: DhtHolderBehaviour): (peer: PeerNode) => Transport;
  /** For every player's DHT (DhtDeps.onMembershipRefusal); undefined when the profile has no storage attack. */
  readonly onDhtRefusal: ((refusal: MembershipRefusal, nodeIdHex: string) => void) | undefined;
  /** Starts one of the profile's Sybil attacks in this shard. */
  launchSybils(launch: SybilLaunch): Promise<void>;
  /** The shard's figures for report.json `attacks[]`; null when the profile has no storage attack. */
  summary(players: readonly StorageAttackPlayer[]): StorageAttackSummary | null;
  /** Every behaviour's holders summed (report.json `storage.maliciousHolders`); null without malicious holders. */
  holderTotals(): HolderFigures | null;
  close(): Promise<void>;
}

/**
 * The shard's part of the storage-layer DHT attacks (docs/attacks.md): which of its players are
 * malicious holders and their counters, the Sybils it hosts, and the honest side's figures — what
 * honest readers refused, what the gate refused of the Sybils, and what honest nodes hold of them.
 */
export function createShardStorageAttacks(profile: Profile, deps: ShardSybilsDeps & { readonly draw: (id: number) => number }): ShardStorageAttacks {
  const specs: HolderSpecs = profile.storage?.maliciousHolders ?? [];
  const active = specs.length > 0 || profile.storageAttacks.length > 0;
  const holders = new Map<DhtHolderBehaviour, HolderFigures & DhtHolderCounters>();
  const watch = createGateWatch(sybilFootprint(deps.runSeed, profile.storageAttacks, deps.ed25519));
  const sybils = createShardSybils(deps);

  const countersOf = (behaviour: DhtHolderBehaviour) => {
    let c = holders.get(behaviour);
    if (!c) holders.set(behaviour, (c = { ...emptyHolderCounters(), nodes: 0 }));
    return c as { -readonly [K in keyof HolderFigures]: number };
  };

  return {
    holderBehaviour: (id) => (specs.length > 0 ? pickHolderBehaviour(specs, deps.draw(id)) : null),
    holderTransport(behaviour) {
      const counters = countersOf(behaviour);
      counters.nodes++;
      return (peer) => createMaliciousHolderTransport(peer.transport, behaviour, counters);
    },
    onDhtRefusal: active ? (refusal, nodeIdHex) => watch.onRefusal(refusal, nodeIdHex) : undefined,
    launchSybils: (launch) => sybils.launch(launch),
    summary(players) {
      if (!active) return null;
      const certified = players.filter((p) => p.certified).map((p) => ({ ...p, stats: p.dht.stats() }));
      // Readers are the honest players: a malicious holder's own reads are the attack's business.
      const honestReaders = certified.filter((p) => !p.maliciousHolder).map((p) => p.stats);
      const storesRefused = certified.reduce((n, p) => n + p.stats.counters['membership.storesRefused'], 0);
      watch.inspect(
        certified.filter((p) => p.open).map((p) => p.dht),
        storesRefused,
      );
      return {
        holders: Object.fromEntries([...holders].map(([b, c]) => [b, { ...c }])),
        readers: {
          corrupted: honestReaders.reduce((n, s) => n + s.rejectedOnRead['bad-signature'] + s.rejectedOnRead['invalid-value'], 0),
          stale: honestReaders.reduce((n, s) => n + s.rejectedOnRead.stale, 0),
        },
        sybils: sybils.figures(),
        gate: watch.figures(),
      };
    },
    holderTotals() {
      if (holders.size === 0) return specs.length > 0 ? { ...emptyHolderCounters(), nodes: 0 } : null;
      const total = { ...emptyHolderCounters(), nodes: 0 } as Record<keyof HolderFigures, number>;
      for (const c of holders.values()) for (const k of Object.keys(total) as (keyof HolderFigures)[]) total[k] += c[k];
      return total;
    },
    close: () => sybils.close(),
  };
}
