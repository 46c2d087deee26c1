import { describe, expect, it } from 'vitest';
import {
  chooseExecutors,
  crossCheck,
  monsterInputsDigest,
  runMonsterStep,
  signResult,
  spawnMonsters,
  type ExecutorDraw,
  type MonsterStepInputs,
  type ResultStatement,
} from '../../src/compute/index.js';
import { createEd25519, equalBytes, sha256, type Signer } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';

const ed = createEd25519('native');
const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed.verify(s, m, k);
const signers = Array.from({ length: 10 }, (_, i) => ed.createSigner(createRng('results').fork(`key:${i}`).bytes(32)));
const candidates = signers.map((s) => s.publicKey);
const signerOf = (key: Uint8Array) => signers.find((s) => equalBytes(s.publicKey, key)) as Signer;

const inputs: MonsterStepInputs = {
  seed: 'run-7/zone-a/area-3',
  monsters: spawnMonsters('run-7/zone-a/area-3', 5, { x: 0, y: 0, w: 8, h: 8 }),
  inputs: { epoch: 12, players: [{ seat: 0, x: 3, y: 3, attacks: 1 }, { seat: 1, x: 6, y: 1, attacks: 0 }] },
};
const draw = (epoch = 12): ExecutorDraw => ({ processId: new TextEncoder().encode('zone-a/area-3/monsters'), epoch, stateHash: sha256(new TextEncoder().encode(`agreed state before ${epoch}`)) });
const statement = (resultDigest: Uint8Array, d = draw()): ResultStatement => ({ processId: d.processId, epoch: d.epoch, stateHash: d.stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest });
const right = runMonsterStep(inputs);
const wrongDigest = sha256(new TextEncoder().encode('the monsters dropped everything'));
const expected = (r: number, affected: Uint8Array[] = []) => ({ draw: draw(), candidates, r, affected, inputsDigest: monsterInputsDigest(inputs) });

describe('the cross-check of executors\' results', () => {
  it('takes the result when the r chosen executors agree, without running the step', () => {
    const chosen = chooseExecutors(draw(), candidates, 3);
    let runs = 0;
    const check = crossCheck(expected(3), chosen.map((k) => signResult(signerOf(k), statement(right))), { verify, reexecute: () => (runs++, right) });
    expect(check).toMatchObject({ outcome: 'agreed', ignored: 0 });
    expect(check.outcome === 'agreed' && equalBytes(check.resultDigest, right)).toBe(true);
    expect(runs).toBe(0);
  });

  it('runs the step itself when they differ, takes its own result, and names each wrong signer', () => {
    const chosen = chooseExecutors(draw(), candidates, 3);
    const [liar, ...honest] = chosen as [Uint8Array, ...Uint8Array[]];
    const results = [signResult(signerOf(liar), statement(wrongDigest)), ...honest.map((k) => signResult(signerOf(k), statement(right)))];
    const check = crossCheck(expected(3), results, { verify, reexecute: () => runMonsterStep(inputs) });
    expect(check.outcome).toBe('re-executed');
    if (check.outcome !== 're-executed') return;
    expect(equalBytes(check.resultDigest, right)).toBe(true);
    expect(check.wrong.map((w) => w.executor)).toEqual([liar]);
  });

  it('lets a wrong result through when all r executors collude on it: the escape the formula counts', () => {
    const chosen = chooseExecutors(draw(), candidates, 2);
    const check = crossCheck(expected(2), chosen.map((k) => signResult(signerOf(k), statement(wrongDigest))), { verify, reexecute: () => right });
    expect(check.outcome === 'agreed' && equalBytes(check.resultDigest, wrongDigest)).toBe(true);
  });

  it('ignores results from players that were not chosen, for another epoch or inputs, or with a forged signature', () => {
    const chosen = chooseExecutors(draw(), candidates, 2);
    const outsider = candidates.find((k) => !chosen.some((c) => equalBytes(c, k))) as Uint8Array;
    const good = chosen.map((k) => signResult(signerOf(k), statement(right)));
    const noise = [
      signResult(signerOf(outsider), statement(wrongDigest)),
      signResult(signerOf(chosen[0] as Uint8Array), statement(wrongDigest, draw(13))),
      { ...signResult(signerOf(chosen[1] as Uint8Array), statement(wrongDigest)), signature: new Uint8Array(64) },
    ];
    expect(crossCheck(expected(2), [...noise, ...good], { verify, reexecute: () => right })).toMatchObject({ outcome: 'agreed', ignored: 3 });
    expect(crossCheck(expected(2), [...noise, good[0] as (typeof good)[number]], { verify, reexecute: () => right })).toEqual({ outcome: 'incomplete', valid: 1, ignored: 3 });
  });

  it('the isolated player: alone in its zone, it is never drawn to run its own monsters, and what it signs for them is ignored', () => {
    const cheater = candidates[4] as Uint8Array;
    for (let epoch = 0; epoch < 200; epoch++) {
      const d = draw(epoch);
      expect(chooseExecutors(d, candidates, 3, [cheater]).some((k) => equalBytes(k, cheater))).toBe(false);
    }
    // It runs them itself and has them hand it their treasure: the group takes the honest executors' result.
    const chosen = chooseExecutors(draw(), candidates, 3, [cheater]);
    const results = [signResult(signerOf(cheater), statement(wrongDigest)), ...chosen.map((k) => signResult(signerOf(k), statement(right)))];
    const check = crossCheck(expected(3, [cheater]), results, { verify, reexecute: () => right });
    expect(check).toMatchObject({ outcome: 'agreed', ignored: 1 });
    expect(check.outcome === 'agreed' && equalBytes(check.resultDigest, right)).toBe(true);
  });
});
