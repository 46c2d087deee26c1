import { inflateSync } from 'node:zlib';
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/**
 * Every latency histogram in the harness has the same explicit bounds. They are constants rather than
 * options so that histograms recorded in different workers can always be merged exactly: adding
 * HdrHistograms of different precision would silently blur the result.
 *
 * Values are integer microseconds. 1 µs is the lowest discernible value because the shared clock
 * (`process.hrtime.bigint`) resolves far below it and localhost UDP round trips are tens of µs, so
 * millisecond units would flatten the interesting part of the distribution.
 */
export const LATENCY_LOWEST_DISCERNIBLE_US = 1;
/**
 * 10 minutes. No latency in a scenario can legitimately exceed a run's length; anything above is
 * clamped and counted in `overflow`, never dropped. A fixed bound (no auto-resize) keeps the counts
 * array identical in every thread, which is what makes the merge exact and cheap.
 */
export const LATENCY_HIGHEST_TRACKABLE_US = 600_000_000;
/** Values are kept to within 0.1 % (exact up to 2 048 µs, then ≤ 1 part in 1 024). */
export const LATENCY_SIGNIFICANT_DIGITS = 3;

export interface LatencySummary {
  /** Values recorded, including overflowed ones. */
  count: number;
  /** Values above LATENCY_HIGHEST_TRACKABLE_US, recorded as that bound (included in `count`). */
  overflow: number;
  /** All following fields are milliseconds; all are 0 when `count` is 0. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface PercentilePoint {
  /** 0..100 */
  percentile: number;
  ms: number;
}

export interface LatencyHistogram {
  readonly count: number;
  readonly overflow: number;
  /** Records one latency in milliseconds (rounded to the nearest µs). */
  recordMs(ms: number): void;
  /** Records `count` occurrences of one latency. */
  recordMsWithCount(ms: number, count: number): void;
  /** Records many latencies; either all are valid and recorded, or it throws and records none. */
  recordMsMany(values: ArrayLike<number>): void;
  /** Value (ms) at a percentile in [0, 100]; 0 when empty. */
  valueAtPercentileMs(percentile: number): number;
  summary(): LatencySummary;
  /** Points for a percentile-distribution chart; empty when the histogram is empty. */
  percentileCurve(ticksPerHalfDistance?: number): PercentilePoint[];
  /**
   * How many recorded values are at most `ms`, to the histogram's precision (the bucket of a value
   * within 0.1 % of `ms` may fall either side): the cumulative bucket counts of a Prometheus
   * histogram. Walks the histogram about 25 times: for a scrape, not for every record.
   */
  countAtOrBelowMs(ms: number): number;
  /** Compact string for postMessage and report.json; see decodeLatencyHistogram. */
  encode(): string;
  merge(other: LatencyHistogram): this;
  /** Decodes all entries first, so one bad entry leaves this histogram untouched. */
  mergeEncoded(encoded: readonly string[]): this;
  reset(): void;
}

// Format: `lh1:<count>:<overflow>:<minUs>:<maxUs>:<sumUs>:<HdrHistogram V2 compressed base64>`.
// The last field is the standard HdrHistogram encoding (readable by HdrHistogram tools); the
// prefix carries what that encoding loses: the overflow count, the exact min and max (the
// standard decoder only knows their buckets) and the exact sum for the mean. `count` doubles as
// an integrity check.
const FORMAT_TAG = 'lh1';
const FIELD_COUNT = 7;
const HDR_V2_COMPRESSED_COOKIE = 0x1c849304;
const HDR_V2_COOKIE = 0x1c849303;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const UNSIGNED_INT_RE = /^(0|[1-9][0-9]*)$/;

/**
 * HdrHistogram's percentile-distribution layout: each halving of the remaining tail (0-50 %,
 * 50-75 %, 75-87.5 %, ...) gets the same number of levels, so the tail is as visible as the body on
 * a 1/(1-p) axis. Stops once the remaining tail holds less than one of `count` samples. Ascending,
 * from 0, without 100. Internal: shared with the event-loop delay reconstruction.
 */
export function halfDistancePercentiles(count: number, ticksPerHalfDistance: number): number[] {
  const levels: number[] = [];
  for (let half = 0; half < 64 && 0.5 ** half * count >= 1; half++) {
    const tail = 0.5 ** half;
    for (let tick = 0; tick < ticksPerHalfDistance; tick++) {
      levels.push(100 * (1 - tail + (tail / 2) * (tick / ticksPerHalfDistance)));
    }
  }
  return levels;
}

function newHdr(compact = false): Histogram {
  return build({
    // 64-bit (float) buckets stay exact to 2^53 per bucket; 32-bit ones would wrap silently in a
    // long merged run. Packed ones grow with the buckets in use (a few KB for a typical latency
    // spread instead of 172 KB up front) and hold the same counts.
    bitBucketSize: compact ? 'packed' : 64,
    autoResize: false,
    lowestDiscernibleValue: LATENCY_LOWEST_DISCERNIBLE_US,
    highestTrackableValue: LATENCY_HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

/** Validates and converts to integer µs (clamping to the bound happens when recording). */
function toMicros(ms: number, fn: string): number {
  if (typeof ms !== 'number') throw new TypeError(`LatencyHistogram.${fn}: expected a number of ms, got ${typeof ms}`);
  // Negative or NaN latencies can only come from a bug: the shared clock is monotonic.
  if (!(ms >= 0) || ms === Infinity) {
    throw new RangeError(`LatencyHistogram.${fn}: latency must be a finite number >= 0 ms, got ${ms}`);
  }
  return Math.round(ms * 1000);
}

class HdrLatencyHistogram implements LatencyHistogram {
  private readonly hdr: Histogram;
  private overflowCount = 0;
  // Exact extremes in µs; HdrHistogram only keeps bucket bounds after an encode/decode.
  private minUs = Infinity;
  private maxUs = 0;
  // Exact mean in O(1) instead of HdrHistogram's bucket-midpoint mean, which walks every bucket.
  private sumUs = 0;

  constructor(hdr: Histogram = newHdr()) {
    this.hdr = hdr;
  }

  get count(): number {
    return this.hdr.totalCount;
  }

  get overflow(): number {
    return this.overflowCount;
  }

  recordMs(ms: number): void {
    this.recordMicros(toMicros(ms, 'recordMs'), 1);
  }

  recordMsWithCount(ms: number, count: number): void {
    const us = toMicros(ms, 'recordMsWithCount');
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`LatencyHistogram.recordMsWithCount: count must be a positive integer, got ${count}`);
    }
    this.recordMicros(us, count);
  }

  recordMsMany(values: ArrayLike<number>): void {
    const micros = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) micros[i] = toMicros(values[i] as number, 'recordMsMany');
    for (const us of micros) this.recordMicros(us, 1);
  }

  private recordMicros(us: number, count: number): void {
    if (us > LATENCY_HIGHEST_TRACKABLE_US) {
      us = LATENCY_HIGHEST_TRACKABLE_US;
      this.overflowCount += count;
    }
    if (count === 1) this.hdr.recordValue(us);
    else this.hdr.recordValueWithCount(us, count);
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
    this.sumUs += us * count;
  }

  /**
   * HdrHistogram reports the top of the bucket holding the percentile. The true value also lies
   * within [min, max], so clamping only removes quantisation error (and keeps p99 <= max in reports).
   */
  private clampUs(us: number): number {
    return Math.min(Math.max(us, this.minUs), this.maxUs);
  }

  valueAtPercentileMs(percentile: number): number {
    if (typeof percentile !== 'number' || !(percentile >= 0 && percentile <= 100)) {
      throw new RangeError(`LatencyHistogram.valueAtPercentileMs: percentile must be in [0, 100], got ${percentile}`);
    }
    return this.atPercentileMs(percentile);
  }

  private atPercentileMs(percentile: number): number {
    if (this.hdr.totalCount === 0) return 0;
    return this.clampUs(this.hdr.getValueAtPercentile(percentile)) / 1000;
  }

  summary(): LatencySummary {
    const count = this.hdr.totalCount;
    if (count === 0) return { count: 0, overflow: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      count,
      overflow: this.overflowCount,
      min: this.minUs / 1000,
      mean: this.sumUs / count / 1000,
      p50: this.atPercentileMs(50),
      p90: this.atPercentileMs(90),
      p99: this.atPercentileMs(99),
      p999: this.atPercentileMs(99.9),
      max: this.maxUs / 1000,
    };
  }

  percentileCurve(ticksPerHalfDistance = 5): PercentilePoint[] {
    if (!Number.isSafeInteger(ticksPerHalfDistance) || ticksPerHalfDistance < 1 || ticksPerHalfDistance > 1000) {
      throw new RangeError(`LatencyHistogram.percentileCurve: ticksPerHalfDistance must be an integer in [1, 1000], got ${ticksPerHalfDistance}`);
    }
    const count = this.hdr.totalCount;
    if (count === 0) return [];
    const points = halfDistancePercentiles(count, ticksPerHalfDistance).map((percentile) => ({
      percentile,
      ms: this.atPercentileMs(percentile),
    }));
    points.push({ percentile: 100, ms: this.maxUs / 1000 });
    return points;
  }

  countAtOrBelowMs(ms: number): number {
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new RangeError(`LatencyHistogram.countAtOrBelowMs: ms must be a number, got ${String(ms)}`);
    const count = this.hdr.totalCount;
    if (count === 0 || ms * 1000 < this.minUs) return 0;
    if (ms * 1000 >= this.maxUs) return count;
    // The value at a percentile only grows with it: the largest percentile whose value is ≤ ms,
    // found to well under one value in the count, is the share of the values at or below ms.
    let below = 0;
    let above = 100;
    for (let i = 0; i < 25 && (above - below) * count > 50; i++) {
      const mid = (below + above) / 2;
      if (this.atPercentileMs(mid) <= ms) below = mid;
      else above = mid;
    }
    return Math.min(count, Math.round((below / 100) * count));
  }

  encode(): string {
    const empty = this.hdr.totalCount === 0;
    const fields = [
      FORMAT_TAG,
      String(this.hdr.totalCount),
      String(this.overflowCount),
      String(empty ? 0 : this.minUs),
      String(empty ? 0 : this.maxUs),
      String(this.sumUs),
      encodeIntoCompressedBase64(this.hdr),
    ];
    return fields.join(':');
  }

  merge(other: LatencyHistogram): this {
    if (!(other instanceof HdrLatencyHistogram)) {
      throw new TypeError('LatencyHistogram.merge: argument must be a LatencyHistogram from createLatencyHistogram or decodeLatencyHistogram');
    }
    assertSameBounds(other.hdr, 'LatencyHistogram.merge');
    // Snapshot the other's scalars first so that merging a histogram into itself doubles it consistently.
    const { overflowCount, minUs, maxUs, sumUs } = other;
    this.hdr.add(other.hdr);
    this.overflowCount += overflowCount;
    this.sumUs += sumUs;
    if (minUs < this.minUs) this.minUs = minUs;
    if (maxUs > this.maxUs) this.maxUs = maxUs;
    return this;
  }

  mergeEncoded(encoded: readonly string[]): this {
    if (!Array.isArray(encoded)) throw new TypeError('LatencyHistogram.mergeEncoded: expected an array of encoded histograms');
    const decoded = encoded.map((e: string) => decodeLatencyHistogram(e));
    for (const d of decoded) this.merge(d);
    return this;
  }

  reset(): void {
    this.hdr.reset();
    this.overflowCount = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
    this.sumUs = 0;
  }

  /** Used by decodeLatencyHistogram only. */
  static fromParts(hdr: Histogram, overflow: number, minUs: number, maxUs: number, sumUs: number): HdrLatencyHistogram {
    const h = new HdrLatencyHistogram(hdr);
    h.overflowCount = overflow;
    h.sumUs = sumUs;
    if (hdr.totalCount > 0) {
      h.minUs = minUs;
      h.maxUs = maxUs;
    }
    return h;
  }
}

interface HdrBounds {
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  numberOfSignificantValueDigits: number;
}

function assertSameBounds(hdr: Histogram, where: string): void {
  // JsHistogram has these fields at runtime; the package's Histogram interface omits two of them.
  const b = hdr as unknown as HdrBounds;
  checkBounds(b.lowestDiscernibleValue, b.highestTrackableValue, b.numberOfSignificantValueDigits, where);
}

function checkBounds(lowest: number, highest: number, digits: number, where: string): void {
  if (
    lowest !== LATENCY_LOWEST_DISCERNIBLE_US ||
    highest !== LATENCY_HIGHEST_TRACKABLE_US ||
    digits !== LATENCY_SIGNIFICANT_DIGITS
  ) {
    throw new RangeError(
      `${where}: histogram bounds (lowest ${lowest}, highest ${highest}, ${digits} digits) differ from ` +
        `(${LATENCY_LOWEST_DISCERNIBLE_US}, ${LATENCY_HIGHEST_TRACKABLE_US}, ${LATENCY_SIGNIFICANT_DIGITS}); ` +
        'histograms of different precision cannot be merged exactly',
    );
  }
}

function decodeError(reason: string, cause?: unknown): RangeError {
  return new RangeError(`decodeLatencyHistogram: not a valid encoded LatencyHistogram (${reason})`, cause === undefined ? undefined : { cause });
}

function parseUnsigned(field: string, name: string, safe = true): number {
  const n = Number(field);
  if (!UNSIGNED_INT_RE.test(field) || (safe ? !Number.isSafeInteger(n) : !Number.isFinite(n))) {
    throw decodeError(`${name} is not an unsigned integer: ${JSON.stringify(field.slice(0, 32))}`);
  }
  return n;
}

/**
 * Reads the bounds from the HdrHistogram header before the library allocates a counts array sized
 * by them: a corrupt header must fail with a clear message, not an enormous allocation.
 */
function checkHdrHeader(base64: string): void {
  if (base64.length % 4 !== 0 || !BASE64_RE.test(base64)) throw decodeError('histogram payload is not base64');
  const outer = Buffer.from(base64, 'base64');
  if (outer.length < 8 || (outer.readInt32BE(0) & ~0xf0) !== HDR_V2_COMPRESSED_COOKIE) {
    throw decodeError('histogram payload is not a compressed HdrHistogram V2 encoding');
  }
  const compressedLength = outer.readInt32BE(4);
  if (compressedLength < 0 || 8 + compressedLength > outer.length) throw decodeError('histogram payload is truncated');
  let inner: Buffer;
  try {
    inner = inflateSync(outer.subarray(8, 8 + compressedLength));
  } catch (err) {
    throw decodeError('histogram payload does not inflate', err);
  }
  if (inner.length < 40 || (inner.readInt32BE(0) & ~0xf0) !== HDR_V2_COOKIE) throw decodeError('inflated payload has no HdrHistogram V2 header');
  const payloadLength = inner.readInt32BE(4);
  if (payloadLength < 0 || 40 + payloadLength > inner.length) throw decodeError('histogram counts are truncated');
  checkBounds(
    Number(inner.readBigInt64BE(16)),
    Number(inner.readBigInt64BE(24)),
    inner.readInt32BE(12),
    'decodeLatencyHistogram',
  );
}

/**
 * Inverse of LatencyHistogram.encode(). Throws TypeError for a non-string and RangeError (with a
 * reason) for anything that is not an encoding produced with the same bounds: such input can only
 * come from a bug or version skew, since workers produce these strings themselves.
 */
export function decodeLatencyHistogram(encoded: string): LatencyHistogram {
  if (typeof encoded !== 'string') throw new TypeError(`decodeLatencyHistogram: expected a string, got ${typeof encoded}`);
  const fields = encoded.split(':');
  if (fields.length !== FIELD_COUNT || fields[0] !== FORMAT_TAG) {
    throw decodeError(`expected "${FORMAT_TAG}:count:overflow:minUs:maxUs:sumUs:base64", got ${JSON.stringify(encoded.slice(0, 40))}`);
  }
  const [, countField, overflowField, minField, maxField, sumField, base64] = fields as [string, string, string, string, string, string, string];
  const count = parseUnsigned(countField, 'count');
  const overflow = parseUnsigned(overflowField, 'overflow');
  const minUs = parseUnsigned(minField, 'minUs');
  const maxUs = parseUnsigned(maxField, 'maxUs');
  // Beyond 2^53 µs (285 years of summed latency) the sum is a rounded double, still fine for a mean.
  const sumUs = parseUnsigned(sumField, 'sumUs', false);
  checkHdrHeader(base64);
  let hdr: Histogram;
  try {
    hdr = decodeFromCompressedBase64(base64, 64, false);
  } catch (err) {
    throw decodeError('HdrHistogram decoding failed', err);
  }
  assertSameBounds(hdr, 'decodeLatencyHistogram');
  if (hdr.totalCount !== count) throw decodeError(`header count ${count} does not match histogram count ${hdr.totalCount}`);
  if (overflow > count) throw decodeError(`overflow ${overflow} exceeds count ${count}`);
  if (count > 0) {
    // The exact extremes must fall inside the buckets that hold the first and last recorded values.
    const lowBucket = hdr.getValueAtPercentile(0);
    const highBucket = hdr.getValueAtPercentile(100);
    if (!(lowBucket <= minUs && minUs <= maxUs && maxUs <= highBucket && maxUs <= LATENCY_HIGHEST_TRACKABLE_US)) {
      throw decodeError(`min ${minUs} / max ${maxUs} µs inconsistent with recorded buckets [${lowBucket}, ${highBucket}]`);
    }
    const slack = 1 + 1e-9;
    if (!(sumUs * slack >= minUs * count && sumUs <= maxUs * count * slack)) {
      throw decodeError(`sum ${sumUs} µs impossible for ${count} values in [${minUs}, ${maxUs}]`);
    }
  } else if (minUs !== 0 || maxUs !== 0 || sumUs !== 0) {
    throw decodeError('empty histogram with non-zero min/max/sum');
  }
  return HdrLatencyHistogram.fromParts(hdr, overflow, minUs, maxUs, sumUs);
}

export interface LatencyHistogramOptions {
  /**
   * Packed counts: slower to record into, but small while few buckets are used. For the many
   * histograms kept per tag, group or peer; same bounds, so they merge with any other.
   */
  readonly compact?: boolean;
}

export function createLatencyHistogram(options: LatencyHistogramOptions = {}): LatencyHistogram {
  return new HdrLatencyHistogram(newHdr(options.compact === true));
}

/** The controller's side of the telemetry path: one histogram from every worker's encoding. */
export function mergeEncodedHistograms(encoded: readonly string[]): LatencyHistogram {
  return new HdrLatencyHistogram().mergeEncoded(encoded);
}

/** A histogram's summary together with its encoding: what reports carry, so runs can be re-analysed. */
export function latencyFigures(h: LatencyHistogram): LatencySummary & { readonly encoded: string } {
  return { ...h.summary(), encoded: h.encode() };
}
