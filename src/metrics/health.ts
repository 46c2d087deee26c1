import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type Histogram, type IntervalHistogram } from 'node:perf_hooks';
import { monotonicNowMs } from '../time/clock.js';
import { createLatencyHistogram, halfDistancePercentiles } from './histogram.js';

export interface EventLoopDelaySample {
  /** Timer ticks observed in the interval; when 0, every other number is 0. */
  samples: number;
  /**
   * Lateness of the monitor's timer, in ms: Node records the time between ticks, which includes
   * the resolution itself, so the resolution is subtracted (an idle loop reads ~0, not ~10 ms).
   */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /**
   * The interval's delays as an encoded LatencyHistogram (see decodeLatencyHistogram), so the
   * controller can merge them across workers. Node does not expose its buckets, so this is rebuilt
   * from Node's own percentiles: every sample is placed at the top of its percentile band, hence
   * merged percentiles are never below the true ones (a conservative, alarm-safe approximation).
   */
  encoded: string;
}

export interface EventLoopMonitor {
  readonly resolutionMs: number;
  /** Delay statistics since the previous call (or creation), then starts a new interval. */
  sample(): EventLoopDelaySample;
  stop(): void;
}

export interface EventLoopMonitorOptions {
  /** Sampling timer period in ms (integer >= 1); default 10, Node's default. */
  resolutionMs?: number;
}

const NS_PER_MS = 1e6;

function checkResolution(resolutionMs: unknown): number {
  if (typeof resolutionMs !== 'number' || !Number.isSafeInteger(resolutionMs) || resolutionMs < 1) {
    throw new RangeError(`resolutionMs must be an integer >= 1, got ${String(resolutionMs)}`);
  }
  return resolutionMs;
}

/** Percentile levels used to rebuild the histogram: the HdrHistogram half-distance layout plus the reported ones. */
function reconstructionLevels(count: number): number[] {
  // Node rejects percentile(0).
  const levels = halfDistancePercentiles(count, 4).filter((p) => p > 0);
  return [...new Set([...levels, 50, 90, 99, 99.9, 100])].sort((a, b) => a - b);
}

/**
 * Rebuilds a LatencyHistogram encoding (values in ms, less `resolutionNs`) from a Node histogram's
 * percentiles. Not part of the public API; exported so the "never below the truth" property can be
 * tested on a histogram with known contents.
 */
export function encodeFromPercentiles(h: Pick<Histogram, 'percentile' | 'max'>, count: number, resolutionNs: number): string {
  const out = createLatencyHistogram();
  let prevRank = 0;
  let prevNs = 0;
  for (const p of reconstructionLevels(count)) {
    const x = (p / 100) * count;
    // Node 20's bundled HdrHistogram C rounds the rank to nearest (HdrHistogram's other ports use
    // ceil); taking the lower of the two keeps "value >= every sample up to this rank" true under
    // either. The property test in health.test.ts fails if this is ceil alone.
    const rank = p === 100 ? count : Math.max(1, prevRank, Math.min(Math.ceil(x - 1e-9), Math.floor(x + 0.5)));
    const ns = Math.max(prevNs, p === 100 ? h.max : h.percentile(p));
    if (rank > prevRank) {
      // Rounded up to whole µs so that rounding cannot make the reconstruction optimistic.
      out.recordMsWithCount(Math.ceil(Math.max(0, ns - resolutionNs) / 1000) / 1000, rank - prevRank);
      prevRank = rank;
    }
    prevNs = ns;
  }
  return out.encode();
}

class PerfHooksEventLoopMonitor implements EventLoopMonitor {
  readonly resolutionMs: number;
  private readonly h: IntervalHistogram;
  private stopped = false;

  constructor(resolutionMs: number) {
    this.resolutionMs = resolutionMs;
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.h.enable();
  }

  sample(): EventLoopDelaySample {
    if (this.stopped) throw new Error('EventLoopMonitor.sample: monitor was stopped');
    const h = this.h;
    const count = h.count;
    const resolutionNs = this.resolutionMs * NS_PER_MS;
    const lateMs = (ns: number): number => Math.max(0, ns - resolutionNs) / NS_PER_MS;
    // An empty IntervalHistogram answers percentile() with garbage (e.g. 511 ns); report zeros.
    const result: EventLoopDelaySample =
      count === 0
        ? { samples: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0, encoded: createLatencyHistogram().encode() }
        : {
            samples: count,
            p50Ms: lateMs(h.percentile(50)),
            p99Ms: lateMs(h.percentile(99)),
            maxMs: lateMs(h.max),
            meanMs: lateMs(h.mean),
            encoded: encodeFromPercentiles(h, count, resolutionNs),
          };
    h.reset();
    return result;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.h.disable();
  }
}

export function createEventLoopMonitor(options: EventLoopMonitorOptions = {}): EventLoopMonitor {
  return new PerfHooksEventLoopMonitor(checkResolution(options.resolutionMs ?? 10));
}

export interface CpuSample {
  userMs: number;
  systemMs: number;
  /**
   * CPU time / wall time. `process.cpuUsage` is process-wide, so in a worker thread this counts
   * every thread of the process: it can exceed 1, and workers' values must not be summed.
   */
  cores: number;
  /** `cores` / available parallelism, in [0, 1] (clamped against read skew between the two clocks). */
  machineFraction: number;
}

export interface HealthSample {
  /** Wall time covered by this sample, on the shared monotonic clock. */
  intervalMs: number;
  eventLoopDelay: EventLoopDelaySample;
  /** Fraction of the interval this thread's event loop spent outside the poll phase; in [0, 1]. */
  eventLoopUtilization: number;
  cpu: CpuSample;
}

export interface HealthSampler {
  /** Health since the previous call (or creation); plain data, safe to postMessage as is. */
  sample(): HealthSample;
  stop(): void;
}

class ThreadHealthSampler implements HealthSampler {
  private readonly loop: EventLoopMonitor;
  private readonly parallelism = availableParallelism();
  private lastMs = monotonicNowMs();
  private lastCpu = process.cpuUsage();
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(resolutionMs: number) {
    this.loop = createEventLoopMonitor({ resolutionMs });
  }

  sample(): HealthSample {
    const eventLoopDelay = this.loop.sample();
    const nowMs = monotonicNowMs();
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const eluDelta = performance.eventLoopUtilization(elu, this.lastElu);
    const intervalMs = nowMs - this.lastMs;
    const userMs = (cpu.user - this.lastCpu.user) / 1000;
    const systemMs = (cpu.system - this.lastCpu.system) / 1000;
    this.lastMs = nowMs;
    this.lastCpu = cpu;
    this.lastElu = elu;

    const cores = intervalMs > 0 ? (userMs + systemMs) / intervalMs : 0;
    const utilization = eluDelta.utilization;
    return {
      intervalMs,
      eventLoopDelay,
      // 0/0 when sampled twice within the same loop turn.
      eventLoopUtilization: Number.isFinite(utilization) ? Math.min(1, Math.max(0, utilization)) : 0,
      cpu: { userMs, systemMs, cores, machineFraction: Math.min(1, cores / this.parallelism) },
    };
  }

  stop(): void {
    this.loop.stop();
  }
}

export function createHealthSampler(options: EventLoopMonitorOptions = {}): HealthSampler {
  return new ThreadHealthSampler(checkResolution(options.resolutionMs ?? 10));
}
