import { describe, expect, it } from 'vitest';
import {
  ComputeOutcome,
  MAX_OUTCOME_EFFECTS,
  MAX_OUTCOME_SIGNERS,
  encodeStepResult,
  isOutcomeVote,
  judgeOutcome,
  monsterInputsDigest,
  stepMonsters,
  outcomeVote,
  outcomeVoteRound,
  signResult,
  spawnMonsters,
  tallyOutcomeVotes,
  type ComputeOutcomeBody,
  type MonsterStepInputs,
  type OutcomeContext,
  type StepResult,
} from '../../src/compute/index.js';
import { createEd25519, sha256, toHex } from '../../src/crypto/index.js';
import { createGame, encodeUpdate } from '../../src/game/index.js';
import { encodePayload, MAX_PAYLOAD_BYTES } from '../../src/groups/payload.js';
import { createRng } from '../../src/random/index.js';
import { MAX_AUTHENTICATED_BODY_BYTES, encodeWith } from '../../src/wire/index.js';

const ed = createEd25519('native');
const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed.verify(s, m, k);
const signers = Array.from({ length: 4 }, (_, i) => ed.createSigner(createRng('outcome').fork(`key:${i}`).bytes(32)));
const processId = new TextEncoder().encode('monsters/area-1');
const stateHash = sha256(new TextEncoder().encode('state after round 40'));

// Three players beside monsters that bite, and one blow that kills a weak monster: bites and a drop.
const inputs: MonsterStepInputs = {
  seed: 'run/area-1',
  monsters: [
    { id: 0, x: 5, y: 5, hp: 10, treasure: 77 },
    { id: 1, x: 9, y: 9, hp: 40, treasure: 20 },
    ...spawnMonsters('run/area-1', 3, { x: 30, y: 30, w: 4, h: 4 }).map((m) => ({ ...m, id: m.id + 2 })),
  ],
  inputs: { epoch: 7, players: [{ seat: 0, x: 5, y: 6, attacks: 1 }, { seat: 2, x: 9, y: 10, attacks: 0 }] },
};
const result: StepResult = stepMonsters(inputs.seed, inputs.monsters, inputs.inputs);

// 100 ms rounds: the vote falls 1 s (10 rounds) after the draw's state round.
function outcome(over: Partial<ComputeOutcomeBody> = {}, signing = signers.slice(0, 2), resultBytes = encodeStepResult(result)): ComputeOutcomeBody {
  const statement = { processId, epoch: 7, stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest: sha256(resultBytes) };
  const signed = signing.map((s) => signResult(s, statement));
  return { session: new Uint8Array(16).fill(3), round: 50, stateRound: 40, statement, signers: signed.map((s) => ({ executor: s.executor, signature: s.signature })), result: resultBytes, ...over };
}
// The member's own draw names the first three signers' keys.
const drawnKeys = new Set(signers.slice(0, 3).map((s) => toHex(s.publicKey)));
const context = (r = 2, hashes: Record<number, string> = { 40: toHex(stateHash) }): OutcomeContext => ({ r, seats: 4, roundMs: 100, verify, stateHashAt: (round: number) => hashes[round], drawn: (k) => drawnKeys.has(toHex(k)) });

describe('an announced outcome, as a member checks it', () => {
  it('votes for the effects of the events when r distinct signers signed a result that hashes to the digest, over its own state', () => {
    expect(result.events.map((e) => e.kind).sort()).toEqual(['bite', 'drop']);
    const judged = judgeOutcome(outcome(), context());
    expect(judged.ok).toBe(true);
    if (!judged.ok) return;
    expect(judged.effects).toEqual(result.events.map((e) => ({ kind: e.kind === 'bite' ? 'hurt' : 'reward', seat: e.seat, amount: e.amount })));
    expect(judged.effects).toContainEqual({ kind: 'reward', seat: 0, amount: 77 });
    expect(isOutcomeVote(judged.vote)).toBe(true);
    // Every honest member builds the same bytes, so their votes count together.
    expect(judgeOutcome(outcome(), context()).ok && toHex((judgeOutcome(outcome(), context()) as { vote: Uint8Array }).vote)).toBe(toHex(judged.vote));
  });

  it('refuses fewer than r signers: one signer twice, a forged signature, a signature over another statement', () => {
    expect(judgeOutcome(outcome({}, [signers[0]!, signers[0]!]), context())).toEqual({ ok: false, reason: 'signatures' });
    const forged = outcome();
    const bad = { ...forged, signers: [forged.signers[0]!, { executor: forged.signers[1]!.executor, signature: new Uint8Array(64).fill(9) }] };
    expect(judgeOutcome(bad, context())).toEqual({ ok: false, reason: 'signatures' });
    const other = outcome({ statement: { ...forged.statement, epoch: 8 } });
    expect(judgeOutcome(other, context())).toEqual({ ok: false, reason: 'signatures' });
    expect(judgeOutcome(outcome({}, signers.slice(0, 2)), context(3))).toEqual({ ok: false, reason: 'signatures' });
    expect(judgeOutcome(outcome({}, signers.slice(0, 3)), context(3)).ok).toBe(true);
  });

  it('counts only signers its own draw names: keys made up for the purpose, or the announcer\'s friends, do not make r', () => {
    const madeUp = Array.from({ length: 2 }, (_, i) => ed.createSigner(createRng('made-up').fork(String(i)).bytes(32)));
    expect(judgeOutcome(outcome({}, madeUp), context())).toEqual({ ok: false, reason: 'signatures' });
    // signers[3] signs validly but is not drawn: with one drawn signer beside it, one short of r = 2.
    expect(judgeOutcome(outcome({}, [signers[0]!, signers[3]!]), context())).toEqual({ ok: false, reason: 'signatures' });
  });

  it('votes only in the round the draw\'s state gives, so an outcome cannot be voted in a second round', () => {
    expect(outcomeVoteRound(40, 100)).toBe(50);
    expect(outcomeVoteRound(40, 300)).toBe(44);
    expect(judgeOutcome(outcome({ round: 51 }), context())).toEqual({ ok: false, reason: 'round' });
    expect(judgeOutcome(outcome({ round: 49 }), context())).toEqual({ ok: false, reason: 'round' });
  });

  it('refuses an event on a seat outside the game (applying it would throw in every replica)', () => {
    const farSeat: StepResult = { ...result, events: [...result.events, { kind: 'drop', monster: 9, seat: 4, amount: 1 }] };
    expect(judgeOutcome(outcome({}, signers.slice(0, 2), encodeStepResult(farSeat)), context())).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a result altered after signing, and one over a state this replica did not play', () => {
    const signed = outcome();
    const altered: StepResult = { ...result, events: result.events.map((e) => (e.kind === 'drop' ? { ...e, amount: 9999 } : e)) };
    expect(judgeOutcome({ ...signed, result: encodeStepResult(altered) }, context())).toEqual({ ok: false, reason: 'malformed' });
    expect(judgeOutcome({ ...signed, result: new Uint8Array([1, 2, 3]) }, context())).toEqual({ ok: false, reason: 'malformed' });
    expect(judgeOutcome(signed, context(2, { 40: toHex(sha256(new Uint8Array(1))) }))).toEqual({ ok: false, reason: 'state' });
    expect(judgeOutcome(signed, context(2, {}))).toEqual({ ok: false, reason: 'state' });
  });
});

it('an outcome of 32 monsters, each with an event, and 4 signatures fits one datagram (the harness names processes monsters/<32 hex>)', () => {
  const monsters = Array.from({ length: 32 }, (_, id) => ({ id, x: 1000 + id, y: 1000, hp: 65535, treasure: 65535 }));
  const events = monsters.map((m) => ({ kind: 'bite' as const, monster: m.id, seat: m.id, amount: 6 }));
  const resultBytes = encodeStepResult({ monsters, events });
  const longId = new TextEncoder().encode(`monsters/${'ab'.repeat(16)}`);
  const body = outcome({}, signers, resultBytes);
  const full = { ...body, statement: { ...body.statement, processId: longId } };
  expect(encodeWith(ComputeOutcome.body, full).length).toBeLessThanOrEqual(MAX_AUTHENTICATED_BODY_BYTES);
  expect(full.signers).toHaveLength(MAX_OUTCOME_SIGNERS);
});

describe('the tally of one round\'s votes', () => {
  const effects = [{ kind: 'hurt' as const, seat: 1, amount: 5 }, { kind: 'reward' as const, seat: 0, amount: 30 }];
  const vote = outcomeVote(processId, 7, effects);

  it('applies what a strict majority of the view voted for, and nothing short of it', () => {
    expect(tallyOutcomeVotes([0, 1, 2].map((member) => ({ member, notice: vote })), 5, 4)).toEqual(effects);
    expect(tallyOutcomeVotes([0, 1].map((member) => ({ member, notice: vote })), 4, 4)).toEqual([]);
    expect(tallyOutcomeVotes([0, 1, 2].map((member) => ({ member, notice: vote })), 4, 4)).toEqual(effects);
  });

  it('counts a member once, splits votes for different effects, and ignores votes that do not decode', () => {
    expect(tallyOutcomeVotes([0, 0, 0].map((member) => ({ member, notice: vote })), 3, 4)).toEqual([]);
    const other = outcomeVote(processId, 7, [{ kind: 'reward', seat: 1, amount: 500 }]);
    expect(tallyOutcomeVotes([{ member: 0, notice: vote }, { member: 1, notice: other }, { member: 2, notice: vote }, { member: 3, notice: other }], 4, 4)).toEqual([]);
    const garbage = new Uint8Array([...vote.subarray(0, 4), 1, 2, 3]);
    expect(tallyOutcomeVotes([0, 1, 2].map((member) => ({ member, notice: garbage })), 3, 4)).toEqual([]);
  });

  it('drops effects on seats outside the game, the same at every replica', () => {
    const beyond = outcomeVote(processId, 7, [...effects, { kind: 'reward', seat: 9, amount: 1000 }]);
    expect(tallyOutcomeVotes([0, 1].map((member) => ({ member, notice: beyond })), 3, 4)).toEqual(effects);
  });

  it('fits a vote with the most effects a step has in one group update beside its game update', () => {
    const most = Array.from({ length: MAX_OUTCOME_EFFECTS }, (_, i) => ({ kind: 'hurt' as const, seat: i, amount: 6 }));
    const notice = outcomeVote(processId, 7, most);
    expect(encodePayload({ update: encodeUpdate({ dx: 4, dy: -4, action: { kind: 'attack', target: 31 } }), ops: [], notices: [notice] }).length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(() => outcomeVote(processId, 7, [...most, most[0]!])).toThrow(RangeError);
  });
});

describe('effects in the game', () => {
  it('takes hit points (a player brought to 0 dies), gives gold, leaves dead seats alone, and changes the state hash', () => {
    const game = createGame({ members: 3, seed: 'effects', chests: 0 });
    const before = toHex(game.stateHash());
    game.applyEffects([{ kind: 'hurt', seat: 0, amount: 30 }, { kind: 'reward', seat: 1, amount: 77 }, { kind: 'hurt', seat: 2, amount: 100 }, { kind: 'reward', seat: 2, amount: 5 }]);
    const s = game.snapshot();
    expect(s.members.map((m) => [m.hp, m.alive, m.gold])).toEqual([[70, true, 0], [100, true, 77], [0, false, 0]]);
    expect(toHex(game.stateHash())).not.toBe(before);
    const same = createGame({ members: 3, seed: 'effects', chests: 0 });
    same.applyEffects([]);
    expect(toHex(same.stateHash())).toBe(before);
  });

  it('throws on a seat outside the game or a bad amount, changing nothing', () => {
    const game = createGame({ members: 2, seed: 'effects', chests: 0 });
    const before = toHex(game.stateHash());
    expect(() => game.applyEffects([{ kind: 'hurt', seat: 0, amount: 5 }, { kind: 'hurt', seat: 2, amount: 5 }])).toThrow(RangeError);
    expect(() => game.applyEffects([{ kind: 'reward', seat: 0, amount: -1 }])).toThrow(RangeError);
    expect(() => game.applyEffects([{ kind: 'heal' as 'hurt', seat: 0, amount: 1 }])).toThrow(TypeError);
    expect(toHex(game.stateHash())).toBe(before);
  });
});
