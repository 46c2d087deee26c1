import { createEd25519 } from '../crypto/index.js';
import { createRng } from '../random/index.js';
import type { RunEvent } from '../report/model.js';
import type { Profile } from '../scenario/profile.js';
import { monotonicNowMs } from '../time/clock.js';
import type { ShardCommand } from './contract.js';
import type { IdentityInfrastructure } from './identity.js';
import type { RunClock } from './run-clock.js';
import type { RunPlan } from './run-plan.js';
import type { ControllerStorageAttacks } from './storage-attacks.js';

/** The profile's tampered-character attacks: their players are numbered after the impostors and register like any player. */
export function tamperedCharacterAttacks(profile: Profile) {
  return profile.characterAttacks.flatMap((a) => (a.kind === 'tampered-character' ? [a] : []));
}

export interface RunDispatcherDeps {
  readonly profile: Profile;
  readonly plan: Pick<RunPlan, 'schedule' | 'shardOfGroup'>;
  /** One per shard, in shard order. */
  readonly commands: readonly ((c: ShardCommand) => void)[];
  readonly identity: IdentityInfrastructure;
  readonly storageAttacks: ControllerStorageAttacks;
  readonly events: RunEvent[];
  readonly clock: RunClock;
  readonly aborted: () => boolean;
}

export interface RunDispatcher {
  /** From round 0 on: the schedule's phases, joins and leaves, the impostors, tampered characters and Sybils, each at its time. */
  start(): void;
  /** Cancels what has not been sent yet. */
  clear(): void;
}

/** Everything the controller tells the shards at a time of the run, each to the shard hosting the group concerned. */
export function createRunDispatcher(deps: RunDispatcherDeps): RunDispatcher {
  const { profile, plan, commands, identity, events, clock, aborted } = deps;
  const timers: NodeJS.Timeout[] = [];
  const shardFor = (group: number) => commands[plan.shardOfGroup.get(group) ?? 0];
  /** `task` at `tS` seconds into the run; skipped once the run is aborted, unless `evenIfAborted`. */
  const at = (tS: number, task: () => void, evenIfAborted = false) =>
    timers.push(
      setTimeout(
        () => {
          if (evenIfAborted || !aborted()) task();
        },
        Math.max(0, clock.startAtMs + tS * 1000 - monotonicNowMs()),
      ),
    );

  const dispatchSchedule = () => {
    for (const phase of plan.schedule.phases) at(phase.startS, () => events.push({ tS: clock.tS(), type: 'phase', phase: phase.name }), true);
    for (const entry of plan.schedule.entries) {
      at(entry.tS, () => {
        shardFor(entry.group)?.(entry.type === 'join' ? { type: 'spawn', player: entry.player, group: entry.group } : { type: 'leave', player: entry.player, group: entry.group, mode: entry.mode });
        events.push({ tS: entry.tS, type: entry.type === 'join' ? 'join' : 'leave', player: entry.player, group: entry.group, ...(entry.type === 'leave' ? { mode: entry.mode } : {}) });
      });
    }
  };

  // Impostors (profiles' identityAttacks) get player numbers after everyone the schedule knows.
  const dispatchImpostors = () => {
    profile.identityAttacks.forEach((a, k) => {
      const player = plan.schedule.players + k;
      const publicKey = createEd25519('native').createSigner(createRng(profile.seed).fork('identity').fork(`player:${player}`).bytes(32)).publicKey;
      at(a.atS, () => {
        void identity.impostor(a.kind, publicKey, 1_000_000_000n + BigInt(k)).then((credentials) => {
          shardFor(a.group)?.({ type: 'impostor', player, group: a.group, kind: a.kind, credentials });
          events.push({ tS: clock.tS(), type: 'join', player, group: a.group, impostor: a.kind });
        });
      });
    });
  };

  const dispatchTamperedCharacters = () => {
    tamperedCharacterAttacks(profile).forEach((a, k) => {
      const player = plan.schedule.players + profile.identityAttacks.length + k;
      at(a.atS, () => {
        shardFor(a.group)?.({ type: 'tampered-character', player, group: a.group, edit: a.edit });
        events.push({ tS: clock.tS(), type: 'join', player, group: a.group, impostor: a.kind });
      });
    });
  };

  return {
    start() {
      dispatchSchedule();
      dispatchImpostors();
      dispatchTamperedCharacters();
      timers.push(
        ...deps.storageAttacks.schedule({
          startAtMs: clock.startAtMs,
          nowMs: monotonicNowMs,
          commands,
          forge: async (publicKey, playerId) => (await identity.impostor('forged-certificate', publicKey, playerId)).keyCertificate,
          aborted,
          onLaunched: (event) => events.push(event),
          onError: (e) => events.push({ tS: clock.tS(), type: 'phase', phase: 'sybil-failed', error: e instanceof Error ? e.message : String(e) }),
        }),
      );
    },
    clear() {
      for (const t of timers.splice(0)) clearTimeout(t);
    },
  };
}
