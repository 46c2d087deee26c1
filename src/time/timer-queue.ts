import type { Clock } from './clock.js';

/**
 * Delivers many scheduled items (shaped datagrams, protocol deadlines) from a binary min-heap
 * with ONE underlying host timer armed for the earliest due time. One `setTimeout` per datagram
 * would cost a timer-list insertion and a libuv wake-up each, and Node's millisecond timers fire
 * up to a millisecond early or late; here a wake-up runs every item whose time has come, and the
 * last stretch before a due time is covered with `setImmediate` so items run within a loop turn
 * of their due time rather than within a timer tick. docs/shaping.md, "Delivery timing".
 */

/** The part of the timers API the queue uses; inject a fake one in tests. */
export interface TimerHost {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate?(callback: () => void): unknown;
  clearImmediate?(handle: unknown): void;
}

export interface TimerQueueDeps {
  clock: Clock;
  /** Defaults to Node's global timers. */
  timers?: TimerHost;
  /**
   * Called just before each item runs with (run time − due time) in ms, >= 0, so the harness can
   * count the deadline misses it caused itself.
   */
  onLateness?: (latenessMs: number) => void;
}

export interface TimerQueueOptions {
  /**
   * When the earliest item is due within this many ms (or overdue), wait with `setImmediate`
   * rather than `setTimeout`. Default 0: only overdue items. A positive value trades CPU for
   * precision — an item not yet due is then awaited by re-arming setImmediate on every turn of the
   * event loop, a busy wait that cost about 1 ms of CPU per member-round at 32 peers
   * (docs/performance.md); setTimeout's 1 ms resolution costs at most about a millisecond of lateness.
   */
  immediateWithinMs?: number;
}

export interface TimerHandle {
  /** Removes the item if it has not run yet; returns whether it was pending. */
  cancel(): boolean;
}

export interface TimerQueue {
  /**
   * Runs `callback` once the clock reaches `dueMs` (absolute, on the Clock's time base). Items due
   * at the same time run in the order they were scheduled. After `close()` this is a no-op: a
   * datagram arriving during shutdown must not crash the peer. A `dueMs` that is not a finite
   * number is a programming error and throws a RangeError (even after `close()`).
   */
  schedule(dueMs: number, callback: () => void): TimerHandle;
  /** Pending items. */
  readonly size: number;
  readonly closed: boolean;
  /** Due time of the earliest pending item, if any. */
  nextDueMs(): number | undefined;
  /** Cancels the host timer and drops every pending item. */
  close(): void;
}

interface Entry extends TimerHandle {
  due: number;
  /** When it was scheduled: an item due before that could not have run earlier, so it is late only from then. */
  since: number;
  seq: number;
  callback: (() => void) | undefined;
}

/** A scheduled item; `cancel` goes back to its queue (one shared function, not a closure per item). */
class QueuedItem implements Entry {
  constructor(
    public due: number,
    public since: number,
    public seq: number,
    public callback: (() => void) | undefined,
    private readonly onCancel: (entry: Entry) => boolean,
  ) {}

  cancel(): boolean {
    return this.onCancel(this);
  }
}

const defaultHost: TimerHost = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setImmediate: (cb) => setImmediate(cb),
  clearImmediate: (h) => clearImmediate(h as ReturnType<typeof setImmediate>),
};

const INERT: TimerHandle = { cancel: () => false };

/**
 * The longest delay Node's setTimeout honours (2^31 − 1 ms, about 24.8 days). Anything longer is
 * turned into 1 ms with a TimeoutOverflowWarning, so an item further ahead is armed for this long
 * and the queue re-arms when the timer wakes early.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function createTimerQueue(deps: TimerQueueDeps, options: TimerQueueOptions = {}): TimerQueue {
  const { clock, onLateness } = deps;
  const host = deps.timers ?? defaultHost;
  const immediateWithinMs = options.immediateWithinMs ?? 0;
  if (typeof immediateWithinMs !== 'number' || !Number.isFinite(immediateWithinMs) || immediateWithinMs < 0) {
    throw new RangeError(`createTimerQueue: options.immediateWithinMs must be a finite number >= 0, got ${immediateWithinMs}`);
  }

  const heap: Entry[] = [];
  let live = 0;
  let nextSeq = 0;
  let closed = false;
  // What the host is currently armed with, if anything.
  let armedKind: 'timeout' | 'immediate' | undefined;
  let armedHandle: unknown;
  let armedDue = Infinity;

  function less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  function push(e: Entry): void {
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!less(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  function pop(): Entry | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && less(heap[r] as Entry, heap[l] as Entry)) c = r;
      const child = heap[c] as Entry;
      if (!less(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  /** The earliest live entry; cancelled entries are discarded lazily as they surface. */
  function peek(): Entry | undefined {
    let top = heap[0];
    while (top !== undefined && top.callback === undefined) {
      pop();
      top = heap[0];
    }
    return top;
  }

  function disarm(): void {
    if (armedKind === 'timeout') host.clearTimeout(armedHandle);
    else if (armedKind === 'immediate') host.clearImmediate?.(armedHandle);
    armedKind = undefined;
    armedHandle = undefined;
    armedDue = Infinity;
  }

  function arm(): void {
    const top = peek();
    if (top === undefined) {
      disarm();
      return;
    }
    // An armed wake-up at or before the earliest due time will take care of it.
    if (armedKind === 'immediate' || (armedKind === 'timeout' && armedDue <= top.due)) return;
    disarm();
    const now = clock.nowMs();
    const delay = top.due - now;
    if (delay <= immediateWithinMs && host.setImmediate !== undefined) {
      armedKind = 'immediate';
      armedHandle = host.setImmediate(fire);
      armedDue = top.due;
    } else if (delay > MAX_TIMEOUT_MS) {
      // Beyond what setTimeout honours: wake up early, then re-arm for the rest.
      armedKind = 'timeout';
      armedHandle = host.setTimeout(fire, MAX_TIMEOUT_MS);
      armedDue = now + MAX_TIMEOUT_MS;
    } else {
      armedKind = 'timeout';
      // Node clamps anything below 1 ms to 1 ms anyway; an early wake-up just re-arms.
      armedHandle = host.setTimeout(fire, Math.max(0, delay));
      armedDue = top.due;
    }
  }

  function fire(): void {
    armedKind = undefined;
    armedHandle = undefined;
    armedDue = Infinity;
    if (closed) return;
    // Items scheduled by the callbacks below wait for the next turn, even when already due, so a
    // callback that reschedules itself for "now" cannot starve the event loop.
    const seqLimit = nextSeq;
    try {
      for (;;) {
        const top = peek();
        if (top === undefined || top.seq >= seqLimit) break;
        const now = clock.nowMs();
        if (top.due > now) break;
        pop();
        live--;
        const cb = top.callback as () => void;
        top.callback = undefined;
        onLateness?.(now - Math.max(top.due, top.since));
        cb();
        if (closed) return;
      }
    } finally {
      // Re-arm even when a callback threw, so one bad item cannot stall every later one.
      if (!closed) arm();
    }
  }

  /** One function for every item's cancel (an item is a plain object, not a closure per item). */
  function cancelEntry(entry: Entry): boolean {
    if (entry.callback === undefined) return false;
    entry.callback = undefined;
    live--;
    compactIfMostlyCancelled();
    if (!closed && heap[0] === entry) arm();
    return true;
  }

  function compactIfMostlyCancelled(): void {
    const dead = heap.length - live;
    if (dead < 1024 || dead < live) return;
    const keep = heap.filter((e) => e.callback !== undefined);
    heap.length = 0;
    for (const e of keep) push(e);
  }

  return {
    schedule(dueMs, callback) {
      if (typeof dueMs !== 'number' || !Number.isFinite(dueMs)) {
        throw new RangeError(`TimerQueue.schedule: dueMs must be a finite number, got ${dueMs}`);
      }
      if (typeof callback !== 'function') throw new TypeError('TimerQueue.schedule: callback must be a function');
      if (closed) return INERT;
      const entry = new QueuedItem(dueMs, clock.nowMs(), nextSeq++, callback, cancelEntry);
      push(entry);
      live++;
      arm();
      return entry;
    },

    get size() {
      return live;
    },

    get closed() {
      return closed;
    },

    nextDueMs() {
      return peek()?.due;
    },

    close() {
      if (closed) return;
      closed = true;
      disarm();
      for (const e of heap) e.callback = undefined;
      heap.length = 0;
      live = 0;
    },
  };
}
