import { z } from 'zod';
import { CHARACTER_EDITS } from '../attacks/index.js';

/** Peers named by index, as profile.ts validates them: "0-3,7" or a list of indexes. */
type PeerSet = string | number[];

/**
 * The profile's witnessed characters (docs/profiles.md, "Characters"; docs/storage.md): what honest
 * players keep (`storage.characters`), and the two character attacks of SPEC §8 (`characterAttacks`).
 * Kept apart from profile.ts, which composes them.
 */

/**
 * Every honest player that finished its join flow seals version 1 of a character and has it
 * witnessed (players already in at the start: spread over `firstWithinS` after it; a joiner before
 * it asks a group to admit it), then makes a legitimate change every `changeEveryS` and has it
 * witnessed. Groups then check a joiner's character at the door.
 */
export const charactersSchema = z.strictObject({
  /** At least the owner's 3 s wait for its witnesses' answers, so two witnessings of one character never overlap. */
  changeEveryS: z.number().min(3).max(3600).default(10),
  firstWithinS: z.number().positive().max(600).default(5),
});

/**
 * `tampered-character`: at `atS` a new certified player with a witnessed character edits it at home
 * (`edit`) and asks group `group` to admit it. `colluding-witnesses`: the `colluders` sign anything
 * for `friend` (peer indexes) from the start; at `atS` the friend tries `attempts` forged changes and
 * shows each to an honest door.
 */
export const characterAttacksSchema = (peerSet: z.ZodType<PeerSet>) =>
  z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('tampered-character'), group: z.number().int().min(0), atS: z.number().min(0), edit: z.enum(CHARACTER_EDITS).default('same-version') }),
        z.strictObject({ kind: z.literal('colluding-witnesses'), colluders: peerSet, friend: z.number().int().min(0), atS: z.number().min(0), attempts: z.number().int().min(1).max(100).default(3) }),
      ]),
    )
    .default([]);

export type CharacterAttackSpec = z.infer<ReturnType<typeof characterAttacksSchema>>[number];
export type TamperedCharacterSpec = Extract<CharacterAttackSpec, { kind: 'tampered-character' }>;
export type ColludingWitnessesSpec = Extract<CharacterAttackSpec, { kind: 'colluding-witnesses' }>;

/** What the rules across fields look at. */
export interface CharacterProfileView {
  readonly peers: number;
  readonly durationS: number;
  readonly neo: { readonly groupSize: number };
  readonly world?: unknown;
  readonly storage?: { readonly characters?: z.infer<typeof charactersSchema> | undefined } | undefined;
  readonly characterAttacks: readonly CharacterAttackSpec[];
}

/** Rules across fields: attacks need characters, name existing groups and peers, fall within the run. */
export function characterIssues(profile: CharacterProfileView, expand: (set: PeerSet) => number[]): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const characters = profile.storage?.characters;
  const groupCount = Math.ceil(profile.peers / profile.neo.groupSize);
  profile.characterAttacks.forEach((a, i) => {
    const path = `characterAttacks[${i}]`;
    if (!characters) issues.push({ path, message: 'needs storage.characters: only players who keep witnessed characters can tamper with them or witness them' });
    if (a.atS >= profile.durationS) issues.push({ path: `${path}.atS`, message: `must be before the run ends (durationS ${profile.durationS}), got ${a.atS}` });
    if (a.kind === 'tampered-character') {
      if (a.group >= groupCount) issues.push({ path: `${path}.group`, message: `the profile has ${groupCount} groups (0-${groupCount - 1}), got ${a.group}` });
      return;
    }
    if (a.friend >= profile.peers) issues.push({ path: `${path}.friend`, message: `peer index ${a.friend} is out of range: the profile has ${profile.peers} peers (0-${profile.peers - 1})` });
    const colluders = expandOrNull(a.colluders, profile.peers, expand);
    if (!colluders) issues.push({ path: `${path}.colluders`, message: `peer indexes must be within 0-${profile.peers - 1}, lower first` });
    else if (colluders.includes(a.friend)) issues.push({ path: `${path}.colluders`, message: `the friend (${a.friend}) cannot be one of its own witnesses: a door never counts the owner` });
  });
  return issues;
}

/** The peers `set` names, or null when it names one outside 0..peers-1 or a range backwards. */
export function expandOrNull(set: PeerSet, peers: number, expand: (set: PeerSet) => number[]): number[] | null {
  const ranges: number[][] = Array.isArray(set) ? set.map((i) => [i, i]) : set.split(',').map((part) => part.split('-').map((x) => Number(x.trim())));
  const valid = ranges.length > 0 && ranges.every(([lo = -1, hi = lo]) => lo >= 0 && hi >= lo && hi < peers);
  return valid ? expand(set) : null;
}
