import { createCommitment, digest16, openCommitment, toHex } from '../crypto/index.js';
import { encodeUpdate } from '../game/index.js';
import { encodePayload } from '../groups/payload.js';
import { NeoForward, NeoRound, NeoRoundContent, roundSigningBytes, updateAad, type NeoRoundContentValue, type SignedRound } from '../neo/index.js';
import { endpointId, wrapTransport, type Endpoint, type Handler, type Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { DecodeError, decodeWith, encodeWith, type MessageSpec } from '../wire/index.js';
import type { AttackGoal, AttackKind, AttackLedger } from './ledger.js';

/**
 * Attack behaviours (SPEC §8) as a wrapper around the transport an honest member uses: the member
 * runs the honest code unchanged, and this proxy rewrites, delays, holds, duplicates or re-signs
 * the member's own outgoing `neo-round` messages (with the member's own key) for a window of
 * rounds. Honest code has no attack branch anywhere; an attacker is an honest member whose
 * transport lies.
 */

export interface AttackParams {
  /** fixed-delay, and the late friend of false-votes / colluding-majority: how late its messages go out (ms). */
  readonly delayMs?: number;
  /** suppress-correct: rounds of messages held before they go out in one burst. Default 3. */
  readonly holdRounds?: number;
  /** replay: the view member index whose messages are replayed and whose sealed update and key are passed off as the attacker's. */
  readonly victim?: number;
  /** replay, lookahead: the longest wait for the messages the attack needs before it sends anyway (ms). Default 100. */
  readonly waitMs?: number;
  /** false-votes, colluding-majority: the late `friend`, or a `voter` that votes the friend's late update on time. */
  readonly role?: 'friend' | 'voter';
  /** false-votes, colluding-majority voters: the friend's member index in the view. */
  readonly friend?: number;
  /**
   * inconsistency: what differs between the two versions. `update` (default): the second half of
   * the group gets another sealed update, opened by another key; `reveal`: the same update, but
   * the second half gets the revealing message without the key (the split of docs/protocol-neo.md).
   */
  readonly split?: 'update' | 'reveal';
}

/** One attack of one peer: `kind` with `params`, on the messages of rounds `fromRound`..`toRound`. */
export interface AttackSpec {
  readonly kind: AttackKind;
  readonly fromRound: number;
  readonly toRound: number;
  readonly params?: AttackParams;
}

/**
 * Colluders' shared channel (in-process): voters enlist their endpoints, so the late friend sends
 * to them on time (their own replicas then vote it on time and agree with what they tell others);
 * the friend also posts its update digests, and a voter adds the friend to any ballot that lacks it.
 */
export interface Collusion {
  enlist(endpoint: Endpoint): void;
  includes(endpoint: Endpoint): boolean;
  post(sessionId: Uint8Array, view: number, round: number, member: number, digest: Uint8Array): void;
  get(sessionId: Uint8Array, view: number, round: number, member: number): Uint8Array | undefined;
}

export function createCollusion(): Collusion {
  const posted = new Map<string, Uint8Array>();
  const members = new Set<string>();
  const key = (s: Uint8Array, v: number, r: number, m: number) => `${toHex(s)}/${v}/${r}/${m}`;
  return {
    enlist: (e) => void members.add(endpointId(e)),
    includes: (e) => members.has(endpointId(e)),
    post(s, v, r, m, digest) {
      posted.set(key(s, v, r, m), digest);
      if (posted.size > 4096) posted.delete(posted.keys().next().value as string);
    },
    get: (s, v, r, m) => posted.get(key(s, v, r, m)),
  };
}

export interface AttackDeps {
  /** The attacker's own signing key (the peer's signer): rewritten messages are validly signed by it. */
  readonly sign: (message: Uint8Array) => Uint8Array;
  readonly clock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): unknown };
  readonly ledger?: AttackLedger;
  /** Required by false-votes and colluding-majority. */
  readonly collusion?: Collusion;
}

export const ATTACK_COUNTERS = ['rewritten', 'delayed', 'held', 'released', 'replayed', 'forwardsRewritten', 'forwardsWithheld'] as const;
export type AttackCounter = (typeof ATTACK_COUNTERS)[number];

export interface AttackTransport extends Transport {
  readonly attacks: readonly AttackSpec[];
  attackCounters(): Record<AttackCounter, number>;
}

function withBadSignature(signed: SignedRound): SignedRound {
  const signature = Uint8Array.from(signed.signature);
  signature[0] = (signature[0] as number) ^ 0x01;
  return { content: signed.content, signature };
}
const IDLE_PAYLOAD = encodePayload({ update: encodeUpdate({ dx: 0, dy: 0, action: { kind: 'none' } }), ops: [] });
const KEEP_ROUNDS = 16;

interface Outgoing {
  readonly signed: SignedRound;
  readonly content: NeoRoundContentValue;
  readonly recipients: Endpoint[];
  sent: boolean;
  /** Set for held messages: when to send regardless. */
  deadline?: number;
}

function validate(attacks: readonly AttackSpec[], deps: AttackDeps): void {
  for (const a of attacks) {
    if (!Number.isInteger(a.fromRound) || !Number.isInteger(a.toRound) || a.fromRound > a.toRound) throw new RangeError(`attack ${a.kind}: fromRound..toRound must be integers in order`);
    const p = a.params ?? {};
    if (a.kind === 'fixed-delay' && !(typeof p.delayMs === 'number' && p.delayMs > 0)) throw new RangeError(`attack ${a.kind}: params.delayMs > 0 required`);
    if (a.kind === 'replay' && !(Number.isInteger(p.victim) && (p.victim as number) >= 0)) throw new RangeError('attack replay: params.victim (a member index) required');
    if (a.kind === 'false-votes' || a.kind === 'colluding-majority') {
      if (!deps.collusion) throw new RangeError(`attack ${a.kind}: deps.collusion required`);
      if (p.role === 'friend' && !(typeof p.delayMs === 'number' && p.delayMs > 0)) throw new RangeError(`attack ${a.kind}: the friend needs params.delayMs > 0`);
      if (p.role === 'voter' && !(Number.isInteger(p.friend) && (p.friend as number) >= 0)) throw new RangeError(`attack ${a.kind}: a voter needs params.friend (a member index)`);
      if (p.role !== 'friend' && p.role !== 'voter') throw new RangeError(`attack ${a.kind}: params.role must be friend or voter`);
    }
  }
}

/**
 * Wraps `inner` (the peer's transport) so the member's NEO messages carry out `attacks`. Give the
 * result to `installNeo` in place of the peer's transport; everything but `neo-round` (and the
 * member's own messages forwarded in answer to a fetch) passes through untouched.
 */
export function createAttackTransport(inner: Transport, attacks: readonly AttackSpec[], deps: AttackDeps): AttackTransport {
  validate(attacks, deps);
  for (const a of attacks) {
    deps.ledger?.registerAttacker(a.kind, inner.publicKey);
    if (a.params?.role === 'voter') deps.collusion?.enlist(inner.local);
  }
  const counters = Object.fromEntries(ATTACK_COUNTERS.map((c) => [c, 0])) as Record<AttackCounter, number>;
  const active = (kind: AttackKind, round: number) => attacks.find((a) => a.kind === kind && a.fromRound <= round && round <= a.toRound);
  const anyActive = (kinds: readonly AttackKind[], round: number) => kinds.some((k) => active(k, round));

  // What this member sent to whom, per round: answers to fetches for its own messages must tell the same lie.
  const sentTo = new Map<string, SignedRound>();
  const myIndex = new Map<string, number>();
  /** Round messages of others this member received, by session/view/round: sender → content. */
  const seen = new Map<string, Map<number, { content: NeoRoundContentValue; signed: SignedRound }>>();
  /** Waiting for what the attack needs (lookahead, replay), released in order by pump(). */
  const held: Outgoing[] = [];
  /** suppress-correct: held until the burst. */
  const suppressed: Outgoing[] = [];
  /** lookahead: fresh keys of re-sealed updates, original keys; inconsistency: the second version's keys; replay: rounds whose update was replaced. */
  const freshKeys = new Map<string, Uint8Array>();
  const ownKeys = new Map<string, Uint8Array>();
  const replaced = new Set<string>();
  let current: { signed: SignedRound; out: Outgoing } | null = null;

  const ctx = (c: { session: Uint8Array; view: number }) => `${toHex(c.session)}/${c.view}`;
  const rk = (c: { session: Uint8Array; view: number }, round: number) => `${ctx(c)}/${round}`;

  /** One attempt about the update of `round` by member `target`, made in the attacker's own message `c` (of round c.round). */
  const attempt = (kind: AttackKind, c: NeoRoundContentValue, round: number, target: number, goal: AttackGoal) =>
    deps.ledger?.attempt({ kind, attacker: inner.publicKey, sessionId: c.session, view: c.view, round, target, goal, messageRound: c.round });

  const resign = (content: NeoRoundContentValue): SignedRound => {
    const encoded = encodeWith(NeoRoundContent, content);
    counters.rewritten++;
    return { content: encoded, signature: deps.sign(roundSigningBytes(encoded)) };
  };

  const transmit = (to: Endpoint, round: number, c: NeoRoundContentValue, signed: SignedRound) => {
    sentTo.set(`${rk(c, round)}/${endpointId(to)}`, signed);
    inner.send(to, NeoRound, signed);
  };

  const forget = (c: NeoRoundContentValue) => {
    const old = c.round - KEEP_ROUNDS;
    for (const map of [sentTo, freshKeys, ownKeys] as Map<string, unknown>[]) {
      for (const k of map.keys()) if (Number(k.split('/')[2]) < old) map.delete(k);
    }
    for (const k of replaced) if (Number(k.split('/')[2]) < old) replaced.delete(k);
    for (const k of seen.keys()) if (Number(k.split('/')[2]) < old) seen.delete(k);
  };

  // ---- rewriting one message, as the active attacks want it --------------------------------------

  /** The content this member sends instead of `c` (to every recipient, or to the B half for inconsistency). */
  const rewrite = (c: NeoRoundContentValue, version: 'A' | 'B'): NeoRoundContentValue => {
    let out = c;
    const r = c.round;
    const prev = c.reveal && c.reveal.round === r - 1 ? c.reveal : null;
    if (active('key-withholding', r - 1) && prev) out = { ...out, reveal: null };
    const revealSplit = active('inconsistency', r - 1)?.params?.split === 'reveal';
    if (version === 'B' && revealSplit) {
      if (prev) out = { ...out, reveal: null };
    } else if (version === 'B') {
      const aad = updateAad(c.session, c.view, r, c.sender);
      if (active('inconsistency', r) && active('inconsistency', r)?.params?.split !== 'reveal' && c.update.length > 0) {
        const { key, commitment } = createCommitment(IDLE_PAYLOAD, aad);
        freshKeys.set(`${rk(c, r)}/B`, key);
        out = { ...out, update: commitment };
      }
      const kb = freshKeys.get(`${rk(c, r - 1)}/B`);
      if (prev && kb) out = { ...out, reveal: { round: r - 1, key: kb } };
    }
    const voter = active('false-votes', r - 1) ?? active('colluding-majority', r - 1);
    if (voter?.params?.role === 'voter' && c.votes && c.votes.round === r - 1) {
      const friend = voter.params.friend as number;
      const digest = deps.collusion?.get(c.session, c.view, r - 1, friend);
      if (digest && !c.votes.entries.some((e) => e.member === friend)) {
        const entries = [...c.votes.entries, { member: friend, digest }].sort((a, b) => a.member - b.member);
        out = { ...out, votes: { round: c.votes.round, entries } };
      }
    }
    return out;
  };

  // ---- held messages (lookahead, replay, suppress-correct) ---------------------------------------

  const othersSeen = (c: NeoRoundContentValue, round: number) => seen.get(rk(c, round))?.size ?? 0;

  /** Sends what can go now; returns true if `o` went. */
  const tryRelease = (o: Outgoing, now: number): boolean => {
    const c = o.content;
    const r = c.round;
    const late = o.deadline !== undefined && now >= o.deadline;
    if (active('lookahead', r) || active('lookahead', r - 1)) {
      // The previous message must be out first: this one reveals its fresh key.
      if (active('lookahead', r - 1) && !freshKeys.has(rk(c, r - 1)) && !late) return false;
      let content = c;
      if (active('lookahead', r)) {
        // Commit only once every other member's round-r key is in (their round r+1 messages) and our own key is known.
        const original = ownKeys.get(rk(c, r));
        if (!original || (othersSeen(c, r + 1) < o.recipients.length && !late)) return false;
        const plaintext = openCommitment(original, c.update, updateAad(c.session, c.view, r, c.sender));
        if (plaintext) {
          const { key, commitment } = createCommitment(plaintext, updateAad(c.session, c.view, r, c.sender));
          freshKeys.set(rk(c, r), key);
          content = { ...content, update: commitment };
        }
      }
      const fresh = freshKeys.get(rk(c, r - 1));
      if (fresh && c.reveal?.round === r - 1) content = { ...content, reveal: { round: r - 1, key: fresh } };
      const signed = resign(rewrite(content, 'A'));
      for (const to of o.recipients) transmit(to, r, c, signed);
    } else if (active('replay', r) || active('replay', r - 1)) {
      const spec = (active('replay', r) ?? active('replay', r - 1)) as AttackSpec;
      const victim = spec.params?.victim as number;
      const theirs = seen.get(rk(c, r))?.get(victim);
      if (!theirs && !late) return false;
      let content = c;
      if (theirs && active('replay', r) && theirs.content.update.length > 0 && c.update.length > 0) {
        content = { ...content, update: theirs.content.update };
        replaced.add(rk(c, r));
        attempt('replay', c, r, c.sender, 'accepted');
      }
      if (theirs && replaced.has(rk(c, r - 1)) && theirs.content.reveal?.round === r - 1 && c.reveal?.round === r - 1) {
        content = { ...content, reveal: theirs.content.reveal };
      }
      const signed = resign(rewrite(content, 'A'));
      for (const to of o.recipients) transmit(to, r, c, signed);
      // And a replay proper: the victim's previous signed message, sent again as if new.
      const old = seen.get(rk(c, r - 1))?.get(victim);
      if (old && active('replay', r)) {
        deps.ledger?.resent('replay', inner.publicKey);
        for (const to of o.recipients) inner.send(to, NeoRound, old.signed);
        counters.replayed++;
      }
    } else {
      const content = rewrite(c, 'A');
      const signed = content === c ? o.signed : resign(content);
      for (const to of o.recipients) transmit(to, r, c, signed);
    }
    o.sent = true;
    counters.released++;
    return true;
  };

  const pump = () => {
    const now = deps.clock.nowMs();
    // In order: a message goes only after every earlier one (its reveal may depend on them).
    while (held.length > 0) {
      const o = held[0] as Outgoing;
      if (o.recipients.length === 0 || !tryRelease(o, now)) break;
      held.shift();
    }
  };

  // ---- the member's own outgoing round messages --------------------------------------------------

  /** Called once per new round message (before its first recipient): decides how it goes out. */
  const begin = (signed: SignedRound, c: NeoRoundContentValue): Outgoing => {
    const r = c.round;
    myIndex.set(ctx(c), c.sender);
    if (c.reveal && c.reveal.round === r - 1) ownKeys.set(rk(c, r - 1), c.reveal.key);
    forget(c);
    const out: Outgoing = { signed, content: c, recipients: [], sent: false };
    const suppress = active('suppress-correct', r);
    // A burst: once the hold is over, everything held goes out at once, oldest first.
    const first = suppressed[0];
    if (first && (!suppress || r >= first.content.round + (suppress.params?.holdRounds ?? 3))) {
      for (const h of suppressed.splice(0)) tryRelease(h, deps.clock.nowMs());
    }
    if (active('key-withholding', r - 1) && c.reveal?.round === r - 1) attempt('key-withholding', c, r - 1, c.sender, 'split');
    if (suppress) {
      attempt('suppress-correct', c, r, c.sender, 'accepted');
      counters.held++;
      suppressed.push(out);
      return out;
    }
    if (active('lookahead', r)) attempt('lookahead', c, r, c.sender, 'accepted');
    if (anyActive(['lookahead', 'replay'], r) || anyActive(['lookahead', 'replay'], r - 1) || held.length > 0) {
      const wait = (active('lookahead', r) ?? active('replay', r) ?? active('lookahead', r - 1) ?? active('replay', r - 1))?.params?.waitMs ?? 100;
      out.deadline = deps.clock.nowMs() + wait;
      counters.held++;
      held.push(out);
      deps.scheduler.schedule(out.deadline, pump);
      // The first recipient is not yet known: pump once the loop over recipients is done.
      queueMicrotask(pump);
      return out;
    }
    const delay = active('fixed-delay', r);
    const friend = [active('false-votes', r), active('colluding-majority', r)].find((a) => a?.params?.role === 'friend');
    if (delay) attempt(delay.kind, c, r, c.sender, 'accepted');
    if (friend) {
      deps.collusion?.post(c.session, c.view, r, c.sender, digest16(c.update));
      attempt(friend.kind, c, r, c.sender, 'accepted');
    }
    // Where rewrite() makes the two versions differ: this round's sealed update (split: update), or
    // the reveal of the previous round's key, given to one half only (split: reveal).
    const inconsistency = active('inconsistency', r);
    if (inconsistency && inconsistency.params?.split !== 'reveal' && c.update.length > 0) attempt('inconsistency', c, r, c.sender, 'split');
    if (active('inconsistency', r - 1)?.params?.split === 'reveal' && c.reveal?.round === r - 1) attempt('inconsistency', c, r - 1, c.sender, 'split');
    if (active('bad-signature', r)) attempt('bad-signature', c, r, c.sender, 'split');
    return out;
  };

  let versionA: SignedRound | null = null;
  let versionB: SignedRound | null = null;
  let index = 0;

  const sendOwn = (to: Endpoint, signed: SignedRound) => {
    let c: NeoRoundContentValue;
    if (current?.signed !== signed) {
      try {
        c = decodeWith(NeoRoundContent, signed.content);
      } catch (e) {
        if (e instanceof DecodeError) return inner.send(to, NeoRound, signed);
        throw e;
      }
      current = { signed, out: begin(signed, c) };
      versionA = null;
      versionB = null;
      index = 0;
    }
    const out = current.out;
    c = out.content;
    const r = c.round;
    const i = index++;
    if (held.includes(out) || suppressed.includes(out)) {
      out.recipients.push(to);
      return;
    }
    const friend = [active('false-votes', r), active('colluding-majority', r)].find((a) => a?.params?.role === 'friend');
    // The late friend is late only for the honest members: its colluders get it on time.
    const delayed = active('fixed-delay', r) ?? (friend && !deps.collusion?.includes(to) ? friend : undefined);
    const split = active('inconsistency', r) || active('inconsistency', r - 1);
    // Every other recipient gets the second version: the honest replicas split about in half.
    const version = split && i % 2 === 1 ? 'B' : 'A';
    const pick = (v: 'A' | 'B'): SignedRound => {
      const content = rewrite(c, v);
      return content === c ? signed : resign(content);
    };
    const picked = version === 'B' ? (versionB ??= pick('B')) : (versionA ??= pick('A'));
    // bad-signature: the same content, a signature that does not verify; the envelope's MAC still
    // says it came from this member, so only a receiver that checks the signature notices.
    const chosen = active('bad-signature', r) ? withBadSignature(picked) : picked;
    if (delayed) {
      counters.delayed++;
      const ms = delayed.params?.delayMs as number;
      deps.scheduler.schedule(deps.clock.nowMs() + ms, () => transmit(to, r, c, chosen));
    } else transmit(to, r, c, chosen);
  };

  /** A fetch answer carrying this member's own message: answer with what was sent to the asker, or nothing yet. */
  const forwardOwn = <T>(to: Endpoint, spec: MessageSpec<T>, body: T): void => {
    const signed = body as SignedRound;
    let c: NeoRoundContentValue;
    try {
      c = decodeWith(NeoRoundContent, signed.content);
    } catch (e) {
      if (e instanceof DecodeError) return inner.send(to, spec, body);
      throw e;
    }
    if (myIndex.get(ctx(c)) !== c.sender || attacks.length === 0) return inner.send(to, spec, body);
    const sent = sentTo.get(`${rk(c, c.round)}/${endpointId(to)}`) ?? [...sentTo].find(([k]) => k.startsWith(`${rk(c, c.round)}/`))?.[1];
    if (!sent) return void counters.forwardsWithheld++;
    if (sent !== signed) counters.forwardsRewritten++;
    inner.send(to, NeoForward, sent);
  };

  const spy = (signed: SignedRound) => {
    let c: NeoRoundContentValue;
    try {
      c = decodeWith(NeoRoundContent, signed.content);
    } catch (e) {
      if (e instanceof DecodeError) return;
      throw e;
    }
    if (myIndex.get(ctx(c)) === c.sender) return;
    const key = rk(c, c.round);
    let row = seen.get(key);
    if (!row) seen.set(key, (row = new Map()));
    if (!row.has(c.sender)) row.set(c.sender, { content: c, signed });
    if (held.length > 0) pump();
  };

  const transport = wrapTransport(inner, {
    handle<T>(spec: MessageSpec<T>, handler: Handler<T>): void {
      if (spec.kind === NeoRound.kind || spec.kind === NeoForward.kind) {
        inner.handle(spec, (msg) => {
          spy(msg.body as SignedRound);
          handler(msg);
        });
      } else inner.handle(spec, handler);
    },
    send<T>(to: Endpoint, spec: MessageSpec<T>, body: T): void {
      if (spec.kind === NeoRound.kind) sendOwn(to, body as SignedRound);
      else if (spec.kind === NeoForward.kind) forwardOwn(to, spec, body);
      else inner.send(to, spec, body);
    },
    broadcast<T>(to: readonly Endpoint[], spec: MessageSpec<T>, body: T): void {
      // One recipient at a time, so the behaviours can treat recipients differently (a split, a friend).
      if (spec.kind === NeoRound.kind || spec.kind === NeoForward.kind) for (const e of to) transport.send(e, spec, body);
      else inner.broadcast(to, spec, body);
    },
  });
  return Object.assign(transport, {
    attacks,
    attackCounters: () => ({ ...counters }),
  });
}
