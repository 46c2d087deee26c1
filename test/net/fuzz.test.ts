import { describe, expect, it } from 'vitest';
import { ALL_MESSAGES } from '../../src/catalog.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { DROP_REASONS, Ping } from '../../src/net/index.js';
import { createRng } from '../../src/random/index.js';
import { Chunk, encodeMessage, MAX_DATAGRAM_BYTES, WIRE_VERSION } from '../../src/wire/index.js';
import { openRawSocket, startTestPeer, waitUntil } from '../support/peers.js';

const TOTAL = 100_000;
const BATCH = 250;

/**
 * A live peer under a stream of hostile datagrams on a real socket: random bytes, random bytes
 * behind a plausible header, mutated valid messages, replays, oversized datagrams, and a share of
 * valid pings. Every datagram must land under exactly one counter, and the peer must still answer.
 */
describe('a live peer under 100,000 random and mutated datagrams', () => {
  it('never crashes, counts every datagram under a reason, and still answers a valid request', async () => {
    const victim = await startTestPeer();
    const checker = await startTestPeer();
    const raw = await openRawSocket();
    const rng = createRng('fuzz-test').fork('datagrams');
    const ed = createEd25519('native');
    const attacker = ed.createSigner(rng.bytes(32));
    let sequence = 1n;
    const validPings: Uint8Array[] = [];
    let firstPing: Uint8Array | undefined;
    const freshPing = () => {
      const bytes = encodeMessage(Ping, { nonce: sequence, sentAtMs: rng.float() * 1e6 }, { signer: attacker, sequence: sequence++ });
      firstPing ??= bytes;
      validPings.push(bytes);
      if (validPings.length > 64) validPings.shift();
      return bytes;
    };
    const kinds = ALL_MESSAGES.map((s) => s.kind).concat([0x00, 0xff, 0x7e]);
    const sent = { valid: 0, unhandled: 0, total: 0 };

    const next = (): Uint8Array => {
      const roll = rng.float();
      if (roll < 0.15) return rng.bytes(rng.int(MAX_DATAGRAM_BYTES + 200));
      if (roll < 0.35) {
        const b = rng.bytes(rng.int(300));
        if (b.length > 0) b[0] = WIRE_VERSION;
        if (b.length > 1) b[1] = rng.pick(kinds);
        if (b.length > 2) b[2] = rng.int(4);
        return b;
      }
      if (roll < 0.75 && validPings.length > 0) {
        const base = rng.pick(validPings);
        const op = rng.int(3);
        if (op === 0) {
          const m = base.slice();
          for (let i = 1 + rng.int(4); i > 0; i--) {
            const at = rng.int(m.length);
            m[at] = (m[at] as number) ^ (1 + rng.int(255));
          }
          return m;
        }
        if (op === 1) return base.slice(0, rng.int(base.length));
        const longer = new Uint8Array(base.length + 1 + rng.int(40));
        longer.set(base);
        longer.set(rng.bytes(longer.length - base.length), base.length);
        return longer;
      }
      if (roll < 0.89 && validPings.length > 0) return rng.pick(validPings); // replay
      if (roll < 0.9 && firstPing && sequence > 5000n) return firstPing; // far below the window: stale
      // A MAC proof from a key the victim shares no channel with (or a tag that does not match): bad-mac, never by chance alone.
      if (roll < 0.91) return encodeMessage(Ping, { nonce: sequence, sentAtMs: 0 }, { mac: { publicKey: attacker.publicKey, tag: () => rng.bytes(16) }, sequence: sequence++ });
      if (roll < 0.93) {
        sent.unhandled++;
        return encodeMessage(Chunk, { chunkId: rng.bytes(32), data: rng.bytes(rng.int(1025)) });
      }
      sent.valid++;
      return freshPing();
    };

    for (let batchStart = 0; batchStart < TOTAL; batchStart += BATCH) {
      const n = Math.min(BATCH, TOTAL - batchStart);
      for (let i = 0; i < n; i++) {
        await raw.send(next(), victim.transport.local.port);
        sent.total++;
      }
      // Pace to the receiver so the kernel buffer never overflows: a kernel drop would hide a datagram from the count.
      await waitUntil(() => victim.transport.stats().rx.datagrams === sent.total, `receipt of ${sent.total} datagrams`, 30_000);
    }

    const stats = victim.transport.stats();
    const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
    expect(stats.rx.datagrams).toBe(TOTAL);
    expect(stats.rx.processed).toBe(TOTAL);
    expect(stats.rx.accepted + dropped).toBe(TOTAL);
    expect(stats.rx.accepted).toBe(sent.valid);
    expect(stats.dropped['no-handler']).toBe(sent.unhandled);
    expect(stats.dropped['handler-error']).toBe(0);
    expect(stats.dropped['internal-error']).toBe(0);
    for (const reason of ['oversized', 'truncated', 'malformed', 'bad-version', 'unknown-kind', 'unsigned', 'bad-signature', 'bad-mac', 'replay', 'stale', 'no-handler'] as const) {
      expect(stats.dropped[reason], reason).toBeGreaterThan(0);
    }
    expect(Object.keys(stats.dropped).sort()).toEqual([...DROP_REASONS].sort());
    console.log(`fuzz: ${TOTAL} datagrams, accepted ${stats.rx.accepted}, dropped ${JSON.stringify(stats.dropped)}`);

    const rtt = await checker.pinger.ping(victim.transport.local, 2000);
    expect(rtt).not.toBeNull();

    await raw.close();
    await victim.close();
    await checker.close();
  });
});
