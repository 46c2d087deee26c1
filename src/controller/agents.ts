import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AgentLinkError, FRAME, HEARTBEAT_MS, MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES, checkAgentAuth, controllerWelcome, createFrameReader, decodeData, encodeData, encodeFrame, newNonce, type FromAgent } from './agent-link.js';
import { monotonicNowMs } from '../time/clock.js';
import type { ShardHost } from './shard-host.js';
import type { ShardCommand, ShardMessage, ShardResult } from './contract.js';

/**
 * The controller's side of agents (docs/agents.md): it listens for agents, lets in those that prove
 * the shared secret, and hosts shards on them through the same `ShardHost` contract as its own
 * worker threads. Strangers (a wrong secret, another protocol, silence past the handshake's
 * deadline) are refused and counted.
 */

export interface AgentListenerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly secret: Uint8Array;
  /** How long a connection may take to prove the secret. Default 5000 ms. */
  readonly handshakeTimeoutMs?: number;
}

/** An agent's connection ended (it died, or the network between went away): its shards are lost, not failed. */
export class AgentDisconnected extends Error {}

/** An agent that proved the secret: its host name and a shard host on it. */
export interface AgentConnection extends ShardHost {
  readonly host: string;
  /** Tells the agent the run is over and closes the connection. */
  close(): void;
}

export interface AgentListener {
  readonly port: number;
  /** Connections refused: a wrong secret, bytes that are not this protocol, no proof in time, or too many handshakes at once. */
  refused(): number;
  /** Resolves with the first `count` agents still connected, in the order they proved the secret; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<readonly AgentConnection[]>;
  close(): Promise<void>;
}

/** Connections allowed to be proving the secret at once: a crowd of strangers costs at most this many small buffers. */
const MAX_HANDSHAKES = 64;

export async function listenForAgents(options: AgentListenerOptions): Promise<AgentListener> {
  if (options.secret.length === 0) throw new RangeError('listenForAgents: the secret must not be empty');
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  const agents: ReturnType<typeof connectionOf>[] = [];
  const sockets = new Set<Socket>();
  let handshakes = 0;
  let refused = 0;
  let notify: () => void = () => {};

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    // Keepalive probes end a connection whose other end vanished without a word (the run's own deadline catches the rest).
    socket.setKeepAlive(true, HEARTBEAT_MS);
    const nonce = newNonce();
    let admitted: ReturnType<typeof connectionOf> | null = null;
    // The handshake ends once: admitted, or refused (a wrong proof, a bad frame, no proof in time, a close).
    let handshaking = handshakes < MAX_HANDSHAKES;
    if (handshaking) handshakes++;
    const endHandshake = () => {
      if (!handshaking) return false;
      handshaking = false;
      handshakes--;
      return true;
    };
    const refuse = () => {
      if (admitted) return;
      if (endHandshake()) refused++;
      socket.destroy();
    };
    if (!handshaking) {
      refused++;
      socket.destroy();
      return;
    }
    const deadline = setTimeout(refuse, handshakeTimeoutMs);
    const read = createFrameReader(
      (kind, payload) => {
        if (socket.destroyed) return;
        if (admitted) {
          if (kind !== FRAME.data) throw new AgentLinkError(`frame kind ${kind} after the handshake`);
          return admitted.receive(decodeData<FromAgent>(payload));
        }
        const auth = kind === FRAME.auth ? checkAgentAuth(options.secret, nonce, payload) : null;
        if (!auth) return refuse();
        clearTimeout(deadline);
        endHandshake();
        socket.write(encodeFrame(FRAME.welcome, controllerWelcome(options.secret, auth.agentNonce, monotonicNowMs())));
        admitted = connectionOf(socket, auth.host);
        agents.push(admitted);
        notify();
      },
      () => (admitted ? MAX_FRAME_BYTES : MAX_HANDSHAKE_FRAME_BYTES),
    );
    socket.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (error) {
        if (!(error instanceof AgentLinkError)) throw error;
        if (admitted) admitted.fail(error.message);
        else refuse();
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      clearTimeout(deadline);
      // Closed before proving anything: a stranger that gave up counts as refused too.
      if (!admitted) return refuse();
      admitted.fail('the agent disconnected');
      // One that left while the run still waits for agents is not handed to it.
      const at = agents.indexOf(admitted);
      if (at >= 0 && !admitted.taken) agents.splice(at, 1);
    });
    socket.write(encodeFrame(FRAME.hello, nonce));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const heartbeat = setInterval(() => {
    for (const a of agents) a.heartbeat();
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    port: (server.address() as AddressInfo).port,
    refused: () => refused,
    waitFor(count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${agents.length} of ${count} agents connected within ${timeoutMs} ms`)), timeoutMs);
        notify = () => {
          if (agents.length < count) return;
          clearTimeout(timer);
          const chosen = agents.slice(0, count);
          for (const a of chosen) a.taken = true;
          resolve(chosen);
        };
        notify();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const a of agents) a.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One admitted agent: shards started on it by number, their messages and results routed back by it. */
function connectionOf(socket: Socket, host: string) {
  const shards = new Map<number, { readonly onMessage: (m: ShardMessage) => void; readonly resolve: (r: ShardResult) => void; readonly reject: (e: Error) => void }>();
  let failed: string | null = null;
  const send = (m: Parameters<typeof encodeData>[0]) => {
    if (!socket.destroyed) socket.write(encodeData(m));
  };
  return {
    host,
    /** Handed to a run by waitFor: it stays in the list even if it leaves, so the run sees its shards lost. */
    taken: false,
    runShard(task: Parameters<ShardHost['runShard']>[0], onMessage: (m: ShardMessage) => void) {
      const result = new Promise<ShardResult>((resolve, reject) => {
        if (failed !== null) return reject(new AgentDisconnected(`agent ${host}: ${failed}`));
        shards.set(task.shardIndex, { onMessage, resolve, reject });
      });
      send({ type: 'task', shard: task.shardIndex, task });
      return { send: (command: ShardCommand) => send({ type: 'command', shard: task.shardIndex, command }), result };
    },
    receive(m: FromAgent) {
      const shard = shards.get(m.shard);
      if (!shard) return;
      if (m.type === 'message') return shard.onMessage(m.message);
      shards.delete(m.shard);
      if (m.type === 'result') shard.resolve(m.result);
      // The shard itself failed on the agent: a bug, as a local thread's error would be.
      else shard.reject(new Error(`agent ${host}, shard ${m.shard}: ${m.error}`));
    },
    fail(reason: string) {
      failed ??= reason;
      for (const [n, s] of shards) s.reject(new AgentDisconnected(`agent ${host}, shard ${n}: ${reason}`));
      shards.clear();
    },
    heartbeat: () => send({ type: 'heartbeat' }),
    close() {
      send({ type: 'bye' });
      socket.end();
    },
  };
}
