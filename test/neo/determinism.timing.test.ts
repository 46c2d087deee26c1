import { describe, expect, it } from 'vitest';
import { runNeoGroup } from '../../src/loadtest/index.js';

describe('a run repeats from its seed', () => {
  it('the same seed gives the same identities, bot moves and game states; another seed does not', async () => {
    const options = { members: 4, rounds: 40, roundMs: 40, stateHashEvery: 5, shaping: () => ({ default: { delay: { kind: 'constant' as const, ms: 5 } } }) };
    const a = await runNeoGroup({ ...options, seed: 'repeat' });
    const b = await runNeoGroup({ ...options, seed: 'repeat' });
    const c = await runNeoGroup({ ...options, seed: 'other' });
    const hashes = (r: typeof a) => [...(r.members[0]?.checkpoints.entries() ?? [])];
    expect(hashes(a)).toHaveLength(8);
    expect(hashes(b)).toEqual(hashes(a));
    expect(hashes(c)).not.toEqual(hashes(a));
    expect(b.chestOwners).toEqual(a.chestOwners);
  });
});
