import type { GroupDivision } from '../groups/index.js';
import { leafRect, quadrantOf, rectContains, zoneAt, type Rect, type WorldDefinition, type ZoneDefinition } from './geometry.js';

/** A quadtree leaf: a zone and the path of quarters from the zone's rect down to the leaf. */
export interface LeafAddress {
  readonly zoneId: string;
  /** Digits 0–3 ('' is the zone's root leaf). */
  readonly path: string;
}

export function leafKey(leaf: LeafAddress): string {
  return `${leaf.zoneId}/${leaf.path}`;
}

export function sameLeaf(a: LeafAddress, b: LeafAddress): boolean {
  return a.zoneId === b.zoneId && a.path === b.path;
}

/**
 * A leaf's division rule (src/groups GroupDivision): more than `maxGroup` players and room to go
 * deeper split it into its four quarters, each agreed position going to the quarter that covers it.
 */
export function leafDivision(zone: ZoneDefinition, path: string, siblings?: SiblingCount): GroupDivision {
  const rect = leafRect(zone.rect, path);
  const parent = path.slice(0, -1);
  return {
    shouldDivide: (members) => members > zone.maxGroup && path.length < zone.maxDepth,
    partOf: (x, y) => quadrantOf(rect, x, y),
    divided: (part) => leafDivision(zone, `${path}${part}`, siblings),
    // Four sibling leaves holding fewer than minGroup players together fold back into their parent.
    wantsCollapse: () => {
      if (path.length === 0 || !siblings) return false;
      const under = siblings(zone.id, parent);
      return under.leavesOnly && under.players < zone.minGroup;
    },
    mayCollapse: (members) => path.length > 0 && members < zone.minGroup,
    collapsed: () => leafDivision(zone, parent, siblings),
  };
}

/** Players in the leaves below `path` of a zone, and whether those are all its direct children (no deeper split to undo first). */
export type SiblingCount = (zoneId: string, path: string) => { readonly players: number; readonly leavesOnly: boolean };

/** The zone a position belongs to: the innermost zone whose rect holds it (a building's players are not the field's). */
export function zoneOf(world: WorldDefinition, x: number, y: number): ZoneDefinition | null {
  return zoneAt(world, x, y)?.zone ?? null;
}

/** Whether a player at (x, y) belongs to `leaf`: inside its rect, and not inside a zone nested in the leaf's zone. */
export function leafHolds(world: WorldDefinition, leaf: LeafAddress, x: number, y: number): boolean {
  const zone = zoneOf(world, x, y);
  return zone !== null && zone.id === leaf.zoneId && rectContains(leafRect(zone.rect, leaf.path), x, y);
}

/** The zone of a leaf address, or null when the world has no such zone. */
export function zoneById(world: WorldDefinition, zoneId: string): ZoneDefinition | null {
  const walk = (zones: readonly ZoneDefinition[]): ZoneDefinition | null => {
    for (const z of zones) {
      if (z.id === zoneId) return z;
      const inner = walk(z.zones);
      if (inner) return inner;
    }
    return null;
  };
  return walk(world.zones);
}

/** The rect a leaf covers. */
export function leafArea(world: WorldDefinition, leaf: LeafAddress): Rect {
  const zone = zoneById(world, leaf.zoneId);
  if (!zone) throw new RangeError(`no zone "${leaf.zoneId}" in the world`);
  return leafRect(zone.rect, leaf.path);
}

/** The ids of zone `zoneId` and of every zone nested in it (empty for an unknown id): where its zone-wide events go. */
export function zoneAndNested(world: WorldDefinition, zoneId: string): Set<string> {
  const out = new Set<string>();
  const visit = (zone: ZoneDefinition): void => {
    out.add(zone.id);
    for (const inner of zone.zones) visit(inner);
  };
  const zone = zoneById(world, zoneId);
  if (zone) visit(zone);
  return out;
}
