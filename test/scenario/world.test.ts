import { describe, expect, it } from 'vitest';
import { parseProfile, ProfileError } from '../../src/scenario/profile.js';
import { planWorld } from '../../src/scenario/world.js';
import { leafArea, rectContains, zoneOf } from '../../src/zones/index.js';

const profile = (peers: number, maxGroup: number, maxDepth: number) =>
  parseProfile(
    `peers: ${peers}\ndurationS: 5\nneo: { groupSize: 12 }\nworld:\n  width: 256\n  height: 128\n  zones:\n    - { id: west, rect: [0, 0, 128, 128], maxGroup: ${maxGroup}, minGroup: 2, maxDepth: ${maxDepth}, zones: [{ id: hall, rect: [32, 32, 32, 32], maxGroup: 3, minGroup: 1, maxDepth: 1 }] }\n    - { id: east, rect: [128, 0, 128, 128], maxGroup: ${maxGroup}, minGroup: 2, maxDepth: ${maxDepth} }\n`,
    'w.yaml',
  );

describe('planWorld: where the players of a world start', () => {
  it('puts every player in exactly one initial leaf that covers its spawn, in its innermost zone, cut down to maxGroup', () => {
    const p = profile(60, 5, 3);
    const world = p.world!;
    const leaves = planWorld(p, world);
    const seen = leaves.flatMap((l) => l.peers);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const l of leaves) {
      expect(l.peers.length <= 5 || l.leaf.path.length === 3 || (l.leaf.zoneId === 'hall' && l.leaf.path.length === 1)).toBe(true);
      l.spawns.forEach((at) => {
        expect(zoneOf(world, at.x, at.y)?.id).toBe(l.leaf.zoneId);
        expect(rectContains(leafArea(world, l.leaf), at.x, at.y)).toBe(true);
      });
      expect(l.region).toBe(l.leaf.zoneId === 'east' ? 1 : 0);
    }
    // The same seed, the same plan.
    expect(planWorld(p, world)).toEqual(leaves);
  });

  it('refuses a start that crowds more players into a leaf at maxDepth than a group has seats', () => {
    const p = profile(200, 5, 0);
    expect(() => planWorld(p, p.world!)).toThrow(ProfileError);
  });
});
