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
function member0() {
  const clock = new ManualClock(1000);
  const timers: { due: number; fn: () => void }[] = [];
  const sent: unknown[] = [];
  const played: number[] = [];
  const transport = { send: (_to: unknown, _spec: unknown, body: unknown) => sent.push(body) } as unknown as Transport;
  const session = new NeoSession(view, { roundMs: 100, lastRound: 20 }, {
    transport,
    sign: (m) => (signers[0] as (typeof signers)[0]).sign(m),
    verify: ed.verify,
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
  return { session, clock, sent, played, runDue };
}

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

  it('keeps one proof per member and round however many versions a member signs', () => {
    const { session, runDue } = member0();
    session.start();
    runDue();
    for (let v = 0; v < 20; v++) session.receive(signed(1, 0, { update: new Uint8Array([v]) }), false);
    expect(session.stats().counters.equivocation).toBe(1);
    expect(session.stats().equivocations).toHaveLength(1);
  });
});
