import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AgentLinkError, FRAME, checkAgentAuth, controllerWelcome, createFrameReader, decodeData, encodeData, encodeFrame, newNonce, type FromAgent } from './agent-link.js';
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

/** An agent that proved the secret: its host name and a shard host on it. */
export interface AgentConnection extends ShardHost {
  readonly host: string;
  /** Tells the agent the run is over and closes the connection. */
  close(): void;
}

export interface AgentListener {
  readonly port: number;
  /** Connections refused: a wrong secret, bytes that are not this protocol, or no proof in time. */
  refused(): number;
  /** Resolves with the first `count` agents in the order they proved the secret; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<readonly AgentConnection[]>;
  close(): Promise<void>;
}

export async function listenForAgents(options: AgentListenerOptions): Promise<AgentListener> {
  if (options.secret.length === 0) throw new RangeError('listenForAgents: the secret must not be empty');
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  const agents: AgentConnection[] = [];
  const sockets = new Set<Socket>();
  let refused = 0;
  let notify: () => void = () => {};

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const nonce = newNonce();
    let admitted: ReturnType<typeof connectionOf> | null = null;
    const refuse = () => {
      if (admitted) return;
      refused++;
      socket.destroy();
    };
    const deadline = setTimeout(refuse, handshakeTimeoutMs);
    const read = createFrameReader((kind, payload) => {
      if (admitted) {
        if (kind !== FRAME.data) throw new AgentLinkError(`frame kind ${kind} after the handshake`);
        return admitted.receive(decodeData<FromAgent>(payload));
      }
      const auth = kind === FRAME.auth ? checkAgentAuth(options.secret, nonce, payload) : null;
      if (!auth) return refuse();
      clearTimeout(deadline);
      socket.write(encodeFrame(FRAME.welcome, controllerWelcome(options.secret, auth.agentNonce, monotonicNowMs())));
      admitted = connectionOf(socket, auth.host);
      agents.push(admitted);
      notify();
    });
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
      clearTimeout(deadline);
      admitted?.fail('the agent disconnected');
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

  return {
    port: (server.address() as AddressInfo).port,
    refused: () => refused,
    waitFor(count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${agents.length} of ${count} agents connected within ${timeoutMs} ms`)), timeoutMs);
        notify = () => {
          if (agents.length < count) return;
          clearTimeout(timer);
          resolve(agents.slice(0, count));
        };
        notify();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
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
    runShard(task: Parameters<ShardHost['runShard']>[0], onMessage: (m: ShardMessage) => void) {
      const result = new Promise<ShardResult>((resolve, reject) => {
        if (failed !== null) return reject(new Error(`agent ${host}: ${failed}`));
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
      else shard.reject(new Error(`agent ${host}, shard ${m.shard}: ${m.error}`));
    },
    fail(reason: string) {
      failed ??= reason;
      for (const [n, s] of shards) s.reject(new Error(`agent ${host}, shard ${n}: ${reason}`));
      shards.clear();
    },
    close() {
      send({ type: 'bye' });
      socket.end();
    },
  };
}
