import type { Ed25519Backend } from '../../src/crypto/index.js';
import { nodeIdFromPublicKey } from '../../src/crypto/index.js';
import { toWireContact, type DhtContact, type WireContactValue } from '../../src/dht/contact.js';
import { DhtFindNode, DhtFindValue, DhtNodes, DhtPing, DhtPong, DhtStore, DhtStored, DhtValue, type StoreOutcome } from '../../src/dht/messages.js';
import type { DhtRecord } from '../../src/dht/records.js';
import type { Endpoint } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';

/**
 * A node that speaks the DHT wire protocol from a script instead of running installDht: a real
 * socket and real signatures, with whatever answers a test wants a (malicious or stale) node to
 * give. It answers pings, find-node with `contacts`, find-value with `serve(key)` (or contacts),
 * and records what is stored at it. It presents `credential` (none by default) in its pings, and in
 * its pongs and dht-nodes answers to requests that carried one, as a DHT node does.
 */
export interface ScriptedNode {
  readonly peer: PeerNode;
  readonly contact: DhtContact;
  /** What find-node (and find-value without a record) answers with, as wire contacts. */
  contacts: WireContactValue[];
  serve: (key: Uint8Array) => DhtRecord | null;
  /** The membership credential it presents (DhtMembership); null: none. */
  credential: Uint8Array | null;
  readonly storedAtMe: DhtRecord[];
  readonly valueRequests: number;
  /** Send a STORE and wait for the outcome (null if none came within `timeoutMs`). */
  store(to: Endpoint, record: DhtRecord, timeoutMs?: number): Promise<StoreOutcome | null>;
  ping(to: Endpoint): void;
  close(): Promise<void>;
}

export async function startScriptedNode(ed25519: Ed25519Backend, seed: Uint8Array): Promise<ScriptedNode> {
  const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed, ed25519 });
  const t = peer.transport;
  const waiting = new Map<number, (outcome: StoreOutcome) => void>();
  let nextRid = 1;
  let valueRequests = 0;
  const node: ScriptedNode = {
    peer,
    contact: { nodeId: nodeIdFromPublicKey(peer.publicKey), endpoint: t.local },
    contacts: [],
    serve: () => null,
    credential: null,
    storedAtMe: [],
    get valueRequests() {
      return valueRequests;
    },
    store(to, record, timeoutMs = 3000) {
      const rid = nextRid++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(rid);
          resolve(null);
        }, timeoutMs);
        waiting.set(rid, (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        });
        t.send(to, DhtStore, { rid, record });
      });
    },
    ping(to) {
      t.send(to, DhtPing, { rid: nextRid++, credential: node.credential });
    },
    close: () => peer.close(),
  };
  const answerCredential = (request: { credential: Uint8Array | null }) => (request.credential !== null ? node.credential : null);
  t.handle(DhtPing, (m) => t.send(m.from, DhtPong, { rid: m.body.rid, credential: answerCredential(m.body) }));
  t.handle(DhtPong, () => {});
  t.handle(DhtNodes, () => {});
  t.handle(DhtValue, () => {});
  t.handle(DhtFindNode, (m) => t.send(m.from, DhtNodes, { rid: m.body.rid, contacts: node.contacts, credential: answerCredential(m.body) }));
  t.handle(DhtFindValue, (m) => {
    valueRequests++;
    const record = node.serve(m.body.key);
    if (record) t.send(m.from, DhtValue, { rid: m.body.rid, record });
    else t.send(m.from, DhtNodes, { rid: m.body.rid, contacts: node.contacts, credential: answerCredential(m.body) });
  });
  t.handle(DhtStore, (m) => {
    node.storedAtMe.push(m.body.record);
    t.send(m.from, DhtStored, { rid: m.body.rid, outcome: 'stored' });
  });
  t.handle(DhtStored, (m) => waiting.get(m.body.rid)?.(m.body.outcome));
  return node;
}

export { toWireContact };
