import dgram from 'node:dgram';
import { startLoopbackPopulation, type LoopbackPopulation } from '../../src/loadtest/population.js';
import type { LinkProfile } from '../../src/net/index.js';
import { startPeerNode, type PeerNode, type PeerNodeDeps } from '../../src/peer/index.js';
import type { Rng } from '../../src/random/index.js';

let seedCounter = 1;

/** A real peer on a real loopback socket, with a distinct deterministic identity per call. */
export async function startTestPeer(deps: Partial<PeerNodeDeps> = {}): Promise<PeerNode> {
  const identitySeed = new Uint8Array(32).fill(seedCounter++ & 0xff);
  return startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed, ...deps });
}

/** A bare UDP socket for throwing arbitrary bytes at a peer. */
export async function openRawSocket(): Promise<{ socket: dgram.Socket; send(bytes: Uint8Array, port: number): Promise<void>; close(): Promise<void> }> {
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    socket,
    send: (bytes, port) =>
      new Promise<void>((resolve, reject) => socket.send(bytes, port, '127.0.0.1', (err) => (err ? reject(err) : resolve()))),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Wait (event loop turns, no fixed sleeps) until a condition holds or the attempt budget runs out. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Whether a fresh socket can bind the loopback port: only once whoever had it closed it. */
export async function portIsFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  const bound = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => resolve(true));
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return bound;
}

/**
 * `count` peers on loopback sockets with identities `root.fork('id:<i>')`, every link shaped by
 * `link` (none: unshaped), one timer queue: the set-up of the group and zone tests, through the
 * load-test runners' own population (closing it closes the queue and every peer still open).
 */
export function startSeededPeers(root: Rng, count: number, link?: LinkProfile): Promise<LoopbackPopulation> {
  return startLoopbackPopulation({
    count,
    identitySeed: (i) => root.fork(`id:${i}`).bytes(32),
    ...(link ? { shaping: { rules: () => ({ default: link }), rng: root.fork('links') } } : {}),
  });
}
