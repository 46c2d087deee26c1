import { createRng } from '../random/index.js';
import { leafRect, quadrantOf, zoneAt, type LeafAddress, type Rect, type WorldDefinition, type ZoneDefinition } from '../zones/index.js';
import { ProfileError, type Profile } from './profile.js';

/** An initial quadtree leaf of a world: its zone and path, its players in seat order, where each stands. */
export interface PlannedLeaf {
  readonly leaf: LeafAddress;
  readonly peers: readonly number[];
  readonly spawns: readonly { readonly x: number; readonly y: number }[];
  /** Index of the top-level zone it lies in: a top-level zone's groups share one worker shard (its players walk between them). */
  readonly region: number;
}

/**
 * Where each player of a world starts, and the leaves that hold them at the start: every player
 * spawns at a point drawn from the seed, in a top-level zone chosen by area; each zone's tree is
 * cut until no leaf holds more than maxGroup players or maxDepth is reached, as the running
 * groups would split it. Deterministic in the seed.
 */
export function planWorld(profile: Profile, world: WorldDefinition): PlannedLeaf[] {
  const spawns = Array.from({ length: profile.peers }, (_, i) => spawnPoint(world, createRng(profile.seed).fork('spawn').fork(`player:${i}`)));
  const leaves: PlannedLeaf[] = [];
  const byZone = new Map<ZoneDefinition, { peers: number[]; region: number }>();
  spawns.forEach((at, peer) => {
    const found = zoneAt(world, at.x, at.y);
    if (!found) return;
    const region = world.zones.indexOf(found.ancestors[0] ?? found.zone);
    const entry = byZone.get(found.zone) ?? { peers: [], region };
    entry.peers.push(peer);
    byZone.set(found.zone, entry);
  });
  for (const [zone, { peers, region }] of byZone) cut(zone, '', peers, spawns, region, leaves);
  const crowded = leaves.find((l) => l.peers.length > profile.neo.groupSize);
  if (crowded) {
    throw new ProfileError('world', [{ path: 'world', message: `${crowded.peers.length} players start in leaf ${crowded.leaf.zoneId}/${crowded.leaf.path} at its zone's maxDepth, more than neo.groupSize (${profile.neo.groupSize}) seats: raise maxDepth or lower peers` }]);
  }
  return leaves;
}

function cut(zone: ZoneDefinition, path: string, peers: readonly number[], spawns: readonly { x: number; y: number }[], region: number, out: PlannedLeaf[]): void {
  if (peers.length === 0) return;
  if (peers.length <= zone.maxGroup || path.length >= zone.maxDepth) {
    out.push({ leaf: { zoneId: zone.id, path }, peers, spawns: peers.map((p) => spawns[p] as { x: number; y: number }), region });
    return;
  }
  const rect = leafRect(zone.rect, path);
  for (const q of [0, 1, 2, 3]) {
    const inQuarter = peers.filter((p) => {
      const at = spawns[p] as { x: number; y: number };
      return quadrantOf(rect, at.x, at.y) === q;
    });
    cut(zone, `${path}${q}`, inQuarter, spawns, region, out);
  }
}

/** A point in a top-level zone picked with probability proportional to its area. */
function spawnPoint(world: WorldDefinition, rng: ReturnType<typeof createRng>): { x: number; y: number } {
  const area = (r: Rect) => r.width * r.height;
  const total = world.zones.reduce((sum, z) => sum + area(z.rect), 0);
  let pick = rng.int(total);
  for (const z of world.zones) {
    if (pick < area(z.rect)) return { x: z.rect.x + rng.int(z.rect.width), y: z.rect.y + rng.int(z.rect.height) };
    pick -= area(z.rect);
  }
  const last = world.zones[world.zones.length - 1] as ZoneDefinition;
  return { x: last.rect.x, y: last.rect.y };
}

/** The rect of a player's top-level zone: its movement stays inside (another region's groups live in another shard). */
export function regionRect(world: WorldDefinition, region: number): Rect {
  return (world.zones[region] as ZoneDefinition).rect;
}
