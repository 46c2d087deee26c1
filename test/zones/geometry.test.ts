import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/index.js';
import {
  allZones,
  distanceToRect,
  leafRect,
  quadrantOf,
  quarter,
  rectContains,
  rectsTouch,
  worldProblems,
  zoneAt,
  type Quadrant,
  type Rect,
  type WorldDefinition,
  type ZoneDefinition,
} from '../../src/zones/index.js';

const QUADRANTS: readonly Quadrant[] = [0, 1, 2, 3];
const rect = (x: number, y: number, width: number, height: number): Rect => ({ x, y, width, height });
const area = (r: Rect) => r.width * r.height;

/** Random rects, odd and even sizes, down to one tile across; the same ones every run. */
function randomRects(count: number, minSide = 1): Rect[] {
  const rng = createRng(7).fork('zones-geometry');
  return Array.from({ length: count }, () => rect(rng.int(100), rng.int(100), minSide + rng.int(40 - minSide), minSide + rng.int(40 - minSide)));
}

describe('quarters', () => {
  it('tile the rect exactly, odd sizes included, and quadrantOf names the quarter holding each tile', () => {
    const mismatches: string[] = [];
    for (const r of randomRects(300)) {
      const quarters = QUADRANTS.map((q) => quarter(r, q));
      expect(quarters.reduce((sum, q) => sum + area(q), 0), JSON.stringify(r)).toBe(area(r));
      for (let py = r.y; py < r.y + r.height; py++) {
        for (let px = r.x; px < r.x + r.width; px++) {
          const holders = QUADRANTS.filter((q) => rectContains(quarters[q] as Rect, px, py));
          if (holders.length !== 1 || holders[0] !== quadrantOf(r, px, py)) mismatches.push(`${JSON.stringify(r)} (${px}, ${py}): in ${holders.join()}`);
        }
      }
    }
    // Areas sum to the rect's and each tile is in exactly one quarter: the quarters tile it.
    expect(mismatches).toEqual([]);
  });

  it('give the odd tile to the high side and put the split line on the high side', () => {
    const r = rect(10, 20, 5, 3);
    expect(QUADRANTS.map((q) => quarter(r, q))).toEqual([rect(10, 20, 2, 1), rect(12, 20, 3, 1), rect(10, 21, 2, 2), rect(12, 21, 3, 2)]);
    expect(quadrantOf(r, 12, 21)).toBe(3);
    expect(quadrantOf(r, 11, 20)).toBe(0);
    // One tile wide: the low quarters are empty and every tile is on the high side.
    expect(quarter(rect(0, 0, 1, 1), 0)).toEqual(rect(0, 0, 0, 0));
    expect(quadrantOf(rect(0, 0, 1, 1), 0, 0)).toBe(3);
  });

  it('count a point outside the rect in the nearest quarter', () => {
    const r = rect(10, 10, 8, 6);
    expect(quadrantOf(r, -5, -5)).toBe(0);
    expect(quadrantOf(r, 100, 0)).toBe(1);
    expect(quadrantOf(r, 0, 15)).toBe(2);
    expect(quadrantOf(r, 30, 30)).toBe(3);
    const rng = createRng(3).fork('outside');
    for (const box of randomRects(200, 2)) {
      const px = box.x - 50 + rng.int(box.width + 100);
      const py = box.y - 50 + rng.int(box.height + 100);
      const distances = QUADRANTS.map((q) => distanceToRect(quarter(box, q), px, py));
      expect(distances[quadrantOf(box, px, py)], `${JSON.stringify(box)} (${px}, ${py})`).toBe(Math.min(...distances));
    }
  });
});

describe('leafRect', () => {
  const zone = rect(0, 0, 13, 7);
  it('quarters the zone along the path', () => {
    expect(leafRect(zone, '')).toEqual(zone);
    expect(leafRect(zone, '03')).toEqual(quarter(quarter(zone, 0), 3));
    expect(leafRect(zone, '3210')).toEqual(quarter(quarter(quarter(quarter(zone, 3), 2), 1), 0));
  });

  it('nests each leaf inside its parent, and the leaves of one depth tile the zone', () => {
    const paths = QUADRANTS.flatMap((a) => QUADRANTS.map((b) => `${a}${b}`));
    for (const path of paths) {
      const leaf = leafRect(zone, path);
      const parent = leafRect(zone, path.slice(0, -1));
      expect(leaf.x >= parent.x && leaf.y >= parent.y && leaf.x + leaf.width <= parent.x + parent.width && leaf.y + leaf.height <= parent.y + parent.height, path).toBe(true);
    }
    expect(paths.reduce((sum, p) => sum + area(leafRect(zone, p)), 0)).toBe(area(zone));
    for (let py = 0; py < zone.height; py++) {
      for (let px = 0; px < zone.width; px++) expect(paths.filter((p) => rectContains(leafRect(zone, p), px, py))).toHaveLength(1);
    }
  });

  it('refuses a path with another character than 0-3', () => {
    expect(() => leafRect(zone, '04')).toThrow(RangeError);
    expect(() => leafRect(zone, '1a')).toThrow(/has "a" at 1/);
    expect(() => leafRect(zone, ' ')).toThrow(RangeError);
  });
});

describe('distanceToRect', () => {
  const r = rect(10, 10, 5, 5);
  it('is 0 inside and counts tiles to the nearest tile outside, Chebyshev', () => {
    expect(distanceToRect(r, 10, 10)).toBe(0);
    expect(distanceToRect(r, 14, 14)).toBe(0);
    expect(distanceToRect(r, 15, 12)).toBe(1);
    expect(distanceToRect(r, 7, 12)).toBe(3);
    expect(distanceToRect(r, 12, 30)).toBe(16);
    expect(distanceToRect(r, 8, 19)).toBe(5);
    expect(distanceToRect(r, 16, 16)).toBe(2);
  });
});

describe('rectsTouch', () => {
  const a = rect(0, 0, 4, 4);
  it('is true for rects sharing an edge segment or overlapping', () => {
    expect(rectsTouch(a, rect(4, 0, 4, 4))).toBe(true);
    expect(rectsTouch(a, rect(2, 4, 9, 1))).toBe(true);
    expect(rectsTouch(a, rect(4, 3, 2, 10))).toBe(true);
    expect(rectsTouch(a, rect(1, 1, 1, 1))).toBe(true);
    expect(rectsTouch(a, rect(3, 3, 5, 5))).toBe(true);
  });

  it('is false for rects meeting only at a corner, and for rects apart', () => {
    expect(rectsTouch(a, rect(4, 4, 4, 4))).toBe(false);
    expect(rectsTouch(a, rect(-2, -2, 2, 2))).toBe(false);
    expect(rectsTouch(a, rect(5, 0, 4, 4))).toBe(false);
    expect(rectsTouch(a, rect(6, 6, 4, 4))).toBe(false);
  });

  it('is symmetric, and sibling leaves touch except across the diagonal', () => {
    for (const b of randomRects(100)) expect(rectsTouch(a, b)).toBe(rectsTouch(b, a));
    const z = rect(0, 0, 9, 9);
    expect(rectsTouch(quarter(z, 0), quarter(z, 1))).toBe(true);
    expect(rectsTouch(quarter(z, 0), quarter(z, 2))).toBe(true);
    expect(rectsTouch(quarter(z, 0), quarter(z, 3))).toBe(false);
    expect(rectsTouch(quarter(z, 1), quarter(z, 2))).toBe(false);
  });
});

function zone(id: string, r: Rect, zones: ZoneDefinition[] = [], over: Partial<ZoneDefinition> = {}): ZoneDefinition {
  return { id, rect: r, maxGroup: 8, minGroup: 3, maxDepth: 3, zones, ...over };
}

/** A field with a building whose two floors are disjoint rectangles, leaving a hall that is neither. */
const ground = zone('ground-floor', rect(64, 64, 16, 16));
const upper = zone('upper-floor', rect(80, 64, 16, 16));
const building = zone('building', rect(64, 64, 32, 32), [ground, upper]);
const field = zone('field', rect(0, 0, 256, 256), [building]);
const lake = zone('lake', rect(256, 0, 32, 32));
const world: WorldDefinition = { width: 300, height: 256, aoiRadius: 8, zones: [field, lake] };

describe('zones of a world', () => {
  it('lists every zone depth first, parents before children', () => {
    expect(allZones(world).map((z) => z.id)).toEqual(['field', 'building', 'ground-floor', 'upper-floor', 'lake']);
  });

  it('finds the innermost zone holding a point, with its ancestors outermost first', () => {
    expect(zoneAt(world, 10, 10)).toEqual({ zone: field, ancestors: [] });
    expect(zoneAt(world, 70, 70)).toEqual({ zone: ground, ancestors: [field, building] });
    expect(zoneAt(world, 80, 79)).toEqual({ zone: upper, ancestors: [field, building] });
    expect(zoneAt(world, 70, 90)).toEqual({ zone: building, ancestors: [field] });
    expect(zoneAt(world, 96, 64)).toEqual({ zone: field, ancestors: [] });
    expect(zoneAt(world, 260, 5)).toEqual({ zone: lake, ancestors: [] });
    expect(zoneAt(world, 290, 100)).toBeNull();
  });
});

describe('worldProblems', () => {
  const withZones = (zones: ZoneDefinition[], over: Partial<WorldDefinition> = {}): WorldDefinition => ({ ...world, zones, ...over });
  const paths = (w: WorldDefinition) => worldProblems(w).map((p) => p.path);

  it('finds nothing wrong with a valid world', () => {
    expect(worldProblems(world)).toEqual([]);
    expect(worldProblems(withZones([]))).toEqual([]);
  });

  it('wants ids non-empty, of a-z, 0-9 and -, and unique across the whole tree', () => {
    expect(paths(withZones([zone('', rect(0, 0, 8, 8))]))).toEqual(['world.zones[0].id']);
    expect(worldProblems(withZones([zone('Field', rect(0, 0, 8, 8))]))).toEqual([{ path: 'world.zones[0].id', message: '"Field": a zone id is one or more of a-z, 0-9 and -' }]);
    expect(worldProblems(withZones([zone('a', rect(0, 0, 64, 64), [zone('b', rect(0, 0, 8, 8)), zone('a', rect(8, 0, 8, 8))])]))).toEqual([
      { path: 'world.zones[0].zones[1].id', message: '"a" is already the id of world.zones[0]' },
    ]);
  });

  it('wants every rect of whole tiles, at least one tile across, inside the world', () => {
    expect(paths(withZones([zone('a', rect(0, 0, 0, 8))]))).toEqual(['world.zones[0].rect']);
    expect(worldProblems(withZones([zone('a', rect(0, 0.5, 8, 8))]))[0]?.message).toMatch(/expected integers/);
    expect(worldProblems(withZones([zone('a', rect(290, 0, 16, 16))]))).toEqual([{ path: 'world.zones[0].rect', message: '[290, 0, 16, 16] must lie inside the world [0, 0, 300, 256]' }]);
    expect(paths(withZones([zone('a', rect(-1, 0, 16, 16))]))).toEqual(['world.zones[0].rect']);
  });

  it('wants a nested zone inside its parent, and sibling zones disjoint', () => {
    const leaking = zone('building', rect(64, 64, 32, 32), [zone('floor', rect(90, 64, 16, 16))]);
    expect(worldProblems(withZones([zone('field', rect(0, 0, 256, 256), [leaking])]))).toEqual([
      { path: 'world.zones[0].zones[0].zones[0].rect', message: '[90, 64, 16, 16] must lie inside its parent zone "building" [64, 64, 32, 32]' },
    ]);
    expect(worldProblems(withZones([zone('a', rect(0, 0, 64, 64)), zone('b', rect(100, 0, 8, 8)), zone('c', rect(63, 63, 8, 8))]))).toEqual([
      { path: 'world.zones[2].rect', message: 'overlaps world.zones[0] ("a"): sibling zones must be disjoint' },
    ]);
    expect(paths(withZones([zone('a', rect(0, 0, 64, 64), [zone('b', rect(0, 0, 32, 32)), zone('c', rect(16, 16, 32, 32))])]))).toEqual(['world.zones[0].zones[1].rect']);
  });

  it('wants 1 <= minGroup <= maxGroup', () => {
    const r = rect(0, 0, 64, 64);
    expect(paths(withZones([zone('a', r, [], { minGroup: 0 })]))).toEqual(['world.zones[0].minGroup']);
    expect(paths(withZones([zone('a', r, [], { maxGroup: 0, minGroup: 1 })]))).toEqual(['world.zones[0].maxGroup']);
    expect(worldProblems(withZones([zone('a', r, [], { maxGroup: 4, minGroup: 5 })]))).toEqual([{ path: 'world.zones[0].minGroup', message: 'minGroup (5) must be <= maxGroup (4)' }]);
    expect(worldProblems(withZones([zone('a', r, [], { maxGroup: 4, minGroup: 4 })]))).toEqual([]);
  });

  it('wants 0 <= maxDepth <= 8, and a leaf at maxDepth at least one tile wide and high', () => {
    const r = rect(0, 0, 256, 256);
    expect(paths(withZones([zone('a', r, [], { maxDepth: 9 })]))).toEqual(['world.zones[0].maxDepth']);
    expect(paths(withZones([zone('a', r, [], { maxDepth: -1 })]))).toEqual(['world.zones[0].maxDepth']);
    expect(worldProblems(withZones([zone('a', r, [], { maxDepth: 8 }), zone('b', rect(256, 0, 8, 8), [], { maxDepth: 0 })]))).toEqual([]);
    expect(worldProblems(withZones([zone('a', rect(0, 0, 64, 7), [], { maxDepth: 3 })]))).toEqual([
      { path: 'world.zones[0].maxDepth', message: expect.stringMatching(/^a leaf at depth 3 of a 64 x 7 zone would be less than one tile wide or high/) },
    ]);
    expect(worldProblems(withZones([zone('a', rect(0, 0, 64, 8), [], { maxDepth: 3 })]))).toEqual([]);
  });

  it('wants the world of whole tiles and aoiRadius >= 0', () => {
    expect(paths(withZones([], { aoiRadius: -1 }))).toEqual(['world.aoiRadius']);
    expect(paths(withZones([], { width: 0, height: 2.5 }))).toEqual(['world.width', 'world.height']);
  });
});
