import { afterEach, describe, expect, it, vi } from 'vitest';
import { handlerErrorLog, pacedLoop, runChurnWorkload, startLoopbackPopulation, type LoopbackPopulation, type PacedStep } from '../../src/loadtest/population.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { startPeerNode, type PeerNode, type PeerNodeConfig, type PeerNodeDeps } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock, systemClock } from '../../src/time/clock.js';
import { createTimerQueue, type TimerQueue } from '../../src/time/timer-queue.js';
import { portIsFree } from '../support/peers.js';

const seedOf = (i: number) => new Uint8Array(32).fill(60 + i);
const populations: LoopbackPopulation[] = [];
afterEach(async () => {
  await Promise.all(populations.splice(0).map((p) => p.close()));
});

async function allFree(ports: readonly number[]): Promise<boolean> {
  return (await Promise.all(ports.map(portIsFree))).every(Boolean);
}

/** startPeerNode, recording every peer it bound and the scheduler it was given, failing at call `failAt`. */
function recordingStart(failAt = Infinity) {
  const started: PeerNode[] = [];
  const schedulers: unknown[] = [];
  const startPeer = async (config: PeerNodeConfig, deps: PeerNodeDeps) => {
    if (started.length === failAt) throw new Error('bind failed');
    schedulers.push(deps.shaping?.scheduler);
    const peer = await startPeerNode(config, deps);
    started.push(peer);
    return peer;
  };
  return { started, schedulers, startPeer, ports: () => started.map((p) => p.transport.local.port) };
}

describe('startLoopbackPopulation', () => {
  it('binds count peers on 127.0.0.1 with the seeded identities, which reach each other; close() frees every port', async () => {
    const identitySeed = vi.fn(seedOf);
    const population = await startLoopbackPopulation({ count: 3, identitySeed });
    populations.push(population);
    const { peers } = population;
    expect(identitySeed.mock.calls.map(([i]) => i)).toEqual([0, 1, 2]);
    expect(peers.map((p) => p.transport.local.host)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(new Set(peers.map((p) => p.transport.local.port)).size).toBe(3);
    expect(population.endpoints).toEqual(peers.map((p) => `127.0.0.1:${p.transport.local.port}`));
    for (const a of peers) for (const b of peers) if (a !== b) expect(await a.pinger.ping(b.transport.local, 2000)).not.toBeNull();

    const ports = peers.map((p) => p.transport.local.port);
    expect(await allFree(ports)).toBe(false);
    await population.close();
    expect(await allFree(ports)).toBe(true);
    expect(population.scheduler.closed).toBe(true);
  });

  it('a peer that fails to start: the peers already bound and the queue it made are closed, the error passes through', async () => {
    const recording = recordingStart(2);
    const shaping = { rules: () => undefined, rng: createRng(1) };
    await expect(startLoopbackPopulation({ count: 4, identitySeed: seedOf, shaping }, { startPeer: recording.startPeer })).rejects.toThrow('bind failed');
    expect(recording.started).toHaveLength(2);
    expect(await allFree(recording.ports())).toBe(true);
    expect(recording.schedulers.every((s) => (s as TimerQueue).closed)).toBe(true);
  });

  it('shaping rules that throw: every bound peer is closed', async () => {
    const recording = recordingStart();
    const rules = () => {
      throw new RangeError('bad rules');
    };
    await expect(startLoopbackPopulation({ count: 2, identitySeed: seedOf, shaping: { rules, rng: createRng(1) } }, { startPeer: recording.startPeer })).rejects.toThrow('bad rules');
    expect(await allFree(recording.ports())).toBe(true);
  });

  it('add() binds later peers; a peer closed on its own leaves; close() closes the rest; add() after close() binds nothing that stays', async () => {
    const recording = recordingStart();
    const population = await startLoopbackPopulation({ count: 1, identitySeed: seedOf }, { startPeer: recording.startPeer });
    populations.push(population);
    const second = await population.add();
    const third = await population.add(seedOf(9));
    expect(second.publicKey).toEqual(createEd25519('native').createSigner(seedOf(1)).publicKey);
    expect(await third.pinger.ping(second.transport.local, 2000)).not.toBeNull();
    await second.close();
    expect(await portIsFree(second.transport.local.port)).toBe(true);

    await population.close();
    expect(await allFree(recording.ports())).toBe(true);
    await expect(population.add()).rejects.toThrow(/closed/);
    expect(recording.started).toHaveLength(4);
    expect(await allFree(recording.ports())).toBe(true);
  });

  it('a given queue stays open; deferred shaping is built from the endpoints in start order when attached', async () => {
    const scheduler = createTimerQueue({ clock: systemClock });
    const rules = vi.fn((endpoints: readonly string[]) => ({ partitions: [{ name: 'split', sides: [[endpoints[0] as string], [endpoints[1] as string]], startMs: 0, endMs: 60_000 }] }));
    const population = await startLoopbackPopulation({ count: 2, identitySeed: seedOf, shaping: { rules, rng: createRng(1), deferAttach: true } }, { scheduler });
    populations.push(population);
    const [a, b] = population.peers as [PeerNode, PeerNode];
    expect(population.scheduler).toBe(scheduler);
    expect(rules).not.toHaveBeenCalled();
    expect(await a.pinger.ping(b.transport.local, 2000)).not.toBeNull();

    population.attachShaping(systemClock.nowMs());
    expect(rules).toHaveBeenCalledWith(population.endpoints);
    expect(await a.pinger.ping(b.transport.local, 300)).toBeNull();
    expect(a.transport.stats().shaping.outbound.dropped).toEqual({ partition: 1 });

    await population.close();
    expect(scheduler.closed).toBe(false);
    scheduler.close();
  });
});

/** A clock that moves only by the sleeps the loop asks for, except the scripted lags. */
function fakeTime(lags: Record<number, number> = {}) {
  const clock = new ManualClock(0);
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    clock.advance(lags[sleeps.length] ?? ms);
    sleeps.push(ms);
  };
  return { clock, sleeps, sleep };
}

describe('pacedLoop', () => {
  it('behind schedule, a catch-up step runs every missed turn at once, another step one turn per wake-up', async () => {
    const time = fakeTime({ 0: 35 });
    const runs = { catchUp: [] as number[], onePerWakeUp: [] as number[] };
    const step = (name: keyof typeof runs, firstAfterMs: number, catchUp: boolean): PacedStep => ({ everyMs: 10, firstAfterMs, catchUp, run: () => void runs[name].push(time.clock.nowMs()) });
    await pacedLoop({ startMs: 0, endMs: 60 }, [step('catchUp', 0, true), step('onePerWakeUp', 10, false)], time);
    expect(runs.catchUp).toEqual([0, 35, 35, 35, 40, 50]);
    expect(runs.onePerWakeUp).toEqual([35, 36, 37, 40, 50]);
    expect(time.sleeps).toEqual([10, 1, 1, 3, 10, 10]);
  });

  it('resolves only once the promises its steps returned have settled', async () => {
    const time = fakeTime();
    let release = () => {};
    let done = false;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const loop = pacedLoop({ startMs: 0, endMs: 5 }, [{ everyMs: 100, firstAfterMs: 0, catchUp: true, run: () => slow }], time).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await loop;
    expect(time.sleeps).toEqual([100]);
  });

  it('a step that fails ends the loop; the error comes out after the steps still running have settled', async () => {
    const time = fakeTime();
    let release = () => {};
    let settled = false;
    const slow = new Promise<void>((resolve) => (release = resolve)).then(() => (settled = true));
    const steps: PacedStep[] = [
      { everyMs: 100, firstAfterMs: 0, catchUp: true, run: () => slow },
      { everyMs: 100, firstAfterMs: 0, catchUp: true, run: () => Promise.reject(new Error('boom')) },
    ];
    const loop = pacedLoop({ startMs: 0, endMs: 1000 }, steps, time).then(
      () => 'resolved',
      (e: Error) => `${e.message}, slow settled: ${settled}`,
    );
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect(await loop).toBe('boom, slow settled: true');
    expect(time.sleeps).toEqual([100]);
  });
});

describe('runChurnWorkload', () => {
  it('churn from one interval in, operations from the start, a call every second, in that order within a wake-up', async () => {
    const time = fakeTime();
    const log: string[] = [];
    const at = (name: string) => () => void log.push(`${name}@${time.clock.nowMs()}`);
    const operation = async () => at('op')();
    await runChurnWorkload({ startMs: 0, durationMs: 2500, churnEveryMs: 1000, operationEveryMs: 400, churn: at('churn'), operation, everySecond: at('second') }, time);
    expect(log).toEqual(['op@0', 'op@400', 'op@800', 'churn@1000', 'second@1000', 'op@1200', 'op@1600', 'churn@2000', 'op@2000', 'second@2000', 'op@2400']);
  });

  it('an infinite churn interval never churns', async () => {
    const time = fakeTime();
    const churn = vi.fn();
    await runChurnWorkload({ startMs: 0, durationMs: 3000, churnEveryMs: Infinity, operationEveryMs: 1000, churn, operation: async () => {}, everySecond: () => {} }, time);
    expect(churn).not.toHaveBeenCalled();
  });
});

describe('handlerErrorLog', () => {
  it('keeps kind and stack of at most `limit` errors', () => {
    const log = handlerErrorLog(2);
    log.record(new Error('first'), 'dht-find');
    log.record('second', 'ping');
    log.record(new Error('third'), 'ping');
    expect(log.lines).toHaveLength(2);
    expect(log.lines[0]).toMatch(/^dht-find: Error: first\n/);
    expect(log.lines[1]).toBe('ping: second');
  });
});
