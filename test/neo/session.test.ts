import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import type { Transport } from '../../src/net/index.js';
import { NeoSession, NeoRoundContent, roundSigningBytes, type NeoRoundContentValue, type SignedRound } from '../../src/neo/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { encodeWith } from '../../src/wire/index.js';

const ed = createEd25519('native');
const signers = [1, 2, 3].map((b) => ed.createSigner(new Uint8Array(32).fill(b)));
const outsider = ed.createSigner(new Uint8Array(32).fill(99));
const sessionId = new Uint8Array(16).fill(5);
const view = { sessionId, number: 3, startRound: 0, members: signers.map((s, i) => ({ publicKey: s.publicKey, endpoint: { host: '127.0.0.1', port: 1000 + i } })) };

/** Member 0's session with a recording transport and a hand-driven timer list (unit level: no sockets). */
function member0(options: { signatureSampleRate?: number } = {}) {
  const clock = new ManualClock(1000);
  const timers: { due: number; fn: () => void }[] = [];
  const sent: unknown[] = [];
  const played: number[] = [];
  const caught: { member: number; round: number }[] = [];
  const verified = { count: 0 };
  const transport = {
    send: (_to: unknown, _spec: unknown, body: unknown) => sent.push(body),
    broadcast: (to: readonly unknown[], _spec: unknown, body: unknown) => to.forEach(() => sent.push(body)),
    introduce: () => {},
  } as unknown as Transport;
  const session = new NeoSession(view, { roundMs: 100, lastRound: 20, ...options }, {
    transport,
    sign: (m) => (signers[0] as (typeof signers)[0]).sign(m),
    verify: (sig, m, pk) => (verified.count++, ed.verify(sig, m, pk)),
    random: () => 0.5,
    onBadSignature: (member, round) => caught.push({ member, round }),
    clock,
    scheduler: { schedule: (due, fn) => (timers.push({ due, fn }), { cancel: () => true }) },
    memberIndex: 0,
    startMs: 1000,
    nextUpdate: (round) => new Uint8Array([round]),
    playRound: (round) => played.push(round),
    stateHash: () => new Uint8Array(32),
  });
  const runDue = () => {
    for (;;) {
      timers.sort((a, b) => a.due - b.due);
      const next = timers[0];
      if (!next || next.due > clock.nowMs()) return;
      timers.shift();
      next.fn();
    }
  };
  return { session, clock, sent, played, runDue, caught, verified };
}

const keyOf = (member: number) => (signers[member] as (typeof signers)[0]).publicKey;
/** The same content under a corrupted signature: what a member sending bad signatures puts on the wire. */
const badlySigned = (m: SignedRound): SignedRound => ({ content: m.content, signature: m.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) });

function signed(sender: number, round: number, overrides: Partial<NeoRoundContentValue> = {}, signer = signers[sender]): SignedRound {
  const content = encodeWith(NeoRoundContent, {
    session: sessionId,
    view: 3,
    round,
    sender,
    update: new Uint8Array([1, 2, 3]),
    reveal: null,
    votes: null,
    stateHash: null,
    proposal: null,
    ...overrides,
  });
  return { content, signature: (signer as (typeof signers)[0]).sign(roundSigningBytes(content)) };
}

describe('NEO session: which messages count', () => {
  it('sends one signed message per other member per round, on the schedule', () => {
    const { session, clock, sent, runDue } = member0();
    session.start();
    runDue();
    expect(sent).toHaveLength(2);
    clock.advance(100);
    runDue();
    expect(sent).toHaveLength(4);
    expect(session.stats().counters.sent).toBe(4);
  });

  it('counts a replayed message as a duplicate and stores it once', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    const m = signed(1, 0);
    session.receive(m, false);
    session.receive(m, false);
    expect(session.stats().counters).toMatchObject({ received: 1, duplicate: 1, onTime: 1 });
  });

  it('refuses messages from outside the view, under a wrong signature, session or view', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    session.receive(signed(2, 0, { sender: 7 }, outsider), false);
    session.receive(signed(1, 0, {}, outsider), false);
    session.receive(signed(1, 0, { session: new Uint8Array(16) }), false);
    session.receive(signed(1, 0, { view: 4 }), false);
    session.receive({ content: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64) }, false);
    expect(session.stats().counters).toMatchObject({ nonMember: 1, badSignature: 1, wrongSession: 1, wrongView: 1, malformed: 1, received: 0 });
  });

  it('refuses rounds far in the future and rounds already decided', () => {
    const { session, clock, runDue } = member0();
    session.start();
    runDue();
    session.receive(signed(1, 9), false);
    expect(session.stats().counters.futureRound).toBe(1);
    // Let rounds pass with nobody else talking: round 0 is decided (all dropped) once it is forced.
    clock.advance(2000);
    runDue();
    expect(session.stats().nextRoundToDecide).toBeGreaterThan(0);
    session.receive(signed(1, 0), false);
    expect(session.stats().counters.staleRound).toBe(1);
  });

  it('keeps both versions of an equivocating member as evidence', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    session.receive(signed(1, 0, { update: new Uint8Array([1]) }), false);
    session.receive(signed(1, 0, { update: new Uint8Array([2]) }), false);
    const stats = session.stats();
    expect(stats.counters.equivocation).toBe(1);
    expect(stats.equivocations).toHaveLength(1);
    expect(stats.equivocations[0]).toMatchObject({ round: 0, member: 1 });
  });

  it('marks a message late once this member has voted on its round', () => {
    const { session, clock, runDue } = member0();
    session.start();
    runDue();
    clock.advance(100); // round 1 starts: the vote on round 0 is closed
    runDue();
    session.receive(signed(1, 0), false);
    session.receive(signed(2, 1), false);
    expect(session.stats().counters).toMatchObject({ late: 1, onTime: 1 });
  });

  it('never counts a forwarded copy as on time, but a direct copy arriving in time still is', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    const m = signed(1, 0);
    session.receive(m, true);
    expect(session.stats().counters).toMatchObject({ received: 1, forwardedIn: 1, onTime: 0 });
    session.receive(m, false);
    expect(session.stats().counters).toMatchObject({ duplicate: 1, onTime: 1 });
  });

  it('answers a fetch from a view member only, to that member\'s own endpoint', () => {
    const sentTo: unknown[] = [];
    const { session, runDue } = member0();
    (session as unknown as { deps: { transport: { send: (to: unknown) => void } } }).deps.transport.send = (to) => sentTo.push(to);
    session.start();
    runDue();
    session.receive(signed(1, 0), false);
    sentTo.length = 0;
    session.answerFetch(outsider.publicKey, { session: sessionId, view: 3, round: 0, member: 1 });
    expect(sentTo).toHaveLength(0);
    session.answerFetch((signers[2] as (typeof signers)[0]).publicKey, { session: sessionId, view: 3, round: 0, member: 1 });
    expect(sentTo).toEqual([view.members[2]?.endpoint]);
    // A retry right away is not answered again; the counter shows one forward.
    session.answerFetch((signers[2] as (typeof signers)[0]).publicKey, { session: sessionId, view: 3, round: 0, member: 1 });
    expect(session.stats().counters.forwardsSent).toBe(1);
  });

  it('still answers a fetch for a round it has already played, from the signed bytes it kept', () => {
    const { session, clock, runDue, sent } = member0({ signatureSampleRate: 0 });
    session.start();
    runDue();
    session.receive(signed(1, 0, { update: new Uint8Array([1]) }), false, keyOf(1));
    session.receive(signed(1, 0, { update: new Uint8Array([2]) }), false, keyOf(1));
    clock.advance(950); // past round 0's forced decision (d + maxWaitRounds rounds), not yet past round 1's
    runDue();
    expect(session.stats().nextRoundToDecide).toBe(1);
    sent.length = 0;
    session.answerFetch(keyOf(2), { session: sessionId, view: 3, round: 0, member: 1 });
    // Both versions go out (the second is the evidence a slower member needs), signatures checked first.
    expect(sent).toHaveLength(2);
    expect(session.stats().counters.forwardsSent).toBe(2);
  });

  it('keeps one proof per member and round however many versions a member signs', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    for (let v = 0; v < 20; v++) session.receive(signed(1, 0, { update: new Uint8Array([v]) }), false);
    expect(session.stats().counters.equivocation).toBe(1);
    expect(session.stats().equivocations).toHaveLength(1);
  });
});

describe('NEO session: content signatures under envelope authentication (docs/protocol-neo.md, "Authentication cost")', () => {
  it('verifies a message its author authenticated in the envelope only when the sample draws it', () => {
    const unsampled = member0({ signatureSampleRate: 0.25 });
    unsampled.session.start();
    unsampled.runDue();
    unsampled.session.receive(signed(1, 0), false, keyOf(1));
    expect(unsampled.verified.count).toBe(0);
    expect(unsampled.session.stats().counters).toMatchObject({ received: 1, signaturesVerified: 0, signaturesSampled: 0 });

    const sampled = member0({ signatureSampleRate: 0.75 });
    sampled.session.start();
    sampled.runDue();
    sampled.session.receive(signed(1, 0), false, keyOf(1));
    expect(sampled.session.stats().counters).toMatchObject({ received: 1, signaturesVerified: 1, signaturesSampled: 1 });
  });

  it('always verifies a forwarded copy, or a member\'s message that came from another key, and refuses a bad one', () => {
    const { session, runDue, verified } = member0({ signatureSampleRate: 0 });
    session.start();
    runDue();
    session.receive(badlySigned(signed(1, 0)), true, keyOf(2));
    session.receive(badlySigned(signed(2, 0)), false, keyOf(1));
    session.receive(badlySigned(signed(2, 0)), false, null);
    expect(verified.count).toBe(3);
    expect(session.stats().counters).toMatchObject({ received: 0, badSignature: 3, badSignaturesCaught: 0 });
    session.receive(signed(1, 0), true, keyOf(2));
    expect(session.stats().counters).toMatchObject({ received: 1, forwardedIn: 1 });
  });

  it('keeps a sampled bad signature from the author (its content is the author\'s), reports it, and verifies that author in full from then on', () => {
    const { session, clock, runDue, caught, verified } = member0({ signatureSampleRate: 0.75 });
    session.start();
    runDue();
    session.receive(badlySigned(signed(1, 0)), false, keyOf(1));
    expect(session.stats().counters).toMatchObject({ received: 1, badSignaturesCaught: 1 });
    // From here on the sample would not draw member 1's messages (0.5 >= 0.25 below): verified because it was caught.
    (session as unknown as { sampleRate: number }).sampleRate = 0.25;
    expect(caught).toEqual([{ member: 1, round: 0 }]);
    clock.advance(100);
    runDue();
    const before = verified.count;
    session.receive(badlySigned(signed(1, 1)), false, keyOf(1));
    expect(verified.count).toBe(before + 1);
    expect(caught).toEqual([{ member: 1, round: 0 }, { member: 1, round: 1 }]);
  });

  it('checks both signatures before two versions become evidence, and never forwards a version whose signature fails', () => {
    const { session, runDue, sent } = member0({ signatureSampleRate: 0 });
    session.start();
    runDue();
    session.receive(badlySigned(signed(1, 0, { update: new Uint8Array([1]) })), false, keyOf(1));
    session.receive(signed(1, 0, { update: new Uint8Array([2]) }), false, keyOf(1));
    expect(session.stats().counters).toMatchObject({ equivocation: 0, badSignaturesCaught: 1 });
    expect(session.stats().equivocations).toHaveLength(0);
    sent.length = 0;
    session.answerFetch(keyOf(2), { session: sessionId, view: 3, round: 0, member: 1 });
    // Only the version with a valid signature goes out.
    expect(sent).toHaveLength(1);
  });
});
