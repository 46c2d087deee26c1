import { NODE_ID_LENGTH } from '../crypto/index.js';
import { MessageKind, bytes, defineMessage, enumU8, list, optional, struct, u32, varBytes } from '../wire/index.js';
import { WireContact } from './contact.js';
import { MAX_CREDENTIAL_BYTES } from './membership.js';
import { RECORD_KEY_BYTES, RecordCodec } from './records.js';

/**
 * The most contacts one answer carries, and so the largest k: beside a rid (4), the count (1) and
 * the largest credential (1 + 1 + 128), 18 contacts of ≤ 51 bytes fit a signed datagram
 * (4 + 1 + 18 × 51 + 130 = 1053 ≤ 1093 body bytes; 19 would take 1104). Kademlia's classic k = 20
 * no longer fits with a credential; the harness uses k = 8.
 */
export const MAX_CONTACTS = 18;

/**
 * The sender's membership credential (docs/dht.md, "Membership"): attached to a request to a node
 * the sender has not verified, and to an answer when the request carried one; null otherwise.
 * Opaque to the DHT; the injected DhtMembership reads it.
 */
const credential = optional(varBytes(MAX_CREDENTIAL_BYTES));

/**
 * Every DHT message is signed by the transport (the envelope carries the sender's key), so a
 * response is attributable to a node ID; `rid` ties it to the request it answers, and the sender
 * must be the node that was asked.
 */
export const DhtPing = defineMessage({
  kind: MessageKind.dhtPing,
  name: 'dht-ping',
  authenticated: true,
  summary: 'DHT liveness check (ping-before-evict, bootstrap); answered by dht-pong with the same rid; carries the sender\'s membership credential when it has not verified the receiver',
  body: struct({ rid: u32, credential }),
});

export const DhtPong = defineMessage({
  kind: MessageKind.dhtPong,
  name: 'dht-pong',
  authenticated: true,
  summary: 'answer to dht-ping, echoing its rid; carries the answerer\'s credential when the ping carried one',
  body: struct({ rid: u32, credential }),
});

export const DhtFindNode = defineMessage({
  kind: MessageKind.dhtFindNode,
  name: 'dht-find-node',
  authenticated: true,
  summary: 'ask for the k contacts closest (XOR) to target that the receiver knows; answered by dht-nodes; credential as in dht-ping',
  body: struct({ rid: u32, target: bytes(NODE_ID_LENGTH), credential }),
});

export const DhtNodes = defineMessage({
  kind: MessageKind.dhtNodes,
  name: 'dht-nodes',
  authenticated: true,
  summary: 'up to k contacts (node ID, IPv4/IPv6 address bytes, port) closest to the requested ID; answers dht-find-node, or dht-find-value when the value is not held; carries the answerer\'s credential when the request carried one',
  body: struct({ rid: u32, contacts: list(WireContact, MAX_CONTACTS), credential }),
});

export const DhtFindValue = defineMessage({
  kind: MessageKind.dhtFindValue,
  name: 'dht-find-value',
  authenticated: true,
  summary: 'ask for the record stored under key; answered by dht-value when held, by dht-nodes otherwise; credential as in dht-ping',
  body: struct({ rid: u32, key: bytes(RECORD_KEY_BYTES), credential }),
});

export const DhtValue = defineMessage({
  kind: MessageKind.dhtValue,
  name: 'dht-value',
  authenticated: true,
  summary: 'the signed record held under the requested key (the reader verifies it again)',
  body: struct({ rid: u32, record: RecordCodec }),
});

export const DhtStore = defineMessage({
  kind: MessageKind.dhtStore,
  name: 'dht-store',
  authenticated: true,
  summary: 'ask the receiver to hold a signed record; verified, rate-limited per sender, answered by dht-stored',
  body: struct({ rid: u32, record: RecordCodec }),
});

/**
 * What a storing node did with a record (rate-limited STOREs get no answer at all). `not-member`:
 * the storer is not a verified member of a gated DHT; it may introduce itself (a ping with its
 * credential) and store again.
 */
export const STORE_OUTCOMES = ['stored', 'duplicate', 'stale', 'conflict', 'invalid', 'full', 'not-member'] as const;
export type StoreOutcome = (typeof STORE_OUTCOMES)[number];

export const DhtStored = defineMessage({
  kind: MessageKind.dhtStored,
  name: 'dht-stored',
  authenticated: true,
  summary: 'answer to dht-store: stored, duplicate (already held), stale, conflict, invalid, full or not-member (the storer is not a verified member)',
  body: struct({ rid: u32, outcome: enumU8(STORE_OUTCOMES) }),
});

export const DHT_MESSAGES = [DhtPing, DhtPong, DhtFindNode, DhtNodes, DhtFindValue, DhtValue, DhtStore, DhtStored] as const;
