import { afterEach, describe, expect, it } from 'vitest';
import { createProtocolRegistry } from '../../src/catalog.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { DROP_REASONS, Ping, Pong, createTransport, parseSocketDrops, parseUdpSnmp, type Transport } from '../../src/net/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { systemClock } from '../../src/time/clock.js';
import { Chunk, encodeMessage } from '../../src/wire/index.js';
import { openRawSocket, startTestPeer, waitUntil } from '../support/peers.js';

const open: { close(): Promise<void> }[] = [];
async function peer(): Promise<PeerNode> {
  const p = await startTestPeer();
  open.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

const ed = createEd25519('native');
const totalDropped = (t: Transport) => Object.values(t.stats().dropped).reduce((a, b) => a + b, 0);

describe('UDP transport between real peers', () => {
  it('answers a signed ping with a signed pong over loopback', async () => {
    const [a, b] = [await peer(), await peer()];
    const rtt = await a.pinger.ping(b.transport.local, 2000);
    expect(rtt).not.toBeNull();
    expect(rtt as number).toBeGreaterThan(0);
    expect(b.pinger.answered).toBe(1);
    expect(b.transport.stats().rx.accepted).toBe(1);
    expect(a.transport.stats().rx.accepted).toBe(1);
    expect(totalDropped(a.transport) + totalDropped(b.transport)).toBe(0);
  });

  it('binds loopback, sizes its socket buffers explicitly and reports what the kernel granted', async () => {
    const a = await peer();
    expect(a.transport.local.host).toBe('127.0.0.1');
    expect(a.transport.local.port).toBeGreaterThan(0);
    expect(a.transport.socketBuffers.recvBytes).toBeGreaterThan(212_992);
  });

  it('counts a replayed signed datagram as a replay and dispatches it once', async () => {
    const [b] = [await peer()];
    const raw = await openRawSocket();
    const signer = ed.createSigner(new Uint8Array(32).fill(200));
    const bytes = encodeMessage(Ping, { nonce: 1n, sentAtMs: 0 }, { signer, sequence: 10n });
    await raw.send(bytes, b.transport.local.port);
    await raw.send(bytes, b.transport.local.port);
    await waitUntil(() => b.transport.stats().rx.datagrams === 2, 'two datagrams');
    expect(b.pinger.answered).toBe(1);
    expect(b.transport.stats().dropped.replay).toBe(1);
    // An older sequence not seen yet is still fresh (it arrived out of order inside the window).
    await raw.send(encodeMessage(Ping, { nonce: 2n, sentAtMs: 0 }, { signer, sequence: 9n }), b.transport.local.port);
    await raw.send(encodeMessage(Ping, { nonce: 3n, sentAtMs: 0 }, { signer, sequence: 11n }), b.transport.local.port);
    await waitUntil(() => b.transport.stats().rx.datagrams === 4, 'four datagrams');
    expect(b.pinger.answered).toBe(3);
    await raw.send(encodeMessage(Ping, { nonce: 4n, sentAtMs: 0 }, { signer, sequence: 11n + 5000n }), b.transport.local.port);
    await raw.send(encodeMessage(Ping, { nonce: 5n, sentAtMs: 0 }, { signer, sequence: 12n }), b.transport.local.port);
    await waitUntil(() => b.transport.stats().rx.datagrams === 6, 'six datagrams');
    expect(b.transport.stats().dropped.stale).toBe(1);
    await raw.close();
  });

  it('counts a forged signature, and it does not advance the sender window', async () => {
    const b = await peer();
    const raw = await openRawSocket();
    const signer = ed.createSigner(new Uint8Array(32).fill(201));
    const forged = encodeMessage(Ping, { nonce: 1n, sentAtMs: 0 }, { signer, sequence: 1000n });
    forged[50] = (forged[50] as number) ^ 1;
    await raw.send(forged, b.transport.local.port);
    await raw.send(encodeMessage(Ping, { nonce: 2n, sentAtMs: 0 }, { signer, sequence: 5n }), b.transport.local.port);
    await waitUntil(() => b.transport.stats().rx.datagrams === 2, 'two datagrams');
    expect(b.transport.stats().dropped['bad-signature']).toBe(1);
    expect(b.pinger.answered).toBe(1);
    await raw.close();
  });

  it('dispatches through the handler table: a known kind without a handler is counted, not crashed on', async () => {
    const b = await peer();
    const raw = await openRawSocket();
    await raw.send(encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array(4) }), b.transport.local.port);
    await waitUntil(() => b.transport.stats().rx.datagrams === 1, 'one datagram');
    expect(b.transport.stats().dropped['no-handler']).toBe(1);
    await raw.close();
  });

  it('a throwing handler is counted as handler-error and reported, and the peer keeps serving', async () => {
    const errors: string[] = [];
    const t = await createTransport(
      { host: '127.0.0.1', port: 0 },
      {
        registry: createProtocolRegistry(),
        signer: ed.createSigner(new Uint8Array(32).fill(202)),
        verify: ed.verify,
        clock: systemClock,
        onHandlerError: (_e, kind) => errors.push(kind),
      },
    );
    open.push(t);
    let calls = 0;
    t.handle(Chunk, () => {
      calls++;
      if (calls === 1) throw new Error('bug');
    });
    const raw = await openRawSocket();
    const chunk = encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array(1) });
    await raw.send(chunk, t.local.port);
    await raw.send(chunk, t.local.port);
    await waitUntil(() => t.stats().rx.datagrams === 2, 'two datagrams');
    expect(t.stats().dropped['handler-error']).toBe(1);
    expect(t.stats().rx.accepted).toBe(1);
    expect(errors).toEqual(['chunk']);
    expect(() => t.handle(Chunk, () => {})).toThrow(/already installed/);
    await raw.close();
  });

  it('measures round trips on its own clock: a pong cannot claim a send time', async () => {
    const [a] = [await peer()];
    const raw = await openRawSocket();
    const liar = ed.createSigner(new Uint8Array(32).fill(203));
    raw.socket.on('message', (msg) => {
      // Answer the ping with a pong that claims it was sent far in the future.
      const nonce = new DataView(msg.buffer, msg.byteOffset).getBigUint64(43);
      void raw.send(encodeMessage(Pong, { nonce, echoSentAtMs: 1e15 }, { signer: liar, sequence: 1n }), a.transport.local.port);
    });
    const rtt = await a.pinger.ping({ host: '127.0.0.1', port: raw.socket.address().port }, 2000);
    expect(rtt).not.toBeNull();
    expect(rtt as number).toBeGreaterThanOrEqual(0);
    expect(rtt as number).toBeLessThan(2000);
    await raw.close();
  });

  it('sending after close is counted, not thrown', async () => {
    const [a, b] = [await peer(), await peer()];
    await a.close();
    a.transport.send(b.transport.local, Ping, { nonce: 1n, sentAtMs: 0 });
    expect(a.transport.stats().tx.afterClose).toBe(1);
  });

  it('has a drop counter for every reason', async () => {
    const a = await peer();
    expect(Object.keys(a.transport.stats().dropped).sort()).toEqual([...DROP_REASONS].sort());
  });
});

describe('pairwise MACs in the envelope (docs/wire.md, "Signature or MAC")', () => {
  const proofs = (t: Transport) => t.stats().authentication;

  it('signs a first contact, then both sides MAC: the receiver learned the sender\'s key, and the sender the answerer\'s', async () => {
    const [a, b] = [await peer(), await peer()];
    expect(await a.pinger.ping(b.transport.local, 2000)).not.toBeNull();
    expect(proofs(a.transport)).toMatchObject({ signed: 1, maced: 0, macsChecked: 1 });
    expect(proofs(b.transport)).toMatchObject({ signed: 0, maced: 1, signaturesVerified: 1 });
    expect(await a.pinger.ping(b.transport.local, 2000)).not.toBeNull();
    expect(proofs(a.transport)).toMatchObject({ signed: 1, maced: 1 });
    expect(proofs(b.transport)).toMatchObject({ maced: 2, macsChecked: 1, signaturesVerified: 1 });
  });

  it('MACs from the first datagram to a peer it was introduced to, and broadcasts one body to several', async () => {
    const [a, b, c] = [await peer(), await peer(), await peer()];
    a.transport.introduce(b.transport.local, b.publicKey);
    a.transport.introduce(c.transport.local, c.publicKey);
    a.transport.broadcast([b.transport.local, c.transport.local], Ping, { nonce: 7n, sentAtMs: 0 });
    await waitUntil(() => b.pinger.answered === 1 && c.pinger.answered === 1, 'both pings answered');
    expect(proofs(a.transport)).toMatchObject({ signed: 0, maced: 2 });
    expect(proofs(b.transport).signaturesVerified).toBe(0);
    expect(proofs(c.transport).signaturesVerified).toBe(0);
  });

  it('drops a MAC meant for someone else, a tampered one, and one under a key no pairwise key can be agreed with, as bad-mac', async () => {
    const [a, b, c] = [await peer(), await peer(), await peer()];
    const raw = await openRawSocket();
    const captured: Uint8Array[] = [];
    // What a sends to the raw socket's port, introduced as b's key: a datagram MAC'd for b.
    raw.socket.on('message', (m) => captured.push(new Uint8Array(m)));
    a.transport.introduce({ host: '127.0.0.1', port: raw.socket.address().port }, b.publicKey);
    a.transport.send({ host: '127.0.0.1', port: raw.socket.address().port }, Ping, { nonce: 1n, sentAtMs: 0 });
    await waitUntil(() => captured.length === 1, 'the MAC\'d ping');
    const forB = captured[0] as Uint8Array;
    expect(forB[2]).toBe(0x02);
    await raw.send(forB, c.transport.local.port);
    const tampered = forB.slice();
    tampered[50] = (tampered[50] as number) ^ 1;
    await raw.send(tampered, b.transport.local.port);
    const garbageKey = forB.slice();
    garbageKey.fill(0, 3, 35);
    await raw.send(garbageKey, b.transport.local.port);
    await waitUntil(() => c.transport.stats().dropped['bad-mac'] === 1 && b.transport.stats().dropped['bad-mac'] === 2, 'three refusals');
    // The untouched one is fine at its recipient.
    await raw.send(forB, b.transport.local.port);
    await waitUntil(() => b.pinger.answered === 1, 'b answers the genuine ping');
    await raw.close();
  });
});

describe('kernel UDP counters', () => {
  it('parses RcvbufErrors from /proc/net/snmp', () => {
    const text = 'Ip: Forwarding\nIp: 1\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\nUdp: 100 2 7 90 5 1 0\n';
    expect(parseUdpSnmp(text)).toEqual({ inDatagrams: 100, inErrors: 7, rcvbufErrors: 5, sndbufErrors: 1 });
    expect(parseUdpSnmp('garbage')).toBeNull();
    expect(parseUdpSnmp('Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 1 2 3 4\n')).toBeNull();
  });

  it('attributes per-socket drops by local port from /proc/net/udp', () => {
    const text = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  1: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 12',
      '  2: 0100007F:9C41 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 3',
    ].join('\n');
    expect(parseSocketDrops(text, new Set([0x9c40]))).toEqual(new Map([[0x9c40, 12]]));
  });
});
