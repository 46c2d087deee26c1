/**
 * The numbers that define the game. Every replica must use the same ones: a change here changes
 * every state hash, so it comes with a new state-hash tag version (see state.ts).
 */

/** Largest move per axis in one round, in tiles. */
export const MAX_STEP = 4;
export const START_HP = 100;
export const ATTACK_DAMAGE = 10;
/** Chebyshev distance within which an attack lands. */
export const ATTACK_RANGE = 2;
/** Chebyshev distance within which a chest can be taken. */
export const CHEST_RANGE = 1;
export const CHEST_GOLD = 100;

export const DEFAULT_WORLD_SIZE = 64;
export const DEFAULT_CHESTS = 1;

// Coordinates and member indices travel as u16 in updates and in the state encoding.
export const MAX_WORLD_SIZE = 0xffff;
export const MAX_MEMBERS = 0xffff;
// The state encoding carries the chest count in one byte.
export const MAX_CHESTS = 0xff;

/** Chebyshev (king-move) distance: a square "within d" region, which integer grids make exact. */
export function chebyshev(ax: number, ay: number, bx: number, by: number): number {
  return Math.max(Math.abs(ax - bx), Math.abs(ay - by));
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
