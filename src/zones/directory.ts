import { toHex } from '../crypto/index.js';
import type { Endpoint } from '../net/index.js';
import { distanceToRect, leafRect, quadrantOf, type WorldDefinition } from './geometry.js';
import { leafKey, zoneById, zoneOf, type LeafAddress } from './leaf.js';

/** A group holding a quadtree leaf: its session and members a player can ask to join. */
export interface LeafGroup {
  readonly leaf: LeafAddress;
  readonly sessionId: Uint8Array;
  readonly contacts: readonly Endpoint[];
  /** Its leader and standby as they last announced themselves (empty until they do). */
  readonly leaders: readonly Endpoint[];
}

/** Where a position leads: the group holding its leaf, or the empty leaf nobody holds (the player founds it), or nowhere (outside every zone). */
export type Located = { readonly kind: 'held'; readonly group: LeafGroup } | { readonly kind: 'empty'; readonly leaf: LeafAddress } | { readonly kind: 'outside' };

/**
 * Which group holds which leaf (SPEC §5: players entering a zone look it up, then descend the tree
 * to the leaf covering their position). Members announce the leaf they hold when they found,
 * join or divide into it, and withdraw when they leave it.
 */
export interface ZoneDirectory {
  locate(x: number, y: number): Located;
  announce(leaf: LeafAddress, sessionId: Uint8Array, member: { readonly publicKey: Uint8Array; readonly endpoint: Endpoint }): void;
  withdraw(sessionId: Uint8Array, publicKey: Uint8Array): void;
  /** The contacts of a session's group as last announced (a joiner rotates through them). */
  contacts(sessionId: Uint8Array): readonly Endpoint[];
  /** A session's group (its leaf, members and leaders as announced), while it has members. */
  group(sessionId: Uint8Array): LeafGroup | null;
  /** The leaf of a session's group if `publicKey` announced itself a member of it. */
  memberOf(sessionId: Uint8Array, publicKey: Uint8Array): LeafAddress | null;
  /** The groups, other than `sessionId`, of the leaves of zone `zoneId` within `radius` tiles of (x, y): who must see a player standing there. */
  near(zoneId: string, x: number, y: number, radius: number, sessionId: Uint8Array): LeafGroup[];
  /** Players announced in the leaves below `path` of a zone, and whether each of those leaves is a direct child. */
  under(zoneId: string, path: string): { readonly players: number; readonly leavesOnly: boolean };
  /** A group's leader and standby (from its agreed view) announce themselves: where zone-wide events go. */
  announceLeaders(sessionId: Uint8Array, leaders: readonly Endpoint[]): void;
  /** Every group holding a leaf of one of `zoneIds`, except `sessionId`'s. */
  groupsIn(zoneIds: ReadonlySet<string>, sessionId: Uint8Array | null): LeafGroup[];
}

interface Held {
  readonly leaf: LeafAddress;
  readonly sessionId: Uint8Array;
  readonly members: Map<string, Endpoint>;
  leaders: readonly Endpoint[];
}

function leafGroupOf(held: Held): LeafGroup {
  return { leaf: held.leaf, sessionId: held.sessionId, contacts: [...held.members.values()], leaders: held.leaders };
}

/**
 * The directory of one process (the players of one worker shard share it): announcements take
 * effect at once, so two players entering one empty leaf never both found it. The DHT record of a
 * zone's leaders is the directory across hosts (docs/zones.md).
 */
export function createLocalDirectory(world: WorldDefinition): ZoneDirectory {
  const sessions = new Map<string, Held>();
  const leaves = new Map<string, Held[]>();
  const heldAt = (leaf: LeafAddress): Held | undefined => leaves.get(leafKey(leaf))?.find((h) => h.members.size > 0);
  /** Paths with a held leaf below them: the tree's inner nodes. */
  const innerPaths = (zoneId: string): Set<string> => {
    const inner = new Set<string>();
    for (const held of leaves.values()) {
      for (const h of held) {
        if (h.leaf.zoneId !== zoneId || h.members.size === 0) continue;
        for (let n = 0; n < h.leaf.path.length; n++) inner.add(h.leaf.path.slice(0, n));
      }
    }
    return inner;
  };
  return {
    locate(x, y) {
      const zone = zoneOf(world, x, y);
      if (!zone) return { kind: 'outside' };
      const inner = innerPaths(zone.id);
      let path = '';
      for (;;) {
        const held = heldAt({ zoneId: zone.id, path });
        if (held) return { kind: 'held', group: leafGroupOf(held) };
        if (!inner.has(path) || path.length >= zone.maxDepth) return { kind: 'empty', leaf: { zoneId: zone.id, path } };
        path += String(quadrantOf(leafRect(zone.rect, path), x, y));
      }
    },
    announce(leaf, sessionId, member) {
      const id = toHex(sessionId);
      let held = sessions.get(id);
      if (!held) {
        held = { leaf, sessionId, members: new Map(), leaders: [] };
        sessions.set(id, held);
        const key = leafKey(leaf);
        leaves.set(key, [...(leaves.get(key) ?? []), held]);
      }
      held.members.set(toHex(member.publicKey), member.endpoint);
    },
    withdraw(sessionId, publicKey) {
      const id = toHex(sessionId);
      const held = sessions.get(id);
      if (!held) return;
      const gone = held.members.get(toHex(publicKey));
      held.members.delete(toHex(publicKey));
      // A leader that is no longer a member leads nothing there.
      if (gone) held.leaders = held.leaders.filter((e) => e.host !== gone.host || e.port !== gone.port);
      if (held.members.size > 0) return;
      sessions.delete(id);
      const key = leafKey(held.leaf);
      const rest = (leaves.get(key) ?? []).filter((h) => h !== held);
      if (rest.length > 0) leaves.set(key, rest);
      else leaves.delete(key);
    },
    contacts(sessionId) {
      return [...(sessions.get(toHex(sessionId))?.members.values() ?? [])];
    },
    group(sessionId) {
      const held = sessions.get(toHex(sessionId));
      return held && held.members.size > 0 ? leafGroupOf(held) : null;
    },
    memberOf(sessionId, publicKey) {
      const held = sessions.get(toHex(sessionId));
      return held && held.members.has(toHex(publicKey)) ? held.leaf : null;
    },
    near(zoneId, x, y, radius, sessionId) {
      const zone = zoneById(world, zoneId);
      if (!zone) return [];
      const mine = toHex(sessionId);
      const out: LeafGroup[] = [];
      for (const [id, held] of sessions) {
        if (id === mine || held.leaf.zoneId !== zoneId || held.members.size === 0) continue;
        if (distanceToRect(leafRect(zone.rect, held.leaf.path), x, y) <= radius) out.push(leafGroupOf(held));
      }
      return out;
    },
    under(zoneId, path) {
      let players = 0;
      let leavesOnly = true;
      for (const held of sessions.values()) {
        const p = held.leaf.path;
        if (held.leaf.zoneId !== zoneId || p.length <= path.length || !p.startsWith(path)) continue;
        players += held.members.size;
        if (p.length > path.length + 1) leavesOnly = false;
      }
      return { players, leavesOnly };
    },
    announceLeaders(sessionId, leaders) {
      const held = sessions.get(toHex(sessionId));
      if (held) held.leaders = [...leaders];
    },
    groupsIn(zoneIds, sessionId) {
      const except = sessionId ? toHex(sessionId) : null;
      const out: LeafGroup[] = [];
      for (const [id, held] of sessions) if (id !== except && held.members.size > 0 && zoneIds.has(held.leaf.zoneId)) out.push(leafGroupOf(held));
      return out;
    },
  };
}
