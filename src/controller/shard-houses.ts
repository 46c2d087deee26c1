import type { Signer } from '../crypto/index.js';
import type { DhtNode } from '../dht/index.js';
import { createHouseStore, type HouseStore } from '../storage/index.js';
import { createHouseAudit, type HouseAuditFigures, type HouseReader } from './house-audit.js';
import type { ShardComponentDeps } from './shard-component.js';

/** The profile's `storage.houses` (src/scenario/profile.ts). */
export interface HousesSpec {
  readonly perPlayer: number;
  readonly contentsBytes: number;
  readonly updateEveryS: number;
  readonly auditEveryS: number;
  readonly auditSample: number;
  readonly finalAuditBeforeEndS: number;
  readonly auditReaders: number;
}

/** A shard's player as houses need it. */
export interface HouseOwner {
  readonly id: number;
  readonly signer: Signer;
  readonly dht: Pick<DhtNode, 'put' | 'get'>;
  /** Still up: it saves and it can read for an audit. */
  alive(): boolean;
}

export interface ShardHousesDeps extends ShardComponentDeps {
  /** An audit's outcome, for events.ndjson. */
  readonly onAudit: (audit: { readonly final: boolean; readonly checked: number; readonly missing: number }) => void;
}

export interface ShardHouses {
  /**
   * A player finished its join flow: it keeps its houses from now on (first saves spread over a
   * second), or from the start signal on for a player that joined before it.
   */
  joined(owner: HouseOwner): void;
  /** The run started: periodic audits, and the final one `finalAuditBeforeEndS` before the end. */
  start(startAtMs: number, durationS: number): void;
  /** Resolves once the final audit ended (at once when it has not started: a run stopped early). */
  finalAudit(): Promise<void>;
  figures(): HouseAuditFigures;
}

/**
 * The shard's side of houses (docs/storage.md, "Auditing houses"): its players save versions of
 * their houses and the shard audits what was acknowledged by reading it back through its other live
 * players. Saves stop when the final audit starts, so the ground truth it checks is fixed.
 */
export function createShardHouses(spec: HousesSpec, deps: ShardHousesDeps): ShardHouses {
  const audit = createHouseAudit(deps.rng.fork('audit'));
  const stores = new Map<number, { readonly owner: HouseOwner; readonly store: HouseStore }>();
  let saving = true;
  let final: Promise<void> | null = null;
  /**
   * Players that joined before the start signal (the founders, while the shards were still binding
   * the rest): their first versions wait for it. Put earlier, a version went to the closest nodes
   * of a half-formed overlay, far from its key, and stayed there: a quorum read that met three such
   * copies first took that first version (docs/storage.md, "Malicious holders", the stale reads).
   */
  let waitingForStart: (() => void)[] | null = [];
  const periodMs = spec.updateEveryS * 1000;

  const save = (owner: HouseOwner, store: HouseStore, slot: number) => {
    if (!saving || !owner.alive()) return;
    const contents = deps.rng.fork(`house:${owner.id}:${slot}:${store.versionOf(slot) + 1}`).bytes(spec.contentsBytes);
    store.save(slot, contents).then(
      (result) => saving && audit.saved(owner.id, result),
      () => audit.savedFailed(),
    );
  };

  /** Every period one of the owner's houses gets a new version, in turn. */
  const keep = (owner: HouseOwner, store: HouseStore, turn: number) => {
    if (!saving || !owner.alive()) return;
    save(owner, store, turn % spec.perPlayer);
    deps.scheduler.schedule(deps.clock.nowMs() + periodMs, () => keep(owner, store, turn + 1));
  };

  const readers = (): HouseReader[] => [...stores.values()].filter((s) => s.owner.alive()).map((s) => ({ id: s.owner.id, load: (o, slot) => s.store.load(o, slot) }));

  const runAudit = (final: boolean) =>
    audit.audit(readers(), { sample: final ? null : spec.auditSample, readers: spec.auditReaders, final }).then(
      (outcome) => deps.onAudit({ final, ...outcome }),
      (e: unknown) => deps.onError(e),
    );

  return {
    joined(owner) {
      const store = createHouseStore({}, { dht: owner.dht, signer: owner.signer, clock: deps.clock, wallClock: deps.wallClock });
      stores.set(owner.id, { owner, store });
      const spreadMs = deps.rng.fork(`house-start:${owner.id}`).int(1000);
      const begin = () =>
        deps.scheduler.schedule(deps.clock.nowMs() + spreadMs, () => {
          for (let slot = 1; slot < spec.perPlayer; slot++) save(owner, store, slot);
          keep(owner, store, 0);
        });
      if (waitingForStart) waitingForStart.push(begin);
      else begin();
    },
    start(startAtMs, durationS) {
      for (const begin of waitingForStart ?? []) begin();
      waitingForStart = null;
      const finalAtMs = startAtMs + (durationS - spec.finalAuditBeforeEndS) * 1000;
      const periodic = (atMs: number) => {
        if (atMs >= finalAtMs) return;
        deps.scheduler.schedule(atMs, () => {
          void runAudit(false);
          periodic(atMs + spec.auditEveryS * 1000);
        });
      };
      periodic(startAtMs + spec.auditEveryS * 1000);
      deps.scheduler.schedule(finalAtMs, () => {
        saving = false;
        final = runAudit(true);
      });
    },
    finalAudit() {
      // A run stopped before the final audit's time has none: nothing is waited for.
      return final ?? Promise.resolve();
    },
    figures: () => audit.figures(),
  };
}
