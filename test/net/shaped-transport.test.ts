import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkShaper, type ShapingConfig } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue, type TimerQueue } from '../../src/time/timer-queue.js';

const open: PeerNode[] = [];
const queues: TimerQueue[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  for (const q of queues.splice(0)) q.close();
});

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function shapedPeers(config: (a: string, b: string) => ShapingConfig): Promise<[PeerNode, PeerNode, number[]]> {
  const ports = [await freePort(), await freePort()];
  const [a, b] = ports.map((p) => `127.0.0.1:${p}`) as [string, string];
  const lateness: number[] = [];
  const scheduler = createTimerQueue({ clock: systemClock, onLateness: (ms) => lateness.push(ms) });
  queues.push(scheduler);
  const shaper = createLinkShaper(config(a, b), { rng: createRng(7), clock: systemClock });
  const peers = await Promise.all(
    ports.map((port, i) => startPeerNode({ host: '127.0.0.1', port }, { identitySeed: new Uint8Array(32).fill(50 + i), shaping: { shaper, scheduler } })),
  );
  open.push(...peers);
  return [peers[0] as PeerNode, peers[1] as PeerNode, lateness];
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
    expect(a.transport.stats().shaping.outboundDropped).toEqual({});
  });

  it('a partition drops traffic between its sides, counted as shaping loss, not protocol loss', async () => {
    const [a, b] = await shapedPeers((ea, eb) => ({ partitions: [{ name: 'split', sides: [[ea], [eb]], startMs: 0, endMs: 60_000 }] }));
    const rtt = await a.pinger.ping(b.transport.local, 300);
    expect(rtt).toBeNull();
    expect(a.transport.stats().shaping.outboundDropped).toEqual({ partition: 1 });
    expect(b.transport.stats().rx.datagrams).toBe(0);
    expect(Object.values(b.transport.stats().dropped).every((n) => n === 0)).toBe(true);
  });

  it('duplication delivers a second copy, which the replay window refuses', async () => {
    const [a, b] = await shapedPeers(() => ({ default: { duplicate: 1 } }));
    const rtt = await a.pinger.ping(b.transport.local, 2000);
    expect(rtt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(b.pinger.answered).toBe(1);
    expect(b.transport.stats().dropped.replay).toBe(1);
    expect(a.transport.stats().shaping.extraCopies).toBe(1);
  });
});
