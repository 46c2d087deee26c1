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
  readonly stats: { unknownSession: number; malformed: number };
}

// Successive views of one group share the session id; a member runs the old view to its last
// round while the new one starts, so sessions are told apart by (session id, view number).
const key = (sessionId: Uint8Array, view: number) => `${Buffer.from(sessionId.buffer, sessionId.byteOffset, sessionId.byteLength).toString('hex')}/${view}`;
const VIEW_BYTES = 4;

export function installNeo(transport: Transport): NeoEndpoint {
  const sessions = new Map<string, NeoSession>();
  const stats = { unknownSession: 0, malformed: 0 };

  // The session id and the view number are the content's first fields, so routing needs no full decode.
  const route = (signed: SignedRound): NeoSession | undefined => {
    const c = signed.content;
    if (c.length < SESSION_ID_BYTES + VIEW_BYTES) {
      stats.malformed++;
      return undefined;
    }
    const view = new DataView(c.buffer, c.byteOffset + SESSION_ID_BYTES, VIEW_BYTES).getUint32(0);
    const session = sessions.get(key(c.subarray(0, SESSION_ID_BYTES), view));
    if (!session) stats.unknownSession++;
    return session;
  };

  transport.handle(NeoRound, (msg) => route(msg.body)?.receive(msg.body, false, msg.senderKey));
  transport.handle(NeoForward, (msg) => route(msg.body)?.receive(msg.body, true, msg.senderKey));
  transport.handle(NeoFetch, (msg) => {
    const session = sessions.get(key(msg.body.session, msg.body.view));
    if (!session) {
      stats.unknownSession++;
      return;
    }
    session.answerFetch(msg.senderKey as Uint8Array, msg.body);
  });

  return {
    stats,
    join(view, config, deps) {
      const id = key(view.sessionId, view.number);
      if (sessions.has(id)) throw new RangeError(`NEO session ${id} is already joined on this peer`);
      const session = new NeoSession(view, config, { ...deps, transport });
      sessions.set(id, session);
      return session;
    },
    leave(session) {
      session.stop();
      sessions.delete(key(session.view.sessionId, session.view.number));
    },
  };
}
