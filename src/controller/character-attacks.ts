import { colludeWith, forgedCharacter, tamperedCharacter, type AttackLedger, type CharacterEdit } from '../attacks/index.js';
import type { CharacterAttackSpec, ColludingWitnessesSpec } from '../scenario/characters.js';
import type { PeerSet } from '../scenario/profile.js';
import {
  DEFAULT_WITNESS_CONFIG,
  attestationRecord,
  encodeCharacterClaim,
  encodeEvidence,
  forgedCharacterProbability,
  manifestDigest,
  publishCharacter,
  type ChangeRule,
  type CharacterDoor,
  type SealedCharacter,
} from '../storage/index.js';
import { witnessInGroup, type CharacterOwner, type ShardCharacters } from './shard-characters.js';
import type { ShardComponentDeps } from './shard-component.js';

/**
 * The character attacks of SPEC §8 as a shard runs them (docs/attacks.md, "Tampered character data"
 * and "Colluding witnesses"): the colluders' witness rule, the tampered-character attacker's edit,
 * and the friend's forged changes shown to an honest door. The honest players' code (their witness
 * services, their doors, src/controller/shard-characters.ts) has no attack branch.
 */

/** What one friend of colluding witnesses got: report.json `attacks[kind=colluding-witnesses]`'s own fields. */
export interface ColludingFigures {
  readonly friend: number;
  readonly colluders: number;
  readonly attempts: number;
  /** Forged versions an honest door accepted. */
  readonly escapes: number;
  /** The most signatures one forged version collected (the colluders among the friend's w closest signed it). */
  readonly signaturesMax: number;
  /** The most of them an honest door counted (signers among the w + s closest it found itself). */
  readonly countedMax: number;
}

/** A shard's player as the attacks look at it: a possible friend, or an honest door to show a forgery to. */
export interface HostedPlayer {
  readonly id: number;
  readonly group: number;
  readonly owner: CharacterOwner;
  readonly door: CharacterDoor;
  /** In a group's current view. */
  readonly playing: boolean;
  /** Runs a NEO attack (it is no honest door). */
  readonly cheats: boolean;
}

export interface ShardCharacterAttacksDeps extends ShardComponentDeps {
  readonly ledger: AttackLedger;
  readonly characters: ShardCharacters;
  /** A player's public key, from the seed (colluders name their friend before it is bound, maybe in another shard). */
  readonly keyOf: (id: number) => Uint8Array;
  readonly expand: (set: PeerSet) => number[];
}

export interface ShardCharacterAttacks {
  /** Player `id`'s witness rule hook (startPlayer's witnessRule): a colluder signs anything for its friends; undefined for an honest witness. */
  witnessRule(id: number): ((honest: ChangeRule) => ChangeRule) | undefined;
  /** The run started: each friend among the shard's players (`players()`, asked when due) tries its forged changes at its `atS`. */
  start(startAtMs: number, players: () => readonly HostedPlayer[]): void;
  /**
   * A tampered-character attacker that finished its join flow: it has version 1 witnessed like anyone,
   * then edits it at home. Resolves to the character it brings to the door, or null when version 1
   * was never witnessed (there is nothing to tamper with: no attempt).
   */
  tamper(owner: CharacterOwner, edit: CharacterEdit): Promise<Uint8Array | null>;
  figures(): ColludingFigures[];
}

const RECORD_TTL_MS = 24 * 3600_000;

export function createShardCharacterAttacks(specs: readonly CharacterAttackSpec[], deps: ShardCharacterAttacksDeps): ShardCharacterAttacks {
  const colluding = specs.filter((s): s is ColludingWitnessesSpec => s.kind === 'colluding-witnesses');
  const friendsOf = new Map<number, Uint8Array[]>();
  for (const spec of colluding) for (const id of deps.expand(spec.colluders)) friendsOf.set(id, [...(friendsOf.get(id) ?? []), deps.keyOf(spec.friend)]);
  const figures: ColludingFigures[] = [];
  const forgery = (label: string) => {
    const rng = deps.rng.fork(label);
    return { randomBytes: (n: number) => rng.bytes(n), expiresAtMs: deps.wallClock.nowMs() + RECORD_TTL_MS };
  };

  /** An honest player's door: a member of the friend's group, neither the friend nor a colluder, where one is up; else any such member. */
  const checker = (spec: ColludingWitnessesSpec, friend: HostedPlayer, players: readonly HostedPlayer[]): CharacterDoor | null => {
    const colluders = new Set(deps.expand(spec.colluders));
    const honest = (p: HostedPlayer) => p.playing && !p.cheats && p.owner.alive() && p.id !== friend.id && !colluders.has(p.id);
    return (players.find((p) => honest(p) && p.group === friend.group) ?? players.find(honest))?.door ?? null;
  };

  /** The friend's forged changes, one after the other, each shown to an honest door; one the door accepts is published and built on. */
  const forge = async (spec: ColludingWitnessesSpec, hosted: HostedPlayer, players: () => readonly HostedPlayer[]) => {
    const friend = hosted.owner;
    if (!(await deps.characters.ready(friend.id))) return;
    await deps.characters.stopKeeping(friend.id);
    const row = { friend: spec.friend, colluders: deps.expand(spec.colluders).length, attempts: 0, escapes: 0, signaturesMax: 0, countedMax: 0 };
    figures.push(row);
    let base = deps.characters.latest(friend.id) as SealedCharacter;
    for (let attempt = 1; attempt <= spec.attempts && friend.alive(); attempt++) {
      const door = checker(spec, hosted, players());
      if (!door) return;
      const forged = forgedCharacter(friend.signer, base, attempt, forgery(`forged:${friend.id}:${attempt}`));
      // Its group endorses it (they see it play; what it claims to have gained is the witnesses' to judge).
      const witnessed = await witnessInGroup(friend, forged, base, encodeEvidence({ gained: [], lost: [] }), 0);
      const result = typeof witnessed === 'string' ? null : witnessed;
      const signatures = result?.signatures ?? [];
      // Short of t signatures, the friend signs an attestation of what it got all the same: the door decides.
      const attestation = result?.attestation ?? attestationRecord(friend.signer, { version: forged.version, manifestDigest: manifestDigest(forged.manifest), previousDigest: manifestDigest(base.manifest), signatures: [...signatures] }, Number(forged.manifest.expiresAtMs));
      const verdict = await door.check(friend.signer.publicKey, { manifest: forged.manifest, attestation });
      deps.ledger.judgedAttempt('colluding-witnesses', friend.signer.publicKey, { prevented: !verdict.ok, detected: !verdict.ok });
      row.attempts++;
      row.signaturesMax = Math.max(row.signaturesMax, signatures.length);
      row.countedMax = Math.max(row.countedMax, verdict.tally?.valid ?? 0);
      if (!verdict.ok) continue;
      row.escapes++;
      await publishCharacter(friend.dht, forged, attestation);
      deps.characters.replaceLatest(friend.id, forged);
      base = forged;
    }
  };

  return {
    witnessRule(id) {
      const friends = friendsOf.get(id);
      return friends ? (honest) => colludeWith(friends, honest) : undefined;
    },
    start(startAtMs, players) {
      for (const spec of colluding) {
        deps.scheduler.schedule(startAtMs + spec.atS * 1000, () => {
          const friend = players().find((p) => p.id === spec.friend && p.owner.alive());
          if (friend) forge(spec, friend, players).catch((e: unknown) => friend.owner.alive() && deps.onError(e));
        });
      }
    },
    async tamper(owner, edit) {
      deps.characters.joined(owner);
      if (!(await deps.characters.ready(owner.id))) return null;
      await deps.characters.stopKeeping(owner.id);
      const witnessed = deps.characters.latest(owner.id) as SealedCharacter;
      return encodeCharacterClaim(tamperedCharacter(owner.signer, witnessed, edit, forgery(`tampered:${owner.id}`)).manifest);
    },
    figures: () => figures.map((f) => ({ ...f })),
  };
}

/** Several shards' friends, in one list (each friend is hosted by one shard). */
export function mergeColludingFigures(lists: readonly (readonly ColludingFigures[])[]): ColludingFigures[] {
  return lists.flat().sort((a, b) => a.friend - b.friend);
}

/**
 * The attacks[] row of colluding witnesses with its own figures beside the ledger's: the escapes
 * measured and the formula's probability for the run's n and c (forgedCharacterProbability with the
 * default w, t, s). The measured rate is 0 or 1 per friend: its witnesses are the nodes closest to a
 * key made of its own key, one set for the whole run (`npm run bench:witness` measures the rate over
 * many identities).
 */
export function withColludingFigures<Row extends { readonly kind: string }>(rows: readonly Row[], friends: readonly ColludingFigures[], certifiedNodes: number): Row[] {
  return rows.map((row) => {
    if (row.kind !== 'colluding-witnesses' || friends.length === 0) return row;
    const colluders = Math.max(...friends.map((f) => f.colluders));
    const { witnesses, threshold, slack } = DEFAULT_WITNESS_CONFIG;
    const nodes = certifiedNodes - 1;
    return {
      ...row,
      escapes: friends.reduce((n, f) => n + f.escapes, 0),
      nodes,
      colluders,
      forgedProbability: forgedCharacterProbability({ nodes, colluders: Math.min(colluders, nodes), witnesses, threshold, slack }),
      signaturesMax: Math.max(...friends.map((f) => f.signaturesMax)),
      countedMax: Math.max(...friends.map((f) => f.countedMax)),
      friends: friends.map((f) => ({ ...f })),
    };
  });
}
