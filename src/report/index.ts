/**
 * Run reports (SPEC §9 "Reports"): writing report.json / report.md / report.html / events.ndjson,
 * reading and validating report.json, the `report` text, `compare` and threshold evaluation.
 * See docs/reports.md.
 */
export type { CapacityResult, CapacityStep, HarnessCalibration, LatencyFigures, RunEvent, RunReport, SeriesPoint, ThresholdOp, ThresholdResult, WorstGroup, WorstPeer } from './model.js';
export { capacityStep, renderCapacity } from './capacity.js';
export { REPORT_FILES, readEvents, readReport, rerenderReport, resolveReportFile, serializeEvents, writeReport, type ReportFiles } from './io.js';
export { REPORT_VERSION, ReportError, reportProblems } from './validate.js';
export { DETECTION_EVENT_TYPES, PENDING_COMPONENTS, renderReportMarkdown, renderReportText, reportSections, suggestionLine } from './summary.js';
export { chartLibrary, escapeHtml, renderReportHtml, reportChartData, type ChartLibrary, type PercentileCurveData, type ReportChartData } from './html.js';
export {
  COMPARED_METRICS,
  DEFAULT_ABSOLUTE_FLOORS,
  DEFAULT_RELATIVE_THRESHOLD,
  attackMetrics,
  compareReports,
  hasRegression,
  renderComparison,
  subMetricRows,
  type CompareOptions,
  type ComparisonRow,
  type Direction,
  type MetricInfo,
  type MetricUnit,
  type RenderComparisonOptions,
} from './compare.js';
export {
  THRESHOLD_OPS,
  ThresholdParseError,
  evaluateThresholds,
  formatThreshold,
  parseThreshold,
  thresholdMetrics,
  type ThresholdSpec,
} from './thresholds.js';
export {
  DERIVED_METRICS,
  MetricPathError,
  TAG_DIMENSIONS,
  formatTagSelector,
  isPlaceSubMetric,
  parseMetricPath,
  parseSubMetricKey,
  parseTagSelector,
  resolveMetric,
  subMetricKey,
  tagFamily,
  type MetricPathStep,
  type ReportForMetrics,
  type TagDimension,
  type TagFilter,
} from './paths.js';
export type { Block, Section, Table } from './format.js';
