import { toHex } from '../crypto/index.js';
import type { Incoming, Transport } from '../net/index.js';
import { GroupBan, GroupJoin, GroupResyncFetch, GroupResyncState, GroupState, GroupWelcome, type GroupBanBody, type GroupJoinBody, type GroupStateBody, type GroupWelcomeBody } from './messages.js';

/** What a member of one group session does with the group messages that name it. */
export interface GroupRoute {
  onJoin(m: Incoming<GroupJoinBody>): void;
  onWelcome(m: Incoming<GroupWelcomeBody>): void;
  onState(m: Incoming<GroupStateBody>): void;
  onBan(m: Incoming<GroupBanBody>): void;
  onResyncFetch(m: Incoming<{ session: Uint8Array; round: number }>): void;
  onResyncState(m: Incoming<{ session: Uint8Array; round: number; state: Uint8Array }>): void;
}

/**
 * The group kinds on one peer's transport, routed by the session id every group message carries
 * (as src/neo/endpoint.ts does for NEO): a player can sit in two groups at once during a
 * hand-over, or move to a child group when its leaf splits, on its one socket.
 */
export interface GroupEndpoint {
  /** Routes `sessionId`'s messages to `route`; a second route for the same session is a programmer error. */
  register(sessionId: Uint8Array, route: GroupRoute): void;
  /** Stops routing `sessionId` to `route` (no-op when another route or none holds it). */
  unregister(sessionId: Uint8Array, route: GroupRoute): void;
  /** Whether a member on this peer is in (or about to move into) `sessionId`. */
  isRouted(sessionId: Uint8Array): boolean;
  /** Group messages for a session nobody on this peer is in (late retransmissions, a departed member). */
  readonly stats: { readonly unknownSession: number };
}

const endpoints = new WeakMap<Transport, GroupEndpoint>();

/** The peer's group endpoint, installed on its transport the first time anyone asks. */
export function groupEndpointOf(transport: Transport): GroupEndpoint {
  let endpoint = endpoints.get(transport);
  if (!endpoint) endpoints.set(transport, (endpoint = installGroupEndpoint(transport)));
  return endpoint;
}

function installGroupEndpoint(transport: Transport): GroupEndpoint {
  const routes = new Map<string, GroupRoute>();
  const stats = { unknownSession: 0 };
  const routed =
    <B extends { session: Uint8Array }>(pick: (r: GroupRoute) => (m: Incoming<B>) => void) =>
    (m: Incoming<B>) => {
      const route = routes.get(toHex(m.body.session));
      if (route) pick(route).call(route, m);
      else stats.unknownSession++;
    };
  transport.handle(GroupJoin, routed((r) => r.onJoin));
  transport.handle(GroupWelcome, routed((r) => r.onWelcome));
  transport.handle(GroupState, routed((r) => r.onState));
  transport.handle(GroupBan, routed((r) => r.onBan));
  transport.handle(GroupResyncFetch, routed((r) => r.onResyncFetch));
  transport.handle(GroupResyncState, routed((r) => r.onResyncState));
  return {
    stats,
    register(sessionId, route) {
      const id = toHex(sessionId);
      const held = routes.get(id);
      if (held && held !== route) throw new Error(`group session ${id} is already routed to another member on this peer`);
      routes.set(id, route);
    },
    isRouted(sessionId) {
      return routes.has(toHex(sessionId));
    },
    unregister(sessionId, route) {
      const id = toHex(sessionId);
      if (routes.get(id) === route) routes.delete(id);
    },
  };
}
