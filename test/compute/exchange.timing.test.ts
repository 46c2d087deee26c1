import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROOF_VERIFIERS } from '../../src/auth/index.js';
import {
  chooseExecutors,
  computeWrongResultVerifier,
  encodeComputeWrongResultProof,
  installComputeService,
  isChosenExecutor,
  monsterInputsDigest,
  runMonsterStep,
  signResult,
  spawnMonsters,
  stepResultDigest,
  type ComputeService,
  type MonsterStepInputs,
} from '../../src/compute/index.js';
import { equalBytes, sha256 } from '../../src/crypto/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { ed } from '../auth/helpers.js';
import { PLAN, startHarness, type Harness } from '../auth/support.js';

let harness: Harness | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await harness?.close();
  harness = undefined;
});

const inputs: MonsterStepInputs = {
  seed: 'run-5/marsh/bog',
  monsters: spawnMonsters('run-5/marsh/bog', 8, { x: 0, y: 0, w: 12, h: 12 }),
  inputs: { epoch: 3, players: [{ seat: 0, x: 4, y: 4, attacks: 1 }, { seat: 1, x: 9, y: 2, attacks: 0 }] },
};

describe('executors asked over real UDP', () => {
  it('a group asks its drawn executors, a third party recomputes the draw, a lying executor is named by the cross-check, proven and banned', async () => {
    harness = await startHarness({}, { proofKinds: [...DEFAULT_PROOF_VERIFIERS, computeWrongResultVerifier] });
    const h = harness;
    const scheduler = createTimerQueue({ clock: systemClock });
    closers.push(() => scheduler.close());
    const players = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => h.player(n)));
    const regs = await Promise.all(players.map((p, i) => p.client.register(`player-${i}`, h.issuer.issue({ amount: 1, planMs: PLAN }))));
    const keys = players.map((p) => p.peer.publicKey);
    const draw = { processId: new TextEncoder().encode('marsh/bog/monsters'), epoch: 3, stateHash: sha256(new TextEncoder().encode('agreed state, round 30')) };
    // Players 0 and 1 play in the bog (the process affects them); three executors come from the other four.
    const affected = keys.slice(0, 2);
    const chosen = chooseExecutors(draw, keys, 3, affected);
    const liarKey = chosen[1] as Uint8Array;
    const services: ComputeService[] = players.map((p) =>
      installComputeService(
        { answerTimeoutMs: 2000, retryMs: 300 },
        {
          transport: p.peer.transport,
          signer: p.peer.signer,
          verify: (s, m, k) => ed.verify(s, m, k),
          scheduler,
          clock: systemClock,
          // The liar's monsters drop everything to seat 1 whatever happened.
          ...(equalBytes(p.peer.publicKey, liarKey) ? { step: (honest) => (i) => ({ monsters: [], events: honest(i).monsters.map((m) => ({ kind: 'drop' as const, monster: m.id, seat: 1, amount: m.treasure })) }) } : {}),
        },
      ),
    );
    const endpointOf = (k: Uint8Array) => (players.find((p) => equalBytes(p.peer.publicKey, k)) as (typeof players)[number]).peer.transport.local;
    const verifier = services[0] as ComputeService;
    const outcome = await verifier.compute({ draw, candidates: keys, r: 3, affected, executors: chosen.map((k) => ({ publicKey: k, endpoint: endpointOf(k) })), inputs });

    expect(outcome.silent).toHaveLength(0);
    // The group takes its own result: the honest step on the inputs, not the liar's.
    expect(outcome.taken && stepResultDigest(outcome.taken)).toEqual(runMonsterStep(inputs));
    expect(outcome.results).toHaveLength(3);
    // A third party, from the public draw alone, finds every answer's signer among the executors and none of the bog's players.
    for (const r of outcome.results) expect(isChosenExecutor(draw, [...keys].reverse(), 3, r.executor, affected)).toBe(true);
    expect(chosen.some((k) => affected.some((a) => equalBytes(a, k)))).toBe(false);
    expect(outcome.check.outcome).toBe('re-executed');
    if (outcome.check.outcome !== 're-executed') return;
    expect(outcome.check.wrong.map((w) => w.executor)).toEqual([liarKey]);
    expect(verifier.counters()).toMatchObject({ asked: 1, executorsAsked: 3, answers: 3, badAnswers: 0, reexecuted: 1 });

    const liarIndex = keys.findIndex((k) => equalBytes(k, liarKey));
    const liarReg = regs[liarIndex];
    if (!liarReg?.ok) throw new Error('the liar registered');
    const banned = await (players[0] as (typeof players)[number]).client.submitProof(encodeComputeWrongResultProof(liarReg.keyCertificate, outcome.check.wrong[0] as (typeof outcome.check.wrong)[number], inputs));
    expect(banned.ok && banned.ban.playerId).toBe(liarReg.playerId);
    // The honest executors' results are no proof against them.
    const honest = outcome.results.find((r) => !equalBytes(r.executor, liarKey)) as (typeof outcome.results)[number];
    const honestReg = regs[keys.findIndex((k) => equalBytes(k, honest.executor))];
    if (!honestReg?.ok) throw new Error('the honest executor registered');
    expect(await (players[0] as (typeof players)[number]).client.submitProof(encodeComputeWrongResultProof(honestReg.keyCertificate, honest, inputs))).toEqual({ ok: false, reason: 'proof-identical' });
  });

  it('an isolated cheater coordinating its own area offers its own signed step: it is never drawn, its result is ignored and the honest step is taken', async () => {
    harness = await startHarness({}, { proofKinds: [...DEFAULT_PROOF_VERIFIERS, computeWrongResultVerifier] });
    const h = harness;
    const scheduler = createTimerQueue({ clock: systemClock });
    closers.push(() => scheduler.close());
    const players = await Promise.all([1, 2, 3, 4, 5].map((n) => h.player(n)));
    const keys = players.map((p) => p.peer.publicKey);
    const services = players.map((p) => installComputeService({ answerTimeoutMs: 2000, retryMs: 300 }, { transport: p.peer.transport, signer: p.peer.signer, verify: (s, m, k) => ed.verify(s, m, k), scheduler, clock: systemClock }));
    const cheater = players[0] as (typeof players)[number];
    const alone: MonsterStepInputs = { seed: 'run-5/cellar', monsters: spawnMonsters('run-5/cellar', 6, { x: 0, y: 0, w: 10, h: 10 }), inputs: { epoch: 9, players: [{ seat: 0, x: 5, y: 5, attacks: 0 }] } };
    let taken = 0;
    for (let epoch = 1; epoch <= 20; epoch++) {
      const draw = { processId: new TextEncoder().encode('cellar/monsters'), epoch, stateHash: sha256(new TextEncoder().encode(`cellar state ${epoch}`)) };
      const chosen = chooseExecutors(draw, keys, 2, [cheater.peer.publicKey]);
      // Alone in its area the cheater is the process's only affected player: ranked last, never drawn while others exist.
      expect(chosen.some((k) => equalBytes(k, cheater.peer.publicKey))).toBe(false);
      // Its own step: every monster dead, the treasure to it, signed by it.
      const own = { monsters: [], events: alone.monsters.map((m) => ({ kind: 'drop' as const, monster: m.id, seat: 0, amount: m.treasure })) };
      const statement = { processId: draw.processId, epoch, stateHash: draw.stateHash, inputsDigest: monsterInputsDigest(alone), resultDigest: stepResultDigest(own) };
      const offered = [signResult(cheater.peer.signer, statement)];
      const outcome = await (services[0] as ComputeService).compute({
        draw,
        candidates: keys,
        r: 2,
        affected: [cheater.peer.publicKey],
        executors: chosen.map((k) => ({ publicKey: k, endpoint: (players.find((p) => equalBytes(p.peer.publicKey, k)) as (typeof players)[number]).peer.transport.local })),
        inputs: alone,
        offered,
      });
      expect(outcome.check.outcome).toBe('agreed');
      expect(outcome.check.ignored).toBe(1);
      // The monsters step as the drawn executors ran them: the honest step, none of the cheater's treasure.
      expect(outcome.taken && stepResultDigest(outcome.taken)).toEqual(runMonsterStep(alone));
      expect(outcome.taken?.events.filter((e) => e.kind === 'drop')).toEqual([]);
      taken++;
    }
    expect(taken).toBe(20);
  });

  it('takes its own result when the agreeing results were offered, not answered (no answer holds their bytes)', async () => {
    harness = await startHarness({}, { proofKinds: [...DEFAULT_PROOF_VERIFIERS, computeWrongResultVerifier] });
    const h = harness;
    const scheduler = createTimerQueue({ clock: systemClock });
    closers.push(() => scheduler.close());
    const players = await Promise.all([1, 2, 3, 4].map((n) => h.player(n)));
    const keys = players.map((p) => p.peer.publicKey);
    const group = installComputeService({ answerTimeoutMs: 300, retryMs: 100 }, { transport: (players[0] as (typeof players)[number]).peer.transport, signer: (players[0] as (typeof players)[number]).peer.signer, verify: (s, m, k) => ed.verify(s, m, k), scheduler, clock: systemClock });
    const draw = { processId: new TextEncoder().encode('fen/monsters'), epoch: 4, stateHash: sha256(new TextEncoder().encode('fen state')) };
    const chosen = chooseExecutors(draw, keys, 2, [keys[0] as Uint8Array]);
    // The drawn executors' signed results, held by the group from elsewhere; the executors run no service and answer nothing.
    const signer = (k: Uint8Array) => (players.find((p) => equalBytes(p.peer.publicKey, k)) as (typeof players)[number]).peer.signer;
    const statement = { processId: draw.processId, epoch: 4, stateHash: draw.stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest: runMonsterStep(inputs) };
    const offered = chosen.map((k) => signResult(signer(k), statement));
    const outcome = await group.compute({ draw, candidates: keys, r: 2, affected: [keys[0] as Uint8Array], executors: [], inputs, offered });
    expect(outcome.check.outcome).toBe('agreed');
    expect(outcome.taken && stepResultDigest(outcome.taken)).toEqual(runMonsterStep(inputs));
    expect(group.counters().reexecuted).toBe(1);
  });
});
