import type { Clock } from './clock.js';
import type { TimerHandle } from './timer-queue.js';

/**
 * The shape of every request a peer sends to several others and repeats over lossy links (witness
 * requests, endorsements, compute requests): `ask` now and again every `retryMs` until `finished`
 * settles, and `onTimeout` once `timeoutMs` has passed (which should settle it). Resolves when
 * `finished` does, with both timers cancelled.
 */
export async function askUntil(
  deps: { readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle }; readonly clock: Clock },
  timing: { readonly retryMs: number; readonly timeoutMs: number },
  ask: () => void,
  finished: Promise<void>,
  onTimeout: () => void,
): Promise<void> {
  let timer: TimerHandle | null = null;
  const again = () => {
    ask();
    timer = deps.scheduler.schedule(deps.clock.nowMs() + timing.retryMs, again);
  };
  again();
  const deadline = deps.scheduler.schedule(deps.clock.nowMs() + timing.timeoutMs, onTimeout);
  try {
    await finished;
  } finally {
    (timer as TimerHandle | null)?.cancel();
    deadline.cancel();
  }
}
