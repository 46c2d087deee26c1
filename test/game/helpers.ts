import { encodeUpdate, type Game, type GameUpdate, type RoundUpdate } from '../../src/game/index.js';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function upd(dx: number, dy: number, action: GameUpdate['action'] = { kind: 'none' }): Uint8Array {
  return encodeUpdate({ dx, dy, action });
}

export const idle = (): Uint8Array => upd(0, 0);
export const attack = (target: number, dx = 0, dy = 0): Uint8Array => upd(dx, dy, { kind: 'attack', target });
export const take = (dx = 0, dy = 0): Uint8Array => upd(dx, dy, { kind: 'take-chest' });

const step = (d: number): number => Math.max(-4, Math.min(4, d));

/**
 * Walks the given members to their target tiles with plain moves, one round at a time starting at
 * `round`; returns the next unused round. The game has no "teleport", so tests set up positions
 * the way players would.
 */
export function walkTo(game: Game, targets: ReadonlyMap<number, { x: number; y: number }>, round: number): number {
  let r = round;
  for (;;) {
    const members = game.snapshot().members;
    const updates: RoundUpdate[] = [];
    for (const [member, t] of targets) {
      const m = members[member];
      if (m === undefined) throw new Error(`no member ${member}`);
      if (m.x !== t.x || m.y !== t.y) updates.push({ member, payload: upd(step(t.x - m.x), step(t.y - m.y)) });
    }
    if (updates.length === 0) return r;
    game.applyRound(r++, updates);
  }
}

/** Tiles within Chebyshev distance `d` of (x, y) that lie inside the world, row by row. */
export function tilesAround(x: number, y: number, d: number, worldSize: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let ty = y - d; ty <= y + d; ty++) {
    for (let tx = x - d; tx <= x + d; tx++) {
      if (tx >= 0 && ty >= 0 && tx < worldSize && ty < worldSize) out.push({ x: tx, y: ty });
    }
  }
  return out;
}
