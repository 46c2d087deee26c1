import { equalBytes, toHex } from '../crypto/index.js';
import type { Transport } from '../net/index.js';
import { NeoFetch, NeoForward, NeoRound, SESSION_ID_BYTES, type SignedRound } from './messages.js';
import { NeoSession, type NeoConfig, type NeoSessionDeps, type NeoView } from './session.js';

/**
 * NEO on one peer's transport: installs the NEO message handlers once and routes each message to
 * the session it names, so a peer can take part in a new session (a new group, a new view) while
 * the old one winds down.
 */
export interface NeoEndpoint {
  join(view: NeoView, config: NeoConfig, deps: Omit<NeoSessionDeps, 'transport'>): NeoSession;
  leave(session: NeoSession): void;
  /** Whether this peer runs (or still winds down) view `view` of session `sessionId`: one peer joins a view once. */
  has(sessionId: Uint8Array, view: number): boolean;
  readonly stats: { unknownSession: number; malformed: number };
}

const VIEW_BYTES = 4;

/**
 * Successive views of one group share the session id; a member runs the old view to its last
 * round while the new one starts, so sessions are told apart by (session id, view number). A peer
 * runs one or two at a time: a scan with byte comparisons routes a datagram without building a key.
 */
function find(sessions: readonly NeoSession[], sessionId: Uint8Array, view: number): NeoSession | undefined {
  for (const s of sessions) if (s.view.number === view && equalBytes(s.view.sessionId, sessionId)) return s;
  return undefined;
}

export function installNeo(transport: Transport): NeoEndpoint {
  const sessions: NeoSession[] = [];
  const stats = { unknownSession: 0, malformed: 0 };

  // The session id and the view number are the content's first fields, so routing needs no full decode.
  const route = (signed: SignedRound): NeoSession | undefined => {
    const c = signed.content;
    if (c.length < SESSION_ID_BYTES + VIEW_BYTES) {
      stats.malformed++;
      return undefined;
    }
    const at = SESSION_ID_BYTES;
    const view = ((c[at] as number) * 0x1000000 + (((c[at + 1] as number) << 16) | ((c[at + 2] as number) << 8) | (c[at + 3] as number))) >>> 0;
    const session = find(sessions, c.subarray(0, SESSION_ID_BYTES), view);
    if (!session) stats.unknownSession++;
    return session;
  };

  transport.handle(NeoRound, (msg) => route(msg.body)?.receive(msg.body, false, msg.senderKey));
  transport.handle(NeoForward, (msg) => route(msg.body)?.receive(msg.body, true, msg.senderKey));
  transport.handle(NeoFetch, (msg) => {
    const session = find(sessions, msg.body.session, msg.body.view);
    if (!session) {
      stats.unknownSession++;
      return;
    }
    session.answerFetch(msg.senderKey as Uint8Array, msg.body);
  });

  return {
    stats,
    join(view, config, deps) {
      if (find(sessions, view.sessionId, view.number)) throw new RangeError(`NEO session ${toHex(view.sessionId)}/${view.number} is already joined on this peer`);
      const session = new NeoSession(view, config, { ...deps, transport });
      sessions.push(session);
      return session;
    },
    has(sessionId, view) {
      return find(sessions, sessionId, view) !== undefined;
    },
    leave(session) {
      session.stop();
      const at = sessions.indexOf(session);
      if (at >= 0) sessions.splice(at, 1);
    },
  };
}
