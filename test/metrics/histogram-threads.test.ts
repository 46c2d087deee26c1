import { MessageChannel, type Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createLatencyHistogram, mergeEncodedHistograms } from '../../src/metrics/index.js';
import { startTsWorker } from '../support/ts-worker.js';
import { seededLatenciesUs } from './helpers/values.js';

interface Telemetry {
  encoded: string;
  count: number;
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/** Runs one recording worker and resolves with what it posts on its MessagePort. */
function recordInWorker(valuesMs: number[]): Promise<Telemetry> {
  const { port1, port2 } = new MessageChannel();
  const worker = startTsWorker(new URL('./fixtures/record-worker.ts', import.meta.url), {
    workerData: { valuesMs, port: port2 },
    transferList: [port2],
  });
  workers.push(worker);
  return new Promise((resolve, reject) => {
    port1.once('message', (msg: Telemetry) => {
      port1.close();
      resolve(msg);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before posting`)));
  });
}

describe('histograms across worker threads', () => {
  it('two workers record disjoint values; the merge of their encodings equals the single-histogram reference', async () => {
    const valuesMs = seededLatenciesUs(40_000, 5).map((us) => us / 1000);
    valuesMs.push(750_000, 1e6); // overflow travels too
    const shareA = valuesMs.filter((_, i) => i % 2 === 0);
    const shareB = valuesMs.filter((_, i) => i % 2 === 1);

    const [a, b] = await Promise.all([recordInWorker(shareA), recordInWorker(shareB)]);
    expect(a.count).toBe(shareA.length);
    expect(b.count).toBe(shareB.length);

    const merged = mergeEncodedHistograms([a.encoded, b.encoded]);
    const reference = createLatencyHistogram();
    reference.recordMsMany(valuesMs);

    expect(merged.count).toBe(valuesMs.length);
    expect(merged.overflow).toBe(2);
    expect(merged.summary()).toEqual(reference.summary());
    expect(merged.encode()).toBe(reference.encode());
  });
});
