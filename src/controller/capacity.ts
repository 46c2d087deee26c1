import { capacityStep } from '../report/capacity.js';
import type { CapacityResult, CapacityStep, RunReport } from '../report/model.js';

/**
 * The capacity search (SPEC §9): one full run per peer count, in order, until the harness
 * saturates or a threshold fails. The runs themselves are the caller's (`measure`), so the search
 * is tested without threads or sockets.
 */
export interface CapacitySearch<T extends { readonly report: RunReport }> {
  readonly capacity: CapacityResult;
  /** The last step's run: its report is the one written, with `capacity` added. */
  readonly last: T;
}

export async function searchCapacity<T extends { readonly report: RunReport }>(
  peerCounts: readonly number[],
  measure: (peers: number) => Promise<T>,
  stopped: () => boolean,
): Promise<CapacitySearch<T>> {
  if (peerCounts.length === 0) throw new RangeError('searchCapacity: no peer count to run');
  const steps: CapacityStep[] = [];
  let largest: number | null = null;
  let last: T | undefined;
  for (const peers of peerCounts) {
    last = await measure(peers);
    const step = capacityStep(peers, last.report);
    steps.push(step);
    // A step cut short by a stop request is not counted healthy: it did not run its length.
    if (!step.healthy || !step.thresholdsOk || stopped()) break;
    largest = peers;
  }
  return { capacity: { steps, largestHealthyPeers: largest }, last: last as T };
}
