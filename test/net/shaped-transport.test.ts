import { afterEach, describe, expect, it } from 'vitest';
import { createDeferredShaper, createLinkShaper, endpointId, type ShapingConfig } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue, type TimerQueue } from '../../src/time/timer-queue.js';
import { waitUntil } from '../support/peers.js';

const open: PeerNode[] = [];
const queues: TimerQueue[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  for (const q of queues.splice(0)) q.close();
});

/** Two peers bound on free ports, then shaped by rules that name their real endpoints. */
async function shapedPeers(config: (a: string, b: string) => ShapingConfig): Promise<[PeerNode, PeerNode, number[]]> {
  const lateness: number[] = [];
  const scheduler = createTimerQueue({ clock: systemClock, onLateness: (ms) => lateness.push(ms) });
  queues.push(scheduler);
  const deferred = createDeferredShaper();
  const peers = await Promise.all(
    [0, 1].map((i) => startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: new Uint8Array(32).fill(50 + i), shaping: { shaper: deferred.shaper, scheduler } })),
  );
  open.push(...peers);
  const [a, b] = peers as [PeerNode, PeerNode];
  deferred.attach(createLinkShaper(config(endpointId(a.transport.local), endpointId(b.transport.local)), { rng: createRng(7), clock: systemClock }));
  return [a, b, lateness];
}

describe('shaped links over real sockets', () => {
  it('a constant one-way delay on every link shows up twice in the round trip', async () => {
    const [a, b, lateness] = await shapedPeers(() => ({ default: { delay: { kind: 'constant', ms: 25 } } }));
    const rtt = await a.pinger.ping(b.transport.local, 2000);
    expect(rtt).not.toBeNull();
    expect(rtt as number).toBeGreaterThanOrEqual(50);
    expect(lateness.length).toBe(2);
  });

  it('uplink and downlink access links add to the path', async () => {
    const [a, b] = await shapedPeers((ea) => ({ accessLinks: { [ea]: { up: { delay: { kind: 'constant', ms: 20 } }, down: { delay: { kind: 'constant', ms: 15 } } } } }));
    const rtt = await a.pinger.ping(b.transport.local, 2000);
    expect(rtt as number).toBeGreaterThanOrEqual(35);
    expect(a.transport.stats().shaping.outbound.dropped).toEqual({});
  });

  it('a partition drops traffic between its sides, counted as shaping loss, not protocol loss', async () => {
    const [a, b] = await shapedPeers((ea, eb) => ({ partitions: [{ name: 'split', sides: [[ea], [eb]], startMs: 0, endMs: 60_000 }] }));
    const rtt = await a.pinger.ping(b.transport.local, 300);
    expect(rtt).toBeNull();
    expect(a.transport.stats().shaping.outbound.dropped).toEqual({ partition: 1 });
    expect(b.transport.stats().rx.datagrams).toBe(0);
    expect(Object.values(b.transport.stats().dropped).every((n) => n === 0)).toBe(true);
  });

  it('duplication delivers a second copy, which the replay window refuses; the counters add up', async () => {
    const [a, b] = await shapedPeers(() => ({ default: { duplicate: 1 } }));
    const rtt = await a.pinger.ping(b.transport.local, 2000);
    expect(rtt).not.toBeNull();
    await waitUntil(() => b.transport.stats().rx.processed === 2 && a.transport.stats().rx.processed === 2, 'both copies of ping and pong');
    expect(b.pinger.answered).toBe(1);
    const sb = b.transport.stats();
    expect(sb.dropped.replay).toBe(1);
    expect(sb.rx.processed).toBe(sb.rx.accepted + Object.values(sb.dropped).reduce((x, y) => x + y, 0));
    expect(a.transport.stats().shaping.outbound.extraCopies).toBe(1);
  });

  it('copies still held by the shaper at close are counted, not delivered', async () => {
    const [a, b] = await shapedPeers((_ea, eb) => ({ accessLinks: { [eb]: { down: { delay: { kind: 'constant', ms: 500 } } } } }));
    void a.pinger.ping(b.transport.local, 100);
    await waitUntil(() => b.transport.stats().rx.datagrams === 1, 'the ping to reach the socket');
    await b.close();
    await waitUntil(() => b.transport.stats().shaping.inbound.discardedAtClose === 1, 'the held copy to come due after close');
    const s = b.transport.stats();
    expect(s.rx.processed).toBe(0);
  });
});
