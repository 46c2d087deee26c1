import { afterEach, describe, expect, it } from 'vitest';
import { ComputeRequest, ComputeResult, installComputeService, spawnMonsters, type MonsterStepInputs } from '../../src/compute/index.js';
import { sha256 } from '../../src/crypto/index.js';
import type { PeerNode } from '../../src/net/index.js';
import { startLoopbackPopulation, type LoopbackPopulation } from '../../src/loadtest/population.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { ed } from '../auth/helpers.js';

let population: LoopbackPopulation | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await population?.close();
  population = undefined;
});

const inputs: MonsterStepInputs = {
  seed: 'run-9/moor',
  monsters: spawnMonsters('run-9/moor', 6, { x: 0, y: 0, w: 10, h: 10 }),
  inputs: { epoch: 1, players: [{ seat: 0, x: 3, y: 3, attacks: 0 }] },
};
const request = (requestId: number) => ({ requestId, processId: new TextEncoder().encode('moor/monsters'), epoch: 1, stateHash: sha256(new TextEncoder().encode('moor')), inputs: { seed: inputs.seed, monsters: [...inputs.monsters], inputs: inputs.inputs } });

/** Until `predicate` holds, polling every 10 ms (at most 2 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('an executor over real UDP', () => {
  it('answers a repeated request from its cache (one run, one signature) and refuses a requester past its rate', async () => {
    population = await startLoopbackPopulation({ count: 2, identitySeed: (i) => sha256(new TextEncoder().encode(`executor-limits:${i}`)) }, { ed25519: ed });
    const [executor, requester] = population.peers as [PeerNode, PeerNode];
    const scheduler = createTimerQueue({ clock: systemClock });
    closers.push(() => scheduler.close());
    const service = installComputeService({ perRequester: { perSecond: 0.01, burst: 3 } }, { transport: executor.transport, signer: executor.signer, verify: (s, m, k) => ed.verify(s, m, k), scheduler, clock: systemClock });
    const answers: number[] = [];
    requester.transport.handle(ComputeResult, (m) => void answers.push(m.body.requestId));

    // The same request three times (its answers lost, say): three answers, one step run.
    for (let i = 0; i < 3; i++) requester.transport.send(executor.transport.local, ComputeRequest, request(1));
    await until(() => answers.length === 3);
    expect(answers).toEqual([1, 1, 1]);
    expect(service.counters()).toMatchObject({ executed: 1, answeredAgain: 2, rateLimited: 0 });

    // Ten new requests against a bucket of three (one already taken): two more run, the rest are refused and counted.
    for (let id = 2; id <= 11; id++) requester.transport.send(executor.transport.local, ComputeRequest, request(id));
    await until(() => service.counters().executed + service.counters().rateLimited === 11);
    expect(service.counters()).toMatchObject({ executed: 3, rateLimited: 8 });
    await until(() => answers.length === 5);
    expect(answers.slice(3).sort((a, b) => a - b)).toEqual([2, 3]);
    // A refused requester's request asked again is still refused; an answered one is still answered.
    requester.transport.send(executor.transport.local, ComputeRequest, request(11));
    requester.transport.send(executor.transport.local, ComputeRequest, request(2));
    await until(() => answers.length === 6 && service.counters().rateLimited === 9);
    expect(answers[5]).toBe(2);
    // The same id for another step (a requester that started over) is a new request, not the old answer: here it meets the empty bucket.
    const before = service.counters();
    requester.transport.send(executor.transport.local, ComputeRequest, { ...request(2), epoch: 2 });
    await until(() => service.counters().rateLimited === before.rateLimited + 1);
    expect(service.counters()).toMatchObject({ executed: before.executed, answeredAgain: before.answeredAgain, rateLimited: before.rateLimited + 1 });
    expect(() => installComputeService({ perRequester: { perSecond: 0, burst: 1 } }, { transport: requester.transport, signer: requester.signer, verify: (s, m, k) => ed.verify(s, m, k), scheduler, clock: systemClock })).toThrow(RangeError);
  });
});
