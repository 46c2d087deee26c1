import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { monotonicNowMs } from '../../src/time/clock.js';
import { startTsWorker } from '../support/ts-worker.js';

describe('monotonicNowMs across threads', () => {
  let worker: Worker;

  beforeAll(() => {
    worker = startTsWorker(new URL('./fixtures/clock-worker.ts', import.meta.url));
  });
  afterAll(async () => {
    await worker.terminate();
  });

  it('a worker reading taken between two main-thread readings lies between them (20 round trips)', async () => {
    for (let i = 0; i < 20; i++) {
      const t0 = monotonicNowMs();
      const reply = once(worker, 'message');
      worker.postMessage('now?');
      const [workerMs] = (await reply) as [number];
      const t1 = monotonicNowMs();
      expect(typeof workerMs).toBe('number');
      // Message order makes these causal: t0 happens before the worker reads, which happens before t1.
      expect(workerMs).toBeGreaterThanOrEqual(t0);
      expect(workerMs).toBeLessThanOrEqual(t1);
    }
  });
});
