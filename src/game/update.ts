import { decodeOrNull, encodeWith, enumU8, struct, u16, u8 } from '../wire/index.js';
import { MAX_MEMBERS, MAX_STEP } from './rules.js';

export type GameAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'attack'; readonly target: number }
  | { readonly kind: 'take-chest' };

export type GameActionKind = GameAction['kind'];

/** What one member does in one round: a move, then an action. */
export interface GameUpdate {
  /** Tiles along x, an integer in [-MAX_STEP, MAX_STEP]. */
  readonly dx: number;
  /** Tiles along y, an integer in [-MAX_STEP, MAX_STEP]. */
  readonly dy: number;
  readonly action: GameAction;
}

const ACTION_KINDS = ['none', 'attack', 'take-chest'] as const;

// Every update has the same size on purpose: NEO commits to the update by sending it encrypted a
// round early, and a length that depended on the action would tell everyone "an attack is coming"
// before the key is revealed. The wire has no signed integers, so dx/dy are offset-binary (v + 4).
const updateCodec = struct({
  dx: u8,
  dy: u8,
  action: enumU8(ACTION_KINDS),
  // Always present so the size is fixed; must be 0 unless the action is an attack, which keeps the
  // encoding canonical (one byte string per update).
  target: u16,
});

/** The encoded size of every update. */
export const GAME_UPDATE_BYTES = updateCodec.minSize;

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function checkStep(name: 'dx' | 'dy', v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`encodeUpdate: ${name} must be an integer, got ${describe(v)}`);
  if (v < -MAX_STEP || v > MAX_STEP) throw new RangeError(`encodeUpdate: ${name} must be in [-${MAX_STEP}, ${MAX_STEP}], got ${v}`);
  return v;
}

export function encodeUpdate(update: GameUpdate): Uint8Array {
  if (typeof update !== 'object' || update === null) throw new TypeError(`encodeUpdate: expected an update object, got ${describe(update)}`);
  const dx = checkStep('dx', update.dx);
  const dy = checkStep('dy', update.dy);
  const action: unknown = update.action;
  if (typeof action !== 'object' || action === null) throw new TypeError(`encodeUpdate: action must be an object, got ${describe(action)}`);
  const kind = (action as { kind?: unknown }).kind;
  let target = 0;
  if (kind === 'attack') {
    const t = (action as { target?: unknown }).target;
    if (typeof t !== 'number' || !Number.isInteger(t)) throw new TypeError(`encodeUpdate: attack target must be an integer, got ${describe(t)}`);
    if (t < 0 || t >= MAX_MEMBERS) throw new RangeError(`encodeUpdate: attack target must be in [0, ${MAX_MEMBERS - 1}], got ${t}`);
    target = t;
  } else if (kind !== 'none' && kind !== 'take-chest') {
    throw new TypeError(`encodeUpdate: action.kind must be one of ${ACTION_KINDS.join('|')}, got ${describe(kind)}`);
  }
  return encodeWith(updateCodec, { dx: dx + MAX_STEP, dy: dy + MAX_STEP, action: kind, target });
}

/**
 * The update carried by `bytes`, or null when they are not exactly one canonical update. Remote
 * bytes never throw; only a non-Uint8Array argument (a programmer error) does.
 */
export function decodeUpdate(bytes: Uint8Array): GameUpdate | null {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeUpdate: expected a Uint8Array, got ${describe(bytes)}`);
  const raw = decodeOrNull(updateCodec, bytes);
  if (!raw) return null;
  if (raw.dx > 2 * MAX_STEP || raw.dy > 2 * MAX_STEP) return null;
  // MAX_MEMBERS itself is not a member index; refusing it keeps decode the exact inverse of encode.
  if (raw.action === 'attack' ? raw.target >= MAX_MEMBERS : raw.target !== 0) return null;
  const dx = raw.dx - MAX_STEP;
  const dy = raw.dy - MAX_STEP;
  const action: GameAction = raw.action === 'attack' ? { kind: 'attack', target: raw.target } : { kind: raw.action };
  return { dx, dy, action };
}
