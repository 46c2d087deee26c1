import { afterEach, describe, expect, it } from 'vitest';
import { ClientUpdate, ServerRelay, startRelayClient, startRelayServer, type RelayClient, type RelayServer } from '../../src/baselines/index.js';
import { runBaseline } from '../../src/loadtest/index.js';
import { decodeLatencyHistogram } from '../../src/metrics/index.js';
import { systemClock } from '../../src/time/clock.js';
import { waitUntil } from '../support/peers.js';
import { constantDelay, handlerErrors, startNet, type Net } from './net.js';

const nets: Net[] = [];
const stoppers: { stop(): void }[] = [];
afterEach(async () => {
  for (const s of stoppers.splice(0)) s.stop();
  await Promise.all(nets.splice(0).map((n) => n.close()));
});

/** Peer 0 is the server, peers 1..clients the clients. */
async function relayGroup(clients: number, opts: { updates: number; tickMs: number; delayMs?: number }) {
  const net = await startNet(clients + 1, () => constantDelay(opts.delayMs ?? 10));
  nets.push(net);
  const roster = net.endpoints.slice(1);
  const server: RelayServer = startRelayServer({ transport: (net.peers[0] as (typeof net.peers)[0]).transport, roster });
  stoppers.push(server);
  const group: RelayClient[] = roster.map((_, i) => {
    const c = startRelayClient(
      { index: i, tickMs: opts.tickMs, updates: opts.updates, phaseMs: (i * opts.tickMs) / clients, clients },
      {
        transport: (net.peers[i + 1] as (typeof net.peers)[0]).transport,
        clock: systemClock,
        scheduler: net.queue,
        server: net.endpoints[0] as (typeof net.endpoints)[0],
        nextUpdate: (seq) => new Uint8Array([i, seq & 0xff]),
      },
    );
    stoppers.push(c);
    return c;
  });
  return { net, server, group };
}

describe('client/server relay over real UDP', () => {
  it('4 clients: the server forwards every update to every other client, each exactly once, latency recorded', async () => {
    const updates = 25;
    const { net, server, group } = await relayGroup(4, { updates, tickMs: 20 });
    await Promise.all(group.map((c) => c.done));
    const expected = 4 * 3 * updates;
    await waitUntil(() => group.reduce((s, c) => s + c.stats().received, 0) === expected, 'every relay to arrive');
    group.forEach((c, i) => {
      const s = c.stats();
      expect(s.sent).toBe(updates);
      expect(s.received).toBe(3 * updates);
      expect(s.latency.count).toBe(3 * updates);
      // Client → server → client: two 10 ms hops.
      expect(s.latency.summary().min).toBeGreaterThanOrEqual(20);
      expect(s.clockSkew).toBe(0);
      expect(s.ignored).toBe(0);
      for (let j = 0; j < 4; j++) expect(s.receivedFrom.get(j) ?? 0).toBe(j === i ? 0 : updates);
    });
    const ss = server.stats();
    expect(ss.updatesReceived).toBe(4 * updates);
    expect(ss.relaysSent).toBe(expected);
    expect(ss.rxBytes).toBeGreaterThan(0);
    expect(ss.txBytes).toBeGreaterThan(ss.rxBytes);
    expect(handlerErrors(net)).toBe(0);
  });

  it('server traffic grows with the square of the players: 8 clients send ≥ 3× the bytes per second of 4', async () => {
    const common = { durationS: 0.6, tickMs: 20, seed: 'relay-growth', shaping: () => constantDelay(2) };
    const four = await runBaseline('client-server', { ...common, players: 4 });
    const eight = await runBaseline('client-server', { ...common, players: 8 });
    for (const r of [four, eight]) {
      expect(r.updatesPerClient).toBe(30);
      expect(r.delivered).toBe(r.expected);
      expect(r.latencyMs.count).toBe(r.expected);
      expect(r.serverBytesPerS).toBeCloseTo(r.serverRxBytesPerS + r.serverTxBytesPerS);
      expect(r.transportDrops).toEqual({});
    }
    expect(four.expected).toBe(4 * 3 * 30);
    expect(eight.serverTxBytesPerS).toBeGreaterThanOrEqual(3 * four.serverTxBytesPerS);
    // The server receives O(n), sends O(n²).
    expect(eight.serverRxBytesPerS / four.serverRxBytesPerS).toBeCloseTo(2, 1);
    expect(eight.serverTxBytesPerS / four.serverTxBytesPerS).toBeCloseTo((8 * 7) / (4 * 3), 1);
  });

  it('per-sender figures separate a slow client: its updates carry its 150 ms link, the others’ do not at fast receivers', async () => {
    const slowMs = 150;
    const r = await runBaseline('client-server', {
      players: 4,
      durationS: 0.4,
      tickMs: 20,
      seed: 'relay-slow',
      shaping: (endpoints) => ({ default: { delay: { kind: 'constant', ms: 5 } }, accessLinks: { [endpoints[3] as string]: { up: { delay: { kind: 'constant', ms: slowMs } }, down: { delay: { kind: 'constant', ms: slowMs } } } } }),
    });
    expect(r.delivered).toBe(r.expected);
    expect(r.perSenderLatency.size).toBe(4);
    for (const [sender, h] of r.perSenderLatency) {
      expect(h.count).toBe(3 * r.updatesPerClient);
      if (sender === 3) expect(h.summary().min).toBeGreaterThanOrEqual(slowMs + 10);
    }
    // A fast sender's updates reach the slow receiver late and the fast ones early.
    const fastAtSlow = r.perReceiverLatency[3]!.summary();
    expect(fastAtSlow.min).toBeGreaterThanOrEqual(slowMs + 10);
    expect(r.perReceiverLatency[0]!.summary().min).toBeGreaterThanOrEqual(10);
    expect(decodeLatencyHistogram(r.latencyMs.encoded).count).toBe(r.expected);
  });

  it('a createdAtMs from an unshared clock is counted as skew, never recorded or thrown', async () => {
    const { net, group } = await relayGroup(3, { updates: 0, tickMs: 10, delayMs: 1 });
    const [srv, c0] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0]];
    // Client 0 stamps its update with a clock a minute ahead of everyone else's.
    c0.transport.send(srv.transport.local, ClientUpdate, { client: 0, seq: 0, createdAtMs: systemClock.nowMs() + 60_000, payload: new Uint8Array(1) });
    c0.transport.send(srv.transport.local, ClientUpdate, { client: 0, seq: 1, createdAtMs: systemClock.nowMs(), payload: new Uint8Array(1) });
    await waitUntil(() => group[1]!.stats().received === 1 && group[2]!.stats().received === 1, 'both relays at both clients');
    for (const c of [group[1]!, group[2]!]) {
      expect(c.stats().clockSkew).toBe(1);
      expect(c.stats().latency.count).toBe(1);
    }
    expect(handlerErrors(net)).toBe(0);
  });

  it('ignores updates from outside the roster, a client claiming another index, and relays not from the server', async () => {
    const { net, server, group } = await relayGroup(2, { updates: 0, tickMs: 10, delayMs: 1 });
    const [srv, c0, c1] = net.peers as [(typeof net.peers)[0], (typeof net.peers)[0], (typeof net.peers)[0]];
    const outside = await startNet(1);
    nets.push(outside);
    const stranger = outside.peers[0]!;
    const update = { client: 0, seq: 0, createdAtMs: systemClock.nowMs(), payload: new Uint8Array(1) };
    stranger.transport.send(srv.transport.local, ClientUpdate, update);
    c1.transport.send(srv.transport.local, ClientUpdate, update); // c1 is client 1
    c1.transport.send(c0.transport.local, ServerRelay, { ...update, client: 1, serverSeq: 0n });
    await waitUntil(() => server.stats().ignored === 2 && group[0]!.stats().ignored === 1, 'the crafted messages');
    expect(server.stats().relaysSent).toBe(0);
    expect(group[0]!.stats().received).toBe(0);
    expect(handlerErrors(net)).toBe(0);
  });
});
