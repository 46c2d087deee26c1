import fc from 'fast-check';
import type { GameAction, GameUpdate } from '../../src/game/index.js';

/** Updates attacking targets in [0, maxTarget]; pass a small bound to hit real members. */
export function arbitraryUpdate(maxTarget = 65534): fc.Arbitrary<GameUpdate> {
  const step = fc.integer({ min: -4, max: 4 });
  const action: fc.Arbitrary<GameAction> = fc.oneof(
    fc.constant({ kind: 'none' } as const),
    fc.constant({ kind: 'take-chest' } as const),
    fc.integer({ min: 0, max: maxTarget }).map((target) => ({ kind: 'attack', target }) as const),
  );
  return fc.record({ dx: step, dy: step, action });
}
