/**
 * Monotonic event counters. They only go up and are never reset: workers send cumulative snapshots,
 * the controller sums them across workers and derives rates from two consecutive sums. A lost or
 * delayed telemetry message therefore loses no counts, unlike interval deltas.
 */
export type CounterSnapshot<K extends string> = Record<K, number>;

export interface Counters<K extends string> {
  readonly names: readonly K[];
  /** Adds `by` (a non-negative integer, default 1). Unknown names throw: they are typos. */
  inc(name: K, by?: number): void;
  get(name: K): number;
  /** A fresh plain object; safe to postMessage and to keep. */
  snapshot(): CounterSnapshot<K>;
}

function checkAmount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
  return value;
}

class CounterSet<K extends string> implements Counters<K> {
  readonly names: readonly K[];
  private readonly index = new Map<string, number>();
  private readonly values: number[];

  constructor(names: readonly K[]) {
    if (!Array.isArray(names) || names.length === 0) throw new RangeError('createCounters: names must be a non-empty array');
    for (const [i, name] of names.entries()) {
      if (typeof name !== 'string' || name.length === 0) throw new TypeError(`createCounters: names[${i}] must be a non-empty string`);
      if (this.index.has(name)) throw new RangeError(`createCounters: duplicate counter name "${name}"`);
      this.index.set(name, i);
    }
    this.names = Object.freeze([...names]);
    this.values = new Array<number>(names.length).fill(0);
  }

  private slot(name: string, fn: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new RangeError(`Counters.${fn}: unknown counter "${name}" (known: ${this.names.join(', ')})`);
    return i;
  }

  inc(name: K, by = 1): void {
    const i = this.slot(name, 'inc');
    checkAmount(by, `Counters.inc("${name}"): by`);
    const next = (this.values[i] as number) + by;
    // Past 2^53 increments are silently lost in a double; fail loudly instead.
    if (!Number.isSafeInteger(next)) throw new RangeError(`Counters.inc("${name}"): counter exceeded Number.MAX_SAFE_INTEGER`);
    this.values[i] = next;
  }

  get(name: K): number {
    return this.values[this.slot(name, 'get')] as number;
  }

  snapshot(): CounterSnapshot<K> {
    const out = {} as CounterSnapshot<K>;
    for (const [i, name] of this.names.entries()) out[name] = this.values[i] as number;
    return out;
  }
}

export function createCounters<K extends string>(names: readonly K[]): Counters<K> {
  return new CounterSet(names);
}

function sameKeys(a: object, b: object, where: string): string[] {
  const ka = Object.keys(a);
  const kb = new Set(Object.keys(b));
  const missing = ka.filter((k) => !kb.has(k));
  if (missing.length > 0 || ka.length !== kb.size) {
    const extra = [...kb].filter((k) => !ka.includes(k));
    throw new RangeError(`${where}: snapshots have different counters (missing: ${missing.join(', ') || '-'}; extra: ${extra.join(', ') || '-'})`);
  }
  return ka;
}

/**
 * Sums snapshots of the same counter set (one per worker). All snapshots must have the same names:
 * a mismatch means workers run different code, and a silent union would hide it.
 */
export function mergeCounterSnapshots<K extends string>(snapshots: readonly CounterSnapshot<K>[]): CounterSnapshot<K> {
  if (!Array.isArray(snapshots) || snapshots.length === 0) {
    throw new RangeError('mergeCounterSnapshots: need at least one snapshot (the counter names come from them)');
  }
  const first = snapshots[0] as CounterSnapshot<K>;
  const out = {} as Record<string, number>;
  for (const k of Object.keys(first)) out[k] = 0;
  for (const [i, snap] of snapshots.entries()) {
    for (const k of sameKeys(first, snap, 'mergeCounterSnapshots')) {
      const sum = (out[k] as number) + checkAmount((snap as Record<string, unknown>)[k], `mergeCounterSnapshots: snapshots[${i}].${k}`);
      if (!Number.isSafeInteger(sum)) throw new RangeError(`mergeCounterSnapshots: sum of "${k}" exceeds Number.MAX_SAFE_INTEGER`);
      out[k] = sum;
    }
  }
  return out as CounterSnapshot<K>;
}

/**
 * Per-second rates between two cumulative snapshots taken `dtMs` apart (on the shared clock).
 * A counter that went down means the snapshots do not belong together (a restarted worker, or a
 * dropped worker's counts missing from a sum), so it throws instead of reporting a negative rate.
 */
export function counterRates<K extends string>(prev: CounterSnapshot<K>, next: CounterSnapshot<K>, dtMs: number): CounterSnapshot<K> {
  if (typeof dtMs !== 'number' || !Number.isFinite(dtMs) || dtMs <= 0) {
    throw new RangeError(`counterRates: dtMs must be a finite number > 0, got ${String(dtMs)}`);
  }
  const out = {} as Record<string, number>;
  for (const k of sameKeys(prev, next, 'counterRates')) {
    const a = checkAmount((prev as Record<string, unknown>)[k], `counterRates: prev.${k}`);
    const b = checkAmount((next as Record<string, unknown>)[k], `counterRates: next.${k}`);
    if (b < a) throw new RangeError(`counterRates: counter "${k}" went backwards (${a} -> ${b}); counters are monotonic`);
    out[k] = ((b - a) * 1000) / dtMs;
  }
  return out as CounterSnapshot<K>;
}
