export {
  LATENCY_HIGHEST_TRACKABLE_US,
  LATENCY_LOWEST_DISCERNIBLE_US,
  LATENCY_SIGNIFICANT_DIGITS,
  createLatencyHistogram,
  decodeLatencyHistogram,
  mergeEncodedHistograms,
  latencyFigures,
  type LatencyHistogram,
  type LatencyHistogramOptions,
  type LatencySummary,
  type PercentilePoint,
} from './histogram.js';
export { counterRates, createCounters, mergeCounterSnapshots, type CounterSnapshot, type Counters } from './counters.js';
export {
  createEventLoopMonitor,
  createHealthSampler,
  type CpuSample,
  type EventLoopDelaySample,
  type EventLoopMonitor,
  type EventLoopMonitorOptions,
  type HealthSample,
  type HealthSampler,
} from './health.js';
export { createTaggedLatency, mergeTaggedLatency, type TaggedLatency, type TaggedLatencyData, type TaggedLatencyLimits } from './tagged.js';
