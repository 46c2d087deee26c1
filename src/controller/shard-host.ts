import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RemoteShardTask } from './agent-link.js';
import type { ShardCommand, ShardMessage, ShardResult } from './contract.js';

/**
 * Where a shard runs (docs/harness.md, docs/agents.md): the controller's own worker threads, or an
 * agent's. Either way the controller gives a task and a listener for the shard's messages, and gets
 * a way to send it commands and its result: the typed contract of src/controller/contract.ts.
 */
export interface ShardHost {
  /** Where it runs, for the report: `local`, or an agent's host. */
  readonly host: string;
  runShard(task: RemoteShardTask, onMessage: (m: ShardMessage) => void): { send(command: ShardCommand): void; readonly result: Promise<ShardResult> };
}

export function shardWorkerFile(): string {
  const compiled = fileURLToPath(new URL('../../workers/shard.js', import.meta.url));
  if (existsSync(compiled)) return compiled;
  // From TypeScript sources (tests, tsx): a bootstrap registers tsx inside the worker first.
  return fileURLToPath(new URL('../../workers/shard-dev.mjs', import.meta.url));
}

/** Worker threads of this process, one per shard (the pool has `threads` of them), a MessageChannel each. */
export function createThreadShardHost(threads: number): ShardHost & { destroy(): Promise<void> } {
  // atomics 'disabled': with the default ('sync') an idle-looking worker blocks its event loop in
  // Atomics.wait between messages, which stalls the sockets and timers of the peers it hosts.
  const pool = new Piscina({ filename: shardWorkerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 1000, atomics: 'disabled' });
  return {
    host: 'local',
    runShard(task, onMessage) {
      const channel = new MessageChannel();
      channel.port1.on('message', onMessage);
      const result = (pool.run({ ...task, port: channel.port2 }, { transferList: [channel.port2] }) as Promise<ShardResult>).finally(() => channel.port1.close());
      return { send: (command) => channel.port1.postMessage(command), result };
    },
    destroy: () => pool.destroy(),
  };
}
