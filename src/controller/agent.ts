import { connect, type Socket } from 'node:net';
import { AgentLinkError, CONTROLLER_SILENT_MS, FRAME, HEARTBEAT_MS, MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES, agentAuth, checkControllerWelcome, createFrameReader, decodeData, encodeData, encodeFrame, newNonce, type FromAgent, type ToAgent } from './agent-link.js';
import { monotonicNowMs } from '../time/clock.js';
import { createThreadShardHost } from './shard-host.js';
import type { ShardCommand, ShardMessage } from './contract.js';

/**
 * An agent (docs/agents.md): `p2p-mmog agent --controller HOST:PORT` connects to a run's controller,
 * proves the shared secret (and checks that the controller holds it too), then hosts the shards the
 * controller gives it on worker threads of its own (one per shard), relaying their messages and results over the
 * connection and the controller's commands to them. Its players bind `bindHost`, the address other
 * hosts reach it at.
 */

export interface AgentOptions {
  readonly controller: { readonly host: string; readonly port: number };
  readonly secret: Uint8Array;
  /** The address this agent's players bind (default 127.0.0.1). */
  readonly bindHost?: string;
  /** Told of what happens: connected, each shard started and ended, and why it ended. */
  readonly log?: (line: string) => void;
  /** Told of every message of the shards it hosts as it relays them (its metrics endpoint keeps the latest telemetry). */
  readonly onShardMessage?: (shard: number, message: ShardMessage) => void;
}

export interface AgentOutcome {
  /** Shards hosted and those that ended in an error. */
  readonly shards: number;
  readonly failed: number;
  /** Why the agent stopped: the controller said the run is over, the connection ended otherwise, the controller refused it, or nobody answered. */
  readonly ended: 'bye' | 'disconnected' | 'refused' | 'unreachable';
}

export async function runAgent(options: AgentOptions): Promise<AgentOutcome> {
  if (options.secret.length === 0) throw new RangeError('runAgent: the secret must not be empty');
  const log = options.log ?? (() => {});
  const bindHost = options.bindHost ?? '127.0.0.1';
  const socket: Socket = connect(options.controller.port, options.controller.host);
  const agentNonce = newNonce();
  let welcomed = false;
  let helloSeen = false;
  let authSentMs = 0;
  /** Added to this machine's monotonic clock to read the controller's: the shards keep the run's times on it. */
  let clockOffsetMs = 0;
  let shards = 0;
  let failed = 0;
  let ended: AgentOutcome['ended'] | null = null;
  const running: Promise<void>[] = [];
  const commands = new Map<number, (c: ShardCommand) => void>();
  const send = (m: FromAgent) => {
    if (!socket.destroyed) socket.write(encodeData(m));
  };

  const onMessage = (m: ToAgent) => {
    if (m.type === 'heartbeat') return;
    if (m.type === 'bye') {
      ended = 'bye';
      socket.end();
      return;
    }
    if (m.type === 'command') return commands.get(m.shard)?.(m.command);
    shards++;
    log(`shard ${m.shard}: ${m.task.groups.length} groups`);
    // A worker thread of its own per shard: the shards of a run must all be up before any starts.
    const thread = createThreadShardHost(1);
    const shard = thread.runShard({ ...m.task, bindHost, clockOffsetMs }, (message) => {
      options.onShardMessage?.(m.shard, message);
      send({ type: 'message', shard: m.shard, message });
    });
    commands.set(m.shard, shard.send);
    running.push(
      shard.result
        .finally(() => thread.destroy())
        .then(
        (result) => send({ type: 'result', shard: m.shard, result }),
        (error: unknown) => {
          failed++;
          send({ type: 'failed', shard: m.shard, error: error instanceof Error ? error.message : String(error) });
        },
      ),
    );
  };

  const endedAs = (): AgentOutcome['ended'] => (welcomed ? 'disconnected' : helloSeen ? 'refused' : 'unreachable');

  const read = createFrameReader((kind, payload) => {
    lastHeardMs = monotonicNowMs();
    if (welcomed) {
      if (kind !== FRAME.data) throw new AgentLinkError(`frame kind ${kind} after the handshake`);
      return onMessage(decodeData<ToAgent>(payload));
    }
    if (kind === FRAME.hello) {
      helloSeen = true;
      authSentMs = monotonicNowMs();
      return void socket.write(encodeFrame(FRAME.auth, agentAuth(options.secret, payload, agentNonce, bindHost)));
    }
    const controllerNowMs = kind === FRAME.welcome ? checkControllerWelcome(options.secret, agentNonce, payload) : null;
    if (controllerNowMs === null) throw new AgentLinkError('the controller did not prove the secret');
    // The controller read its clock between our auth and its welcome: half the round trip in.
    clockOffsetMs = controllerNowMs - (authSentMs + monotonicNowMs()) / 2;
    welcomed = true;
    log(`connected to ${options.controller.host}:${options.controller.port} (clock offset ${clockOffsetMs.toFixed(1)} ms)`);
  }, () => (welcomed ? MAX_FRAME_BYTES : MAX_HANDSHAKE_FRAME_BYTES));

  // A controller that went silent (its machine gone, the network between cut for good) is given up on: the agent's shards are stopped.
  let lastHeardMs = monotonicNowMs();
  const watchdog = setInterval(() => {
    if (monotonicNowMs() - lastHeardMs <= CONTROLLER_SILENT_MS) return;
    log(`nothing from the controller for ${CONTROLLER_SILENT_MS / 1000} s`);
    ended ??= endedAs();
    socket.destroy();
  }, HEARTBEAT_MS);
  socket.setKeepAlive(true, HEARTBEAT_MS);
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (error) {
        if (!(error instanceof AgentLinkError)) throw error;
        log(error.message);
        ended ??= endedAs();
        socket.destroy();
      }
    });
    socket.on('error', (error) => log(`connection: ${error.message}`));
    socket.on('close', () => resolve());
  });
  clearInterval(watchdog);
  ended ??= endedAs();
  // Shards still running when the controller went away have nobody to report to: they end with the run's own stop or their schedule.
  for (const send of commands.values()) send({ type: 'stop' });
  await Promise.all(running);
  return { shards, failed, ended };
}
