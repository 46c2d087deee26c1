import type { Signer } from '../crypto/index.js';
import type { DhtNode, DhtRecord } from '../dht/index.js';
import type { SignatureVerifier, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { CHARACTER_SECTIONS, type SealedCharacter } from './character.js';
import type { ChangeRule } from './change-rule.js';
import { createCharacterDoor, resolveWitnessConfig, type DoorCounters, type WitnessConfig } from './door.js';
import { requestEndorsements, serveEndorsements, type EndorseResult, type OwnerGroup } from './endorsement.js';
import type { CharacterKeyring } from './keys.js';
import { ENDORSE_OUTCOMES, WITNESS_OUTCOMES, type EndorseOutcome, type WitnessRefusal } from './witness-messages.js';
import { requestWitnesses, type WitnessOptions, type WitnessResult } from './witness-owner.js';
import { WITNESS_GARBAGE, serveWitnessRequests, type WitnessGarbage } from './witness-serve.js';

/**
 * Witnessed characters (SPEC §6, participatory data; docs/storage.md, "Witnessed characters"): every
 * player is both an owner who has its versions witnessed and a witness for the characters whose
 * witness key it sits next to. One install per transport: it handles the three witness messages.
 */

export interface CharacterWitnessConfig extends WitnessConfig {
  /** How long an owner waits for its witnesses' final answers. Default 3000 ms. */
  readonly answerTimeoutMs?: number;
  /** How often an owner asks again the witnesses that have not answered (lost datagrams). Default 600 ms. */
  readonly retryMs?: number;
}

export interface CharacterWitnessDeps {
  readonly transport: Transport;
  readonly dht: Pick<DhtNode, 'get' | 'findNode' | 'nodeId' | 'config'>;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  /** The player's keyring on the same transport: section keys travel through it both ways. */
  readonly keyring: CharacterKeyring;
  /** What this node checks before it signs: the game's rule; a colluding witness is given another (src/attacks). */
  readonly rule: ChangeRule;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  /** Monotonic: time-outs. */
  readonly clock: Clock;
  /** Unix-epoch ms: record expiry. Date.now by default. */
  readonly wallClock?: Clock;
  /**
   * Whether `owner` plays in this node's agreed view of the group session `session`: this node
   * endorses only its own group's changes. Absent: it plays in no group and endorses nothing.
   */
  readonly playsWith?: (owner: Uint8Array, session: Uint8Array) => boolean;
}

export interface WitnessCounters {
  /** As a witness: requests taken, answers sent by outcome. */
  readonly served: { readonly requests: number; readonly answers: Readonly<Record<(typeof WITNESS_OUTCOMES)[number], number>> };
  /** As an owner: witnesses asked, final answers received by outcome, witnesses silent at the deadline. */
  readonly owned: { readonly asked: number; readonly received: Readonly<Record<WitnessRefusal | 'signed', number>>; readonly silent: number };
  /** As a group member: endorsements answered by outcome. As an owner: members asked, answers by outcome, members silent when a gathering fell short. */
  readonly endorsements: {
    readonly served: Readonly<Record<EndorseOutcome, number>>;
    readonly owned: { readonly asked: number; readonly received: Readonly<Record<EndorseOutcome | 'bad-signature', number>>; readonly silent: number };
  };
  /** Remote garbage, by reason. */
  readonly garbage: Readonly<Record<WitnessGarbage, number>>;
  /** The door a witness runs on the previous version before signing the next. */
  readonly door: DoorCounters;
}

export interface CharacterWitnessService {
  /**
   * Has `next` witnessed: `previous` is the version it builds on (null for version 1; its keys go to
   * the witnesses, who read both). Throws on misuse (not the owner's, versions not consecutive).
   */
  witness(next: SealedCharacter, previous: SealedCharacter | null, evidence: Uint8Array, options?: WitnessOptions): Promise<WitnessResult>;
  /**
   * Has the group `next` was made in endorse it (a strict majority of its other members), for the
   * witnesses (WitnessOptions.endorsement). `previousDigest`: the manifest digest of the version it
   * builds on. Throws when the owner is not among `group`'s members.
   */
  endorse(next: SealedCharacter, previousDigest: Uint8Array, group: OwnerGroup): Promise<EndorseResult>;
  counters(): WitnessCounters;
}

const zeroes = <K extends string>(names: readonly K[]) => Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;

export function installCharacterWitness(config: CharacterWitnessConfig, deps: CharacterWitnessDeps): CharacterWitnessService {
  const resolved = { ...resolveWitnessConfig(config, deps.dht.config.k), answerTimeoutMs: config.answerTimeoutMs ?? 3000, retryMs: config.retryMs ?? 600 };
  for (const name of ['answerTimeoutMs', 'retryMs'] as const) {
    if (!Number.isFinite(resolved[name]) || resolved[name] <= 0) throw new RangeError(`witness config: ${name} must be a finite number > 0, got ${resolved[name]}`);
  }
  const wallClock = deps.wallClock ?? { nowMs: () => Date.now() };
  const door = createCharacterDoor(resolved, { dht: deps.dht, verify: deps.verify, wallClock });
  const served = { requests: 0, answers: zeroes(WITNESS_OUTCOMES) };
  const owned = { asked: 0, received: zeroes(WITNESS_OUTCOMES.filter((o): o is WitnessRefusal | 'signed' => o !== 'awaiting-sections')), silent: 0 };
  const garbage = zeroes(WITNESS_GARBAGE);
  const endorsements = { served: zeroes(ENDORSE_OUTCOMES), owned: { asked: 0, received: zeroes([...ENDORSE_OUTCOMES, 'bad-signature' as const]), silent: 0 } };
  const countGarbage = (reason: WitnessGarbage) => void garbage[reason]++;
  const common = { config: resolved, transport: deps.transport, signer: deps.signer, verify: deps.verify, keyring: deps.keyring };
  serveWitnessRequests({
    ...common,
    dht: deps.dht,
    rule: deps.rule,
    door,
    wallClock,
    count: { taken: () => void served.requests++, answered: (outcome) => void served.answers[outcome]++, garbage: countGarbage },
  });
  serveEndorsements({ transport: deps.transport, signer: deps.signer, verify: deps.verify, wallClock, playsWith: deps.playsWith ?? (() => false), count: { answered: (outcome) => void endorsements.served[outcome]++ } });
  const endorser = requestEndorsements({
    transport: deps.transport,
    signer: deps.signer,
    verify: deps.verify,
    scheduler: deps.scheduler,
    clock: deps.clock,
    config: resolved,
    count: { asked: (n) => void (endorsements.owned.asked += n), received: (outcome) => void endorsements.owned.received[outcome]++, silent: (n) => void (endorsements.owned.silent += n) },
  });
  const requester = requestWitnesses({
    ...common,
    dht: deps.dht,
    scheduler: deps.scheduler,
    clock: deps.clock,
    count: { asked: (n) => void (owned.asked += n), received: (outcome) => void owned.received[outcome]++, silent: (n) => void (owned.silent += n), garbage: countGarbage },
  });
  return {
    witness: (next, previous, evidence, options) => requester.witness(next, previous, evidence, options),
    endorse: (next, previousDigest, group) => endorser.endorse(next, previousDigest, group),
    counters: () => ({
      served: { requests: served.requests, answers: { ...served.answers } },
      owned: { ...owned, received: { ...owned.received } },
      endorsements: { served: { ...endorsements.served }, owned: { ...endorsements.owned, received: { ...endorsements.owned.received } } },
      garbage: { ...garbage },
      door: door.counters(),
    }),
  };
}

/**
 * Puts a witnessed version in the DHT: its sections, then its manifest, then the attestation, so a
 * door reading in between sees the new manifest without its attestation yet (`unwitnessed`, try
 * again), never an attestation ahead of its manifest. Returns the fewest holders any record got.
 */
export async function publishCharacter(dht: Pick<DhtNode, 'put'>, character: SealedCharacter, attestation: DhtRecord): Promise<{ readonly acked: number }> {
  let acked = Number.POSITIVE_INFINITY;
  for (const record of [...CHARACTER_SECTIONS.map((s) => character.sections[s]), character.manifest, attestation]) acked = Math.min(acked, (await dht.put(record)).acked);
  return { acked };
}
