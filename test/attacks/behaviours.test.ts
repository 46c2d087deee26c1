import { describe, expect, it } from 'vitest';
import { createAttackLedger, createAttackTransport } from '../../src/attacks/index.js';
import { createCommitment, createEd25519, openCommitment } from '../../src/crypto/index.js';
import { NeoForward, NeoRound, NeoRoundContent, roundSigningBytes, updateAad, type NeoRoundContentValue, type SignedRound } from '../../src/neo/index.js';
import type { Endpoint, Handler, Transport } from '../../src/net/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { decodeWith, encodeWith, type MessageSpec } from '../../src/wire/index.js';

const ed = createEd25519('native');
const signer = ed.createSigner(new Uint8Array(32).fill(4));
const session = new Uint8Array(16).fill(1);
const to = (port: number): Endpoint => ({ host: '127.0.0.1', port });
const recipients = [to(1), to(2), to(3), to(4)];

/** A transport that records what would go on the wire. */
function fakeTransport() {
  const sent: { to: Endpoint; kind: string; body: unknown }[] = [];
  const handlers = new Map<number, Handler<unknown>>();
  const transport: Transport = {
    local: to(9),
    endpointId: '127.0.0.1:9',
    publicKey: signer.publicKey,
    socketBuffers: { recvBytes: 0, sendBytes: 0 },
    handle: <T>(spec: MessageSpec<T>, h: Handler<T>) => void handlers.set(spec.kind, h as Handler<unknown>),
    send: <T>(t: Endpoint, spec: MessageSpec<T>, body: T) => void sent.push({ to: t, kind: spec.name, body }),
    broadcast: <T>(ts: readonly Endpoint[], spec: MessageSpec<T>, body: T) => ts.forEach((t) => sent.push({ to: t, kind: spec.name, body })),
    introduce: () => {},
    sendBytes: () => {},
    stats: () => {
      throw new Error('not used');
    },
    close: async () => {},
  };
  return { transport, sent, handlers };
}

/** What NeoSession would send in `round` (sender 2), with its key for the previous round. */
function honest(round: number, keys: Map<number, Uint8Array>): SignedRound {
  const { key, commitment } = createCommitment(new Uint8Array([round]), updateAad(session, 1, round, 2));
  keys.set(round, key);
  const prev = keys.get(round - 1);
  const content: NeoRoundContentValue = { session, view: 1, round, sender: 2, update: commitment, reveal: prev ? { round: round - 1, key: prev } : null, votes: null, stateHash: null, proposal: null };
  const bytes = encodeWith(NeoRoundContent, content);
  return { content: bytes, signature: signer.sign(roundSigningBytes(bytes)) };
}

const contentOf = (s: SignedRound) => decodeWith(NeoRoundContent, s.content);
const validly = (s: SignedRound) => ed.verify(s.signature, roundSigningBytes(s.content), signer.publicKey);

describe('attack transport', () => {
  it('inconsistency: two validly signed versions, to alternate recipients, each opened by its own key', () => {
    const { transport, sent } = fakeTransport();
    const ledger = createAttackLedger();
    const clock = new ManualClock(0);
    const attack = createAttackTransport(transport, [{ kind: 'inconsistency', fromRound: 5, toRound: 5 }], { sign: (m) => signer.sign(m), clock, scheduler: { schedule: () => undefined }, ledger });
    const keys = new Map<number, Uint8Array>();
    for (const round of [5, 6]) {
      const s = honest(round, keys);
      for (const r of recipients) attack.send(r, NeoRound, s);
    }
    const r5 = sent.filter((x) => contentOf(x.body as SignedRound).round === 5).map((x) => x.body as SignedRound);
    const r6 = sent.filter((x) => contentOf(x.body as SignedRound).round === 6).map((x) => x.body as SignedRound);
    expect(r5).toHaveLength(4);
    expect(new Set(r5.map((s) => Buffer.from(s.content).toString('hex'))).size).toBe(2);
    for (const s of [...r5, ...r6]) expect(validly(s)).toBe(true);
    // Each recipient's round-6 reveal opens the round-5 update it got.
    for (let i = 0; i < 4; i++) {
      const update = contentOf(r5[i] as SignedRound).update;
      const reveal = contentOf(r6[i] as SignedRound).reveal!;
      expect(openCommitment(reveal.key, update, updateAad(session, 1, 5, 2))).not.toBeNull();
    }
    expect(ledger.summary().kinds[0]).toMatchObject({ kind: 'inconsistency', attempts: 1 });
  });

  it('key withholding: the reveal is stripped and re-signed, and a fetch of that message gets the stripped one', () => {
    const { transport, sent } = fakeTransport();
    const clock = new ManualClock(0);
    const attack = createAttackTransport(transport, [{ kind: 'key-withholding', fromRound: 5, toRound: 5 }], { sign: (m) => signer.sign(m), clock, scheduler: { schedule: () => undefined } });
    const keys = new Map<number, Uint8Array>();
    honest(4, keys);
    const s5 = honest(5, keys);
    const s6 = honest(6, keys);
    attack.send(to(1), NeoRound, s5);
    attack.send(to(1), NeoRound, s6);
    const out6 = sent[1]!.body as SignedRound;
    expect(contentOf(s6).reveal).not.toBeNull();
    expect(contentOf(out6).reveal).toBeNull();
    expect(validly(out6)).toBe(true);
    // The member's NEO session answers a fetch with the original (it holds that one): the proxy tells the same lie.
    attack.send(to(1), NeoForward, s6);
    expect(sent[2]!.kind).toBe('neo-forward');
    expect(contentOf(sent[2]!.body as SignedRound).reveal).toBeNull();
  });

  it('fixed-delay holds each message for delayMs; honest rounds outside the window pass untouched', () => {
    const { transport, sent } = fakeTransport();
    const clock = new ManualClock(0);
    const due: { at: number; fn: () => void }[] = [];
    const attack = createAttackTransport(transport, [{ kind: 'fixed-delay', fromRound: 5, toRound: 5, params: { delayMs: 70 } }], {
      sign: (m) => signer.sign(m),
      clock,
      scheduler: { schedule: (at, fn) => due.push({ at, fn }) },
    });
    const keys = new Map<number, Uint8Array>();
    const s4 = honest(4, keys);
    const s5 = honest(5, keys);
    attack.send(to(1), NeoRound, s4);
    attack.send(to(1), NeoRound, s5);
    expect(sent.map((x) => x.body)).toEqual([s4]);
    expect(due.map((d) => d.at)).toEqual([70]);
    due[0]!.fn();
    expect(sent[1]!.body).toBe(s5);
  });

  it('refuses a malformed plan (a programmer error)', () => {
    const { transport } = fakeTransport();
    const deps = { sign: (m: Uint8Array) => signer.sign(m), clock: new ManualClock(0), scheduler: { schedule: () => undefined } };
    expect(() => createAttackTransport(transport, [{ kind: 'fixed-delay', fromRound: 5, toRound: 5 }], deps)).toThrow(RangeError);
    expect(() => createAttackTransport(transport, [{ kind: 'replay', fromRound: 5, toRound: 4, params: { victim: 0 } }], deps)).toThrow(RangeError);
    expect(() => createAttackTransport(transport, [{ kind: 'false-votes', fromRound: 5, toRound: 6, params: { role: 'friend', delayMs: 10 } }], deps)).toThrow(RangeError);
  });
});
