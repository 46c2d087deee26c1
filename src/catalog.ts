import { ClientUpdate, LockstepCommit, LockstepReveal, ServerRelay } from './baselines/messages.js';
import { DhtFindNode, DhtFindValue, DhtNodes, DhtPing, DhtPong, DhtStore, DhtStored, DhtValue } from './dht/messages.js';
import { NeoFetch, NeoForward, NeoRound } from './neo/messages.js';
import { Ping, Pong } from './net/messages.js';
import { Chunk, Manifest, createMessageRegistry, type AnyMessageSpec, type MessageRegistry } from './wire/index.js';

/** Every message kind the product speaks; each area adds its kinds here as it lands. */
export const ALL_MESSAGES: readonly AnyMessageSpec[] = [
  Ping, Pong, Chunk, Manifest,
  DhtPing, DhtPong, DhtFindNode, DhtNodes, DhtFindValue, DhtValue, DhtStore, DhtStored,
  NeoRound, NeoFetch, NeoForward,
  LockstepCommit, LockstepReveal, ClientUpdate, ServerRelay,
];

export function createProtocolRegistry(): MessageRegistry {
  return createMessageRegistry(ALL_MESSAGES);
}
