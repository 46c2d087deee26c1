import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROOF_VERIFIERS } from '../../src/auth/index.js';
import {
  chooseExecutors,
  computeWrongResultVerifier,
  crossCheck,
  encodeComputeWrongResultProof,
  monsterInputsDigest,
  runMonsterStep,
  signResult,
  spawnMonsters,
  type MonsterStepInputs,
  type ResultStatement,
} from '../../src/compute/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { PLAN, startHarness, type Harness } from '../auth/support.js';
import { ed } from '../auth/helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const inputs: MonsterStepInputs = {
  seed: 'run-3/keep/cellar',
  monsters: spawnMonsters('run-3/keep/cellar', 6, { x: 10, y: 10, w: 12, h: 12 }),
  inputs: { epoch: 40, players: [{ seat: 2, x: 12, y: 12, attacks: 1 }, { seat: 5, x: 20, y: 14, attacks: 0 }] },
};
const processId = new TextEncoder().encode('keep/cellar/monsters');
const stateHash = sha256(new TextEncoder().encode('agreed state of round 400'));
const statement = (resultDigest: Uint8Array, over: Partial<ResultStatement> = {}): ResultStatement => ({ processId, epoch: 40, stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest, ...over });

describe('a wrong result proven at the authority over real UDP', () => {
  it('bans the executor that signed a result the step does not give, and no one for a right result, other inputs or another\'s signature', async () => {
    harness = await startHarness({}, { proofKinds: [...DEFAULT_PROOF_VERIFIERS, computeWrongResultVerifier] });
    const h = harness;
    const players = await Promise.all([1, 2, 3, 4].map((n) => h.player(n)));
    const regs = await Promise.all(players.map((p, i) => p.client.register(`executor-${i}`, h.issuer.issue({ amount: 1, planMs: PLAN }))));
    const certs = regs.map((r) => (r.ok ? r.keyCertificate : null));
    expect(certs.every((c) => c !== null)).toBe(true);
    const keys = players.map((p) => p.peer.publicKey);
    const draw = { processId, epoch: 40, stateHash };
    // Three executors drawn from the four; a verifier (player 0's client) cross-checks their answers.
    const chosen = chooseExecutors(draw, keys, 3);
    const indexOf = (k: Uint8Array) => keys.findIndex((x) => Buffer.compare(Buffer.from(x), Buffer.from(k)) === 0);
    const [liarKey, ...honestKeys] = chosen as [Uint8Array, ...Uint8Array[]];
    const liar = players[indexOf(liarKey)] as (typeof players)[number];
    const wrongDigest = sha256(new TextEncoder().encode('every monster dead, all treasure to seat 5'));
    const results = [signResult(liar.peer.signer, statement(wrongDigest)), ...honestKeys.map((k) => signResult((players[indexOf(k)] as (typeof players)[number]).peer.signer, statement(runMonsterStep(inputs))))];
    const check = crossCheck({ draw, candidates: keys, r: 3, inputsDigest: monsterInputsDigest(inputs) }, results, { verify: (s, m, k) => ed.verify(s, m, k), reexecute: () => runMonsterStep(inputs) });
    expect(check.outcome).toBe('re-executed');
    if (check.outcome !== 're-executed') return;
    expect(check.wrong).toHaveLength(1);
    const verifier = players.find((p) => !Buffer.from(p.peer.publicKey).equals(Buffer.from(liarKey))) as (typeof players)[number];
    const liarCert = certs[indexOf(liarKey)] as NonNullable<(typeof certs)[number]>;
    const honestKey = honestKeys[0] as Uint8Array;
    const honestCert = certs[indexOf(honestKey)] as NonNullable<(typeof certs)[number]>;
    const honestResult = results[1] as (typeof results)[number];

    // Proofs that must not ban: a right result, a statement over other inputs, the liar's result under another's certificate.
    expect(await verifier.client.submitProof(encodeComputeWrongResultProof(honestCert, honestResult, inputs))).toEqual({ ok: false, reason: 'proof-identical' });
    const otherInputs = { ...inputs, inputs: { ...inputs.inputs, epoch: 41 } };
    expect(await verifier.client.submitProof(encodeComputeWrongResultProof(liarCert, check.wrong[0] as (typeof check.wrong)[number], otherInputs))).toEqual({ ok: false, reason: 'proof-context' });
    const framed = { ...(check.wrong[0] as (typeof check.wrong)[number]), executor: honestKey };
    expect(await verifier.client.submitProof(encodeComputeWrongResultProof(honestCert, framed, inputs))).toEqual({ ok: false, reason: 'proof-signature' });

    // The wrong result itself: the authority runs the step, gets another digest, and bans the liar.
    const banned = await verifier.client.submitProof(encodeComputeWrongResultProof(liarCert, check.wrong[0] as (typeof check.wrong)[number], inputs));
    expect(banned.ok).toBe(true);
    expect(banned.ok && banned.ban.playerId).toBe(regs[indexOf(liarKey)]?.ok ? (regs[indexOf(liarKey)] as { playerId: bigint }).playerId : -1n);
    expect(h.authority.counters()).toMatchObject({ proofsAccepted: 1, 'refused.proof-identical': 1, 'refused.proof-context': 1, 'refused.proof-signature': 1 });
  });
});
