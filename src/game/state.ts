import { bool, decodeWith, encodeWith, list, optional, struct, u16, u32, u64, u8 } from '../wire/index.js';
import { MAX_CHESTS, MAX_MEMBERS } from './rules.js';

export interface MemberState {
  /** Integer in [0, worldSize). */
  readonly x: number;
  /** Integer in [0, worldSize). */
  readonly y: number;
  /** Integer in [0, START_HP]; 0 exactly when dead. */
  readonly hp: number;
  readonly alive: boolean;
  readonly gold: number;
}

export interface ChestState {
  readonly x: number;
  readonly y: number;
  /** Member index of the owner, or -1 while the chest is free. */
  readonly owner: number;
}

/** A plain copy of everything the state hash covers. */
export interface GameSnapshot {
  /** The last round applied, or -1 before the first. */
  readonly round: number;
  readonly worldSize: number;
  readonly members: readonly MemberState[];
  readonly chests: readonly ChestState[];
}

/**
 * Hashes for different purposes start with different ASCII tags (see src/crypto/hash.ts), so a
 * state hash can never be passed off as any other digest. Bump the version with any rule change.
 */
export const STATE_HASH_TAG = new TextEncoder().encode('p2p-mmog/game-state/v1');

const stateCodec = struct({
  round: optional(u64),
  worldSize: u16,
  members: list(struct({ x: u16, y: u16, hp: u8, alive: bool, gold: u32 }), MAX_MEMBERS),
  // Owner + 1 so that "free" is 0: the wire has no signed integers.
  chests: list(struct({ x: u16, y: u16, owner: u16 }), MAX_CHESTS),
});

/** The canonical byte encoding of a state (docs/game.md, "State hash"), without the tag. */
export function encodeState(s: GameSnapshot): Uint8Array {
  return encodeWith(stateCodec, {
    round: s.round < 0 ? null : BigInt(s.round),
    worldSize: s.worldSize,
    members: s.members.map((m) => ({ x: m.x, y: m.y, hp: m.hp, alive: m.alive, gold: m.gold })),
    chests: s.chests.map((c) => ({ x: c.x, y: c.y, owner: c.owner + 1 })),
  });
}

/** The state `encodeState` wrote; throws DecodeError on bytes that are not one (remote input: catch it). */
export function decodeState(bytes: Uint8Array): GameSnapshot {
  const raw = decodeWith(stateCodec, bytes);
  return {
    round: raw.round === null ? -1 : Number(raw.round),
    worldSize: raw.worldSize,
    members: raw.members.map((m) => ({ ...m })),
    chests: raw.chests.map((c) => ({ x: c.x, y: c.y, owner: c.owner - 1 })),
  };
}
