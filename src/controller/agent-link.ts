import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { ShardCommand, ShardMessage, ShardResult, ShardTask } from './contract.js';

/**
 * The control connection between a run's controller and its agents (docs/agents.md): one TCP
 * connection per agent carrying length-prefixed frames. It opens with a mutual challenge on a
 * shared secret (HMAC-SHA-256 over a fresh nonce each way), so a stranger's connection is refused
 * before anything it sends is parsed; after that, frames carry the same typed contract the local
 * worker threads use (src/controller/contract.ts), structured-cloned with node:v8.
 */

/** A task as it travels: its MessagePort is the agent's own, made on arrival. */
export type RemoteShardTask = Omit<ShardTask, 'port'>;

/** Controller → agent. */
export type ToAgent = { readonly type: 'task'; readonly shard: number; readonly task: RemoteShardTask } | { readonly type: 'command'; readonly shard: number; readonly command: ShardCommand } | { readonly type: 'heartbeat' } | { readonly type: 'bye' };

/** Agent → controller. */
export type FromAgent =
  | { readonly type: 'message'; readonly shard: number; readonly message: ShardMessage }
  | { readonly type: 'result'; readonly shard: number; readonly result: ShardResult }
  | { readonly type: 'failed'; readonly shard: number; readonly error: string };

export const FRAME = { hello: 1, auth: 2, welcome: 3, data: 4 } as const;
const HEADER_BYTES = 5;
const NONCE_BYTES = 32;
const MAC_BYTES = 32;
/** A shard's result (histograms, counters, events) is the largest frame; far below this. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const MAX_HOST_NAME_BYTES = 255;
const AGENT_TAG = 'p2p-mmog/agent/v1';
const CONTROLLER_TAG = 'p2p-mmog/controller/v1';

export class AgentLinkError extends Error {}

export function encodeFrame(kind: number, payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_BYTES) throw new AgentLinkError(`frame of ${payload.length} bytes is above the ${MAX_FRAME_BYTES}-byte cap`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt8(kind, 4);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** The largest frame before the handshake is done: a hello, an auth or a welcome (a stranger gets no more). */
export const MAX_HANDSHAKE_FRAME_BYTES = 32 + 32 + 255 + 8;

/**
 * Cuts a byte stream into frames; a length above the cap (`capBytes()`, read for each frame: small
 * until the handshake is done) or an unknown kind is an error (the peer is not speaking this
 * protocol), raised before the frame's bytes are waited for.
 */
export function createFrameReader(onFrame: (kind: number, payload: Buffer) => void, capBytes: () => number = () => MAX_FRAME_BYTES): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let size = 0;
  return (chunk) => {
    chunks.push(chunk);
    size += chunk.length;
    while (size >= HEADER_BYTES) {
      const head = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      chunks = [head];
      const length = head.readUInt32BE(0);
      const kind = head.readUInt8(4);
      if (length > capBytes()) throw new AgentLinkError(`frame length ${length} at byte 0 is above the ${capBytes()}-byte cap`);
      if (!Object.values(FRAME).includes(kind as never)) throw new AgentLinkError(`unknown frame kind ${kind} at byte 4`);
      if (size < HEADER_BYTES + length) return;
      const payload = head.subarray(HEADER_BYTES, HEADER_BYTES + length);
      const rest = head.subarray(HEADER_BYTES + length);
      chunks = rest.length > 0 ? [rest] : [];
      size = rest.length;
      onFrame(kind, payload);
    }
  };
}

export const newNonce = (): Buffer => randomBytes(NONCE_BYTES);

function mac(secret: Uint8Array, tag: string, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', secret).update(tag);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * The agent's answer to the controller's hello: its proof of the secret over the controller's
 * nonce, its own nonce and the host its players bind (the proof covers both), then that nonce and host.
 */
export function agentAuth(secret: Uint8Array, controllerNonce: Uint8Array, agentNonce: Uint8Array, host: string): Buffer {
  const name = Buffer.from(host, 'utf8');
  if (name.length > MAX_HOST_NAME_BYTES) throw new RangeError(`agent host name is longer than ${MAX_HOST_NAME_BYTES} bytes`);
  return Buffer.concat([mac(secret, AGENT_TAG, controllerNonce, agentNonce, name), agentNonce, name]);
}

/** The controller's check of an agent's auth frame: its nonce and host name, or null when it does not prove the secret (or is not one). */
export function checkAgentAuth(secret: Uint8Array, controllerNonce: Uint8Array, payload: Uint8Array): { readonly host: string; readonly agentNonce: Uint8Array } | null {
  if (payload.length < MAC_BYTES + NONCE_BYTES || payload.length > MAC_BYTES + NONCE_BYTES + MAX_HOST_NAME_BYTES) return null;
  const agentNonce = payload.subarray(MAC_BYTES, MAC_BYTES + NONCE_BYTES);
  const name = payload.subarray(MAC_BYTES + NONCE_BYTES);
  if (!timingSafeEqual(payload.subarray(0, MAC_BYTES), mac(secret, AGENT_TAG, controllerNonce, agentNonce, name))) return null;
  return { agentNonce, host: Buffer.from(name).toString('utf8') };
}

/**
 * The controller's proof of the secret over the agent's nonce and its clock reading (an agent talks
 * only to a controller that holds the secret), then that reading: the controller's monotonic clock
 * as it sends the welcome, by which the agent sets its shards' clocks (the run's times are all the
 * controller's).
 */
export function controllerWelcome(secret: Uint8Array, agentNonce: Uint8Array, controllerNowMs: number): Buffer {
  const now = Buffer.alloc(8);
  now.writeDoubleBE(controllerNowMs, 0);
  return Buffer.concat([mac(secret, CONTROLLER_TAG, agentNonce, now), now]);
}

/** The controller's clock reading when it welcomed this agent, or null when the welcome does not prove the secret. */
export function checkControllerWelcome(secret: Uint8Array, agentNonce: Uint8Array, payload: Uint8Array): number | null {
  if (payload.length !== MAC_BYTES + 8) return null;
  const now = payload.subarray(MAC_BYTES);
  if (!timingSafeEqual(payload.subarray(0, MAC_BYTES), mac(secret, CONTROLLER_TAG, agentNonce, now))) return null;
  const ms = Buffer.from(now).readDoubleBE(0);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A data frame's message: only ever parsed from a peer that proved the secret. The handshake
 * authenticates the two ends, not each later frame: the connection is meant for a network the run
 * trusts (docs/agents.md, "Limits"). A frame another build of Node cannot read is this protocol's
 * error, not a crash.
 */
export const encodeData = (message: ToAgent | FromAgent): Buffer => encodeFrame(FRAME.data, serialize(message));
export function decodeData<T extends ToAgent | FromAgent>(payload: Buffer): T {
  try {
    return deserialize(payload) as T;
  } catch (error) {
    throw new AgentLinkError(`a data frame that does not deserialize (${error instanceof Error ? error.message : String(error)}): another version of Node at the other end?`);
  }
}

/** How often the controller tells a connected agent it is still there, and how long an agent waits for a word before it gives up. */
export const HEARTBEAT_MS = 5000;
export const CONTROLLER_SILENT_MS = 30_000;
