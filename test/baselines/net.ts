import { createDeferredShaper, createLinkShaper, endpointId, type Endpoint, type ShapingConfig } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue, type TimerQueue } from '../../src/time/timer-queue.js';

/**
 * Real peers on loopback sockets sharing one timer queue, with link shaping attached once every
 * socket is bound (the rules name the bound endpoints). Close with `close()`.
 */
export interface Net {
  readonly peers: PeerNode[];
  readonly endpoints: Endpoint[];
  readonly ids: string[];
  readonly queue: TimerQueue;
  shapingDrops(): number;
  close(): Promise<void>;
}

let seedBase = 100;

export async function startNet(count: number, shaping?: (ids: string[]) => ShapingConfig, seed = 1): Promise<Net> {
  const queue = createTimerQueue({ clock: systemClock });
  const deferred = createDeferredShaper();
  const base = seedBase;
  seedBase += count;
  const peers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: new Uint8Array(32).fill((base + i) & 0xff), shaping: { shaper: deferred.shaper, scheduler: queue } }),
    ),
  );
  const ids = peers.map((p) => endpointId(p.transport.local));
  if (shaping) deferred.attach(createLinkShaper(shaping(ids), { rng: createRng(seed), clock: systemClock }));
  return {
    peers,
    endpoints: peers.map((p) => p.transport.local),
    ids,
    queue,
    shapingDrops: () =>
      peers.reduce((sum, p) => {
        const s = p.transport.stats().shaping;
        return sum + [s.outbound, s.inbound].reduce((a, side) => a + Object.values(side.dropped).reduce((x, y) => x + y, 0), 0);
      }, 0),
    async close() {
      await Promise.all(peers.map((p) => p.close()));
      queue.close();
    },
  };
}

/** Every peer's count of datagrams its own handlers threw on (must stay 0: remote bytes never throw). */
export function handlerErrors(net: Net): number {
  return net.peers.reduce((sum, p) => sum + p.transport.stats().dropped['handler-error'], 0);
}

export function constantDelay(ms: number): ShapingConfig {
  return { default: { delay: { kind: 'constant', ms } } };
}
