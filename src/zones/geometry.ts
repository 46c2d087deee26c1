/**
 * World and zone geometry (SPEC §5, "Zones and groups"): designer-defined zones are rectangles of
 * tiles, possibly nested (a building, its floors), and each is cut by a quadtree whose leaves are
 * peer groups. Everything here is pure integer arithmetic, so every replica that knows the world
 * definition computes the same leaf for the same position.
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** 0 = low x, low y; 1 = high x, low y; 2 = low x, high y; 3 = high x, high y. */
export type Quadrant = 0 | 1 | 2 | 3;

/** Half-open: x <= px < x + width, y <= py < y + height. */
export function rectContains(r: Rect, px: number, py: number): boolean {
  return px >= r.x && px < r.x + r.width && py >= r.y && py < r.y + r.height;
}

function splitX(r: Rect): number {
  return r.x + Math.floor(r.width / 2);
}

function splitY(r: Rect): number {
  return r.y + Math.floor(r.height / 2);
}

/**
 * The quarter of r covering (px, py); split lines at x + floor(width / 2) and y + floor(height / 2)
 * (a point on the line belongs to the high side); a point outside r counts in the nearest quarter
 * (compare against the split lines only).
 */
export function quadrantOf(r: Rect, px: number, py: number): Quadrant {
  return ((py >= splitY(r) ? 2 : 0) + (px >= splitX(r) ? 1 : 0)) as Quadrant;
}

/** Quarter q of r (the four quarters tile r exactly, also for odd sizes: the high side gets the odd tile). */
export function quarter(r: Rect, q: Quadrant): Rect {
  const lowWidth = splitX(r) - r.x;
  const lowHeight = splitY(r) - r.y;
  const high = { x: (q & 1) !== 0, y: (q & 2) !== 0 };
  return {
    x: high.x ? r.x + lowWidth : r.x,
    y: high.y ? r.y + lowHeight : r.y,
    width: high.x ? r.width - lowWidth : lowWidth,
    height: high.y ? r.height - lowHeight : lowHeight,
  };
}

/**
 * A quadtree leaf's area: the zone's rect quartered along `path`, a string of digits 0-3 ('' = the
 * zone itself, '03' = quarter 3 of quarter 0). Throws RangeError on another character.
 */
export function leafRect(zone: Rect, path: string): Rect {
  let rect = zone;
  for (let i = 0; i < path.length; i++) {
    const digit = path.charCodeAt(i) - 48;
    if (digit < 0 || digit > 3) throw new RangeError(`leafRect: path "${path}" has "${path[i]}" at ${i}; a leaf path is digits 0-3`);
    rect = quarter(rect, digit as Quadrant);
  }
  return rect;
}

/** How far v lies outside the tiles [start, start + size) along one axis (0 inside). */
function axisGap(v: number, start: number, size: number): number {
  return Math.max(start - v, 0, v - (start + size - 1));
}

/**
 * Chebyshev distance from a point to a rect (0 inside), counted in tiles to the rect's nearest
 * tile: the point just past the high edge (x + width) is at distance 1, so distance 0 means inside.
 */
export function distanceToRect(r: Rect, px: number, py: number): number {
  return Math.max(axisGap(px, r.x, r.width), axisGap(py, r.y, r.height));
}

/** Length of the overlap of the two rects' projections on x and on y (negative: a gap). */
function overlapLengths(a: Rect, b: Rect): { readonly x: number; readonly y: number } {
  return {
    x: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    y: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * True when the two rects share an edge segment or overlap (neighbouring leaves). Rects that meet
 * only at a corner do not touch: no player can walk from one into the other without passing a
 * third, and a player near the corner still sees the diagonal leaf through its area of interest
 * (distanceToRect), which is what forwarding positions is for.
 */
export function rectsTouch(a: Rect, b: Rect): boolean {
  const o = overlapLengths(a, b);
  return (o.x > 0 && o.y >= 0) || (o.x >= 0 && o.y > 0);
}

function rectsOverlap(a: Rect, b: Rect): boolean {
  const o = overlapLengths(a, b);
  return o.x > 0 && o.y > 0;
}

function rectInside(inner: Rect, outer: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

export interface ZoneDefinition {
  readonly id: string;
  readonly rect: Rect;
  /** A leaf holding more players splits into four. */
  readonly maxGroup: number;
  /** Four sibling leaves holding fewer players together merge. */
  readonly minGroup: number;
  readonly maxDepth: number;
  /** Nested zones (a building's floors), disjoint, each inside this one. */
  readonly zones: readonly ZoneDefinition[];
}

export interface WorldDefinition {
  readonly width: number;
  readonly height: number;
  /** Area-of-interest radius in tiles (Chebyshev). */
  readonly aoiRadius: number;
  readonly zones: readonly ZoneDefinition[];
}

/** Every zone, depth first, parents before children. */
export function allZones(world: WorldDefinition): ZoneDefinition[] {
  const out: ZoneDefinition[] = [];
  const visit = (zones: readonly ZoneDefinition[]): void => {
    for (const zone of zones) {
      out.push(zone);
      visit(zone.zones);
    }
  };
  visit(world.zones);
  return out;
}

/**
 * The innermost zone whose rect holds (px, py), and its ancestors outermost first; null outside
 * every zone. Siblings are disjoint, so at most one zone per level holds the point.
 */
export function zoneAt(world: WorldDefinition, px: number, py: number): { readonly zone: ZoneDefinition; readonly ancestors: readonly ZoneDefinition[] } | null {
  const holder = (zones: readonly ZoneDefinition[]) => zones.find((z) => rectContains(z.rect, px, py));
  const ancestors: ZoneDefinition[] = [];
  let found: ZoneDefinition | undefined;
  for (let inner = holder(world.zones); inner !== undefined; inner = holder(inner.zones)) {
    if (found) ancestors.push(found);
    found = inner;
  }
  return found ? { zone: found, ancestors } : null;
}

const MAX_ZONE_DEPTH = 8;
const ZONE_ID_RE = /^[a-z0-9-]+$/;

type Problem = { readonly path: string; readonly message: string };
type Report = (path: string, message: string) => void;

function rectText(r: Rect): string {
  return `[${r.x}, ${r.y}, ${r.width}, ${r.height}]`;
}

/** Why a rect is not a positive rect of whole tiles, or null. */
function rectShapeProblem(r: Rect): string | null {
  if (![r.x, r.y, r.width, r.height].every(Number.isInteger)) return `expected integers, got ${rectText(r)}`;
  if (r.width < 1 || r.height < 1) return `width and height must be at least 1, got ${rectText(r)}`;
  return null;
}

function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1;
}

function checkGroupBounds(zone: ZoneDefinition, path: string, report: Report): void {
  for (const key of ['maxGroup', 'minGroup'] as const) if (!isCount(zone[key])) report(`${path}.${key}`, `expected an integer >= 1, got ${zone[key]}`);
  if (isCount(zone.minGroup) && isCount(zone.maxGroup) && zone.minGroup > zone.maxGroup) report(`${path}.minGroup`, `minGroup (${zone.minGroup}) must be <= maxGroup (${zone.maxGroup})`);
}

/** The smallest leaf at depth d is floor(size / 2^d) tiles across (the low quarters get the floor). */
function smallestLeafSide(size: number, depth: number): number {
  return Math.floor(size / 2 ** depth);
}

function checkDepth(zone: ZoneDefinition, path: string, report: Report): void {
  const d = zone.maxDepth;
  if (!Number.isInteger(d) || d < 0 || d > MAX_ZONE_DEPTH) return report(`${path}.maxDepth`, `expected an integer 0-${MAX_ZONE_DEPTH}, got ${d}`);
  const { width, height } = zone.rect;
  if (rectShapeProblem(zone.rect) !== null) return;
  if (smallestLeafSide(width, d) < 1 || smallestLeafSide(height, d) < 1) {
    report(`${path}.maxDepth`, `a leaf at depth ${d} of a ${width} x ${height} zone would be less than one tile wide or high (needs width >> ${d} >= 1 and height >> ${d} >= 1)`);
  }
}

function checkId(zone: ZoneDefinition, path: string, ids: Map<string, string>, report: Report): void {
  if (!ZONE_ID_RE.test(zone.id)) return report(`${path}.id`, `"${zone.id}": a zone id is one or more of a-z, 0-9 and -`);
  const earlier = ids.get(zone.id);
  if (earlier !== undefined) report(`${path}.id`, `"${zone.id}" is already the id of ${earlier}`);
  else ids.set(zone.id, path);
}

function checkZones(zones: readonly ZoneDefinition[], parentPath: string, container: { rect: Rect; name: string }, ids: Map<string, string>, report: Report): void {
  zones.forEach((zone, i) => {
    const path = `${parentPath}.zones[${i}]`;
    checkId(zone, path, ids, report);
    const shapeIssue = rectShapeProblem(zone.rect);
    if (shapeIssue !== null) report(`${path}.rect`, shapeIssue);
    else if (!rectInside(zone.rect, container.rect)) report(`${path}.rect`, `${rectText(zone.rect)} must lie inside ${container.name} ${rectText(container.rect)}`);
    const sibling = zones.slice(0, i).findIndex((s) => rectsOverlap(s.rect, zone.rect));
    if (sibling >= 0) report(`${path}.rect`, `overlaps ${parentPath}.zones[${sibling}] ("${zones[sibling]?.id}"): sibling zones must be disjoint`);
    checkGroupBounds(zone, path, report);
    checkDepth(zone, path, report);
    checkZones(zone.zones, path, { rect: zone.rect, name: `its parent zone "${zone.id}"` }, ids, report);
  });
}

function checkWorldFields(world: WorldDefinition, report: Report): void {
  for (const key of ['width', 'height'] as const) {
    if (!Number.isInteger(world[key]) || world[key] < 1) report(`world.${key}`, `expected an integer >= 1, got ${world[key]}`);
  }
  if (!Number.isInteger(world.aoiRadius) || world.aoiRadius < 0) report('world.aoiRadius', `expected an integer >= 0, got ${world.aoiRadius}`);
}

/**
 * Problems of a world definition as { path, message } (path like 'world.zones[0].zones[1].rect'):
 * ids unique (non-empty, [a-z0-9-]+), every rect positive and inside the world, a nested zone
 * inside its parent, sibling zones disjoint, 1 <= minGroup <= maxGroup, 0 <= maxDepth <= 8, a leaf
 * at maxDepth at least 1 tile wide and high (width >> maxDepth >= 1 and height >> maxDepth >= 1),
 * aoiRadius >= 0. Empty array when valid.
 */
export function worldProblems(world: WorldDefinition): { readonly path: string; readonly message: string }[] {
  const problems: Problem[] = [];
  const report: Report = (path, message) => void problems.push({ path, message });
  checkWorldFields(world, report);
  const worldRect = { x: 0, y: 0, width: world.width, height: world.height };
  checkZones(world.zones, 'world', { rect: worldRect, name: 'the world' }, new Map(), report);
  return problems;
}

/** Chebyshev distance in tiles between the nearest tiles of two rects (0 when they overlap, 1 when they share an edge). */
export function rectDistance(a: Rect, b: Rect): number {
  const gap = (lo1: number, len1: number, lo2: number, len2: number) => Math.max(0, lo2 - (lo1 + len1 - 1), lo1 - (lo2 + len2 - 1));
  return Math.max(gap(a.x, a.width, b.x, b.width), gap(a.y, a.height, b.y, b.height));
}
