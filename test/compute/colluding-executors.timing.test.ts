import { afterEach, describe, expect, it } from 'vitest';
import { colludingStep } from '../../src/attacks/index.js';
import { escapeFigures, escapeProbability, installComputeService, runMonsterStep, spawnMonsters, chooseExecutors, type ComputeService, type MonsterStepInputs } from '../../src/compute/index.js';
import { createEd25519, equalBytes, sha256 } from '../../src/crypto/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';

const ed = createEd25519('native');
const peers: PeerNode[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

const N = 20;
const C = 6;
const R = 2;
const TRIALS = 2000;

describe('colluding executors on real sockets', () => {
  it('escape exactly when all r drawn executors collude: over 2,000 steps the formula C(c, r)/C(n, r) lies inside the measured 95 % interval, and no honest executor is ever named', async () => {
    const seeds = createRng('colluding-executors');
    for (let i = 0; i < N; i++) peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seeds.fork(`peer:${i}`).bytes(32), ed25519: ed }));
    const scheduler = createTimerQueue({ clock: systemClock });
    closers.push(() => scheduler.close());
    const colluders = peers.slice(N - C).map((p) => p.publicKey);
    const isColluder = (k: Uint8Array) => colluders.some((c) => equalBytes(c, k));
    const services: ComputeService[] = peers.map((p) =>
      // One group asking 2,000 steps back to back: far past a group's real rate, so no limit per requester.
      installComputeService({ perRequester: { perSecond: 1e6, burst: 1e6 } }, { transport: p.transport, signer: p.signer, verify: (s, m, k) => ed.verify(s, m, k), scheduler, clock: systemClock, ...(isColluder(p.publicKey) ? { step: colludingStep(0) } : {}) }),
    );
    const keys = peers.map((p) => p.publicKey);
    const inputs: MonsterStepInputs = { seed: 'run-9/glade', monsters: spawnMonsters('run-9/glade', 6, { x: 0, y: 0, w: 10, h: 10 }), inputs: { epoch: 0, players: [{ seat: 0, x: 5, y: 5, attacks: 0 }] } };
    const right = runMonsterStep(inputs);
    const verifier = services[0] as ComputeService;
    let escapes = 0;
    let detected = 0;
    let allColluders = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const draw = { processId: new TextEncoder().encode('glade/monsters'), epoch: trial, stateHash: sha256(new TextEncoder().encode(`agreed state ${trial}`)) };
      const chosen = chooseExecutors(draw, keys, R);
      if (chosen.every(isColluder)) allColluders++;
      const outcome = await verifier.compute({ draw, candidates: keys, r: R, executors: chosen.map((k) => ({ publicKey: k, endpoint: (peers.find((p) => equalBytes(p.publicKey, k)) as PeerNode).transport.local })), inputs });
      expect(outcome.check.outcome).not.toBe('incomplete');
      if (outcome.check.outcome === 'agreed' && !equalBytes(outcome.check.resultDigest, right)) escapes++;
      if (outcome.check.outcome === 're-executed') {
        expect(equalBytes(outcome.check.resultDigest, right)).toBe(true);
        // Only colluders are ever named: no false positive.
        expect(outcome.check.wrong.every((w) => isColluder(w.executor))).toBe(true);
        detected++;
      }
    }
    // An escape is exactly a draw of colluders only; every other draw with a colluder in it is caught.
    expect(escapes).toBe(allColluders);
    const figures = escapeFigures(TRIALS, escapes, escapeProbability(N, C, R));
    console.log(`colluding executors: n ${N}, c ${C}, r ${R}, ${TRIALS} trials, ${escapes} escapes (${figures.escapeRate.toFixed(4)}, 95 % [${figures.interval95.low.toFixed(4)}, ${figures.interval95.high.toFixed(4)}]), formula ${figures.theoreticalEscape.toFixed(4)}, ${detected} caught`);
    expect(figures.formulaInside).toBe(true);
    expect(detected).toBeGreaterThan(0);
  }, 120_000);
});
