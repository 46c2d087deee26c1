import type { Rng } from '../random/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';

/** What every harness component a shard hosts (houses, areas, characters, engagements, attacks) is given. */
export interface ShardComponentDeps {
  /** The run's shared monotonic clock. */
  readonly clock: Clock;
  /** Unix-epoch ms: record expiry. */
  readonly wallClock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  /** The component's own stream of the run's seed. */
  readonly rng: Rng;
  /** An error inside the component's own work (reported in the run's handler errors). */
  readonly onError: (error: unknown) => void;
}
