import { sha256 } from '../crypto/index.js';
import { chebyshev } from '../game/index.js';
import { createRng, type RngSeed } from '../random/index.js';
import { decodeOrNull, encodeWith, enumU8, list, struct, u16, u32, u8, type Infer } from '../wire/index.js';

/**
 * Monster AI, the first game process (SPEC §7; docs/compute.md, "Monster AI"): the monsters of one
 * area step once per epoch from their state, the area's seed and the positions of the players near
 * them as the group agreed them. Integer arithmetic and a PRNG forked from the seed, the epoch and
 * the monster: every executor that runs a step on the same inputs gets the same bytes, so results
 * are compared by digest and a wrong one is proven by running the step again.
 */

/** The most monsters one area holds: a step's state and events stay within a few datagrams. */
export const MAX_MONSTERS = 32;
/** The most players one step sees (a group's view holds at most 32). */
export const MAX_STEP_PLAYERS = 32;
/** A monster chases the nearest player within this many tiles (Chebyshev) and bites one beside it. */
export const AGGRO_TILES = 6;
/** A bite takes 1..MAX_BITE hit points. */
export const MAX_BITE = 6;
/** A player's blow takes this many hit points from the monster it attacks, when beside it. */
export const PLAYER_BLOW = 10;

const MonsterCodec = struct({ id: u16, x: u16, y: u16, hp: u16, treasure: u16 });
export type Monster = Infer<typeof MonsterCodec>;
export const MonstersCodec = list(MonsterCodec, MAX_MONSTERS);

/** A player as the step sees it: its seat and agreed position, and the monster it attacks this epoch (0: none; else id + 1). */
const StepPlayerCodec = struct({ seat: u8, x: u16, y: u16, attacks: u16 });
export type StepPlayer = Infer<typeof StepPlayerCodec>;
export const StepInputsCodec = struct({ epoch: u32, players: list(StepPlayerCodec, MAX_STEP_PLAYERS) });
export type StepInputs = Infer<typeof StepInputsCodec>;

/** What a step did: a monster bit a player, or died and dropped its treasure to the player whose blow killed it. */
const StepEventCodec = struct({ kind: enumU8(['bite', 'drop']), monster: u16, seat: u8, amount: u16 });
export type StepEvent = Infer<typeof StepEventCodec>;
export const StepResultCodec = struct({ monsters: MonstersCodec, events: list(StepEventCodec, MAX_MONSTERS * 2) });

export interface StepResult {
  readonly monsters: readonly Monster[];
  readonly events: readonly StepEvent[];
}

/** The monsters an area starts with (and is reset to): `count` of them at seeded places in its rectangle, each with some treasure. */
export function spawnMonsters(seed: RngSeed, count: number, area: { readonly x: number; readonly y: number; readonly w: number; readonly h: number }): Monster[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_MONSTERS) throw new RangeError(`spawnMonsters: count must be an integer in [0, ${MAX_MONSTERS}], got ${count}`);
  for (const [name, v] of Object.entries(area)) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 0xffff || ((name === 'w' || name === 'h') && v < 1)) throw new RangeError(`spawnMonsters: area.${name} must be an integer tile count, got ${v}`);
  }
  const rng = createRng(seed).fork('monsters');
  return Array.from({ length: count }, (_, id) => ({ id, x: area.x + rng.int(area.w), y: area.y + rng.int(area.h), hp: 30 + rng.int(31), treasure: 10 + rng.int(91) }));
}

/**
 * One epoch of the area's monsters, in id order: a monster beside players takes their blows (the
 * last blow that brings it to 0 kills it; its treasure goes to that player's seat), else bites the
 * nearest one beside it, else walks a tile toward the nearest within AGGRO_TILES (ties: lower seat).
 * Throws on inputs this code would not send (a programmer's error); remote inputs are decoded first.
 */
export function stepMonsters(seed: RngSeed, monsters: readonly Monster[], inputs: StepInputs): StepResult {
  if (monsters.length > MAX_MONSTERS || inputs.players.length > MAX_STEP_PLAYERS) throw new RangeError('stepMonsters: too many monsters or players');
  const players = [...inputs.players].sort((a, b) => a.seat - b.seat);
  const events: StepEvent[] = [];
  const next: Monster[] = [];
  for (const m of [...monsters].sort((a, b) => a.id - b.id)) {
    if (m.hp === 0) continue;
    let hp = m.hp;
    let killer: number | null = null;
    for (const p of players) {
      if (p.attacks !== m.id + 1 || chebyshev(p.x, p.y, m.x, m.y) > 1 || hp === 0) continue;
      hp = Math.max(0, hp - PLAYER_BLOW);
      if (hp === 0) killer = p.seat;
    }
    if (killer !== null) {
      events.push({ kind: 'drop', monster: m.id, seat: killer, amount: m.treasure });
      continue;
    }
    const nearest = nearestPlayer(players, m);
    let { x, y } = m;
    if (nearest && chebyshev(nearest.x, nearest.y, x, y) <= 1) {
      const bite = 1 + createRng(seed).fork(`bite:${inputs.epoch}:${m.id}`).int(MAX_BITE);
      events.push({ kind: 'bite', monster: m.id, seat: nearest.seat, amount: bite });
    } else if (nearest) {
      x += Math.sign(nearest.x - x);
      y += Math.sign(nearest.y - y);
    }
    next.push({ ...m, x, y, hp });
  }
  return { monsters: next, events };
}

function nearestPlayer(players: readonly StepPlayer[], m: Monster): StepPlayer | null {
  let best: StepPlayer | null = null;
  let bestDistance = AGGRO_TILES + 1;
  for (const p of players) {
    const d = chebyshev(p.x, p.y, m.x, m.y);
    if (d < bestDistance) {
      best = p;
      bestDistance = d;
    }
  }
  return best;
}

/** A step's result as bytes: what executors sign a digest of and verifiers compare. */
export function encodeStepResult(result: StepResult): Uint8Array {
  return encodeWith(StepResultCodec, { monsters: [...result.monsters], events: [...result.events] });
}

/** The result `bytes` carry, or null when they are not one canonical step result (remote input never throws). */
export function decodeStepResult(bytes: Uint8Array): StepResult | null {
  return decodeOrNull(StepResultCodec, bytes);
}

/** SHA-256 of the encoded result. */
export function stepResultDigest(result: StepResult): Uint8Array {
  return sha256(encodeStepResult(result));
}
