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

const key = (sessionId: Uint8Array) => Buffer.from(sessionId.buffer, sessionId.byteOffset, sessionId.byteLength).toString('hex');

export function installNeo(transport: Transport): NeoEndpoint {
  const sessions = new Map<string, NeoSession>();
  const stats = { unknownSession: 0, malformed: 0 };

  // The session id is the content's first field, so routing needs no full decode.
  const route = (signed: SignedRound): NeoSession | undefined => {
    if (signed.content.length < SESSION_ID_BYTES) {
      stats.malformed++;
      return undefined;
    }
    const session = sessions.get(key(signed.content.subarray(0, SESSION_ID_BYTES)));
    if (!session) stats.unknownSession++;
    return session;
  };

  transport.handle(NeoRound, (msg) => route(msg.body)?.receive(msg.body, false));
  transport.handle(NeoForward, (msg) => route(msg.body)?.receive(msg.body, true));
  transport.handle(NeoFetch, (msg) => {
    const session = sessions.get(key(msg.body.session));
    if (!session) {
      stats.unknownSession++;
      return;
    }
    session.answerFetch(msg.senderKey as Uint8Array, msg.body);
  });

  return {
    stats,
    join(view, config, deps) {
      const id = key(view.sessionId);
      if (sessions.has(id)) throw new RangeError(`NEO session ${id} is already joined on this peer`);
      const session = new NeoSession(view, config, { ...deps, transport });
      sessions.set(id, session);
      return session;
    },
    leave(session) {
      session.stop();
      sessions.delete(key(session.view.sessionId));
    },
  };
}
