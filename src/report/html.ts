import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeLatencyHistogram } from '../metrics/index.js';
import type { LatencyFigures, RunEvent, RunReport } from './model.js';
import { fmtNumber, type Block, type Section, type Table } from './format.js';
import { DETECTION_EVENT_TYPES, eventDetails, reportSections, reportTitle, saturationWarning } from './summary.js';
import { parseSubMetricKey } from './paths.js';
import { ReportError } from './validate.js';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * JSON that is safe inside a <script> element: `<`, `>` and `&` are written as \u escapes (so no
 * `</script>` or `<!--` can appear), as are U+2028/U+2029. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface ChartLibrary {
  readonly name: 'chart.js';
  readonly version: string;
  /** The UMD build, read from node_modules, without its source-map comment. */
  readonly code: string;
  readonly file: string;
}

let chartLibraryCache: ChartLibrary | undefined;

/**
 * Chart.js's minified UMD build (it defines the global `Chart`), read from the installed package at
 * the first report written by this process. Inlining it keeps report.html one self-contained file
 * that opens offline: no CDN, no network.
 */
export function chartLibrary(): ChartLibrary {
  if (chartLibraryCache !== undefined) return chartLibraryCache;
  let dist: string;
  try {
    // The package's exports map does not expose its files; resolve the main entry and go from there.
    dist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  } catch (e) {
    throw new ReportError(`report.html needs the chart.js package (npm ci): ${(e as Error).message}`);
  }
  const file = join(dist, 'chart.umd.min.js');
  let code: string;
  let version: string;
  try {
    code = readFileSync(file, 'utf8');
    version = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch (e) {
    throw new ReportError(`cannot read chart.js's UMD build at ${file}: ${(e as Error).message}`);
  }
  code = code.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Inside <script> only `</script` and `<!--` could end or confuse the element; the shipped build
  // has neither. Refuse rather than emit a broken page should a future build contain one.
  if (/<\/script|<!--/i.test(code)) throw new ReportError(`${file} contains "</script" or "<!--" and cannot be inlined into report.html`);
  chartLibraryCache = { name: 'chart.js', version, code, file };
  return chartLibraryCache;
}

export interface PercentileCurveData {
  readonly label: string;
  readonly count: number;
  /** x = 1 / (1 - percentile/100), the HdrHistogram percentile-distribution axis (log scale). */
  readonly points: readonly { readonly percentile: number; readonly ms: number; readonly x: number }[];
}

export interface ReportChartData {
  readonly percentiles: readonly PercentileCurveData[];
  /** Why the percentile chart is empty, when it is. */
  readonly percentilesEmpty: string | null;
  readonly series: {
    readonly tS: readonly number[];
    /** null for a second in which no update was played (the series stores 0 there): a gap, not a 0 ms dip. */
    readonly neoP50: readonly (number | null)[];
    readonly neoP99: readonly (number | null)[];
    readonly peersAlive: readonly number[];
    readonly bytesPerS: readonly number[];
    readonly messagesPerS: readonly number[];
    readonly lossPct: readonly number[];
    /** NEO p99 per second of the updates played by receivers carrying each named tag; null: none in that second. */
    readonly byTag: readonly { readonly tag: string; readonly p99: readonly (number | null)[] }[];
  };
  /** NEO playout latency per group, from the report's `neo.playoutLatencyMs{group:N}` sub-metrics, by group number. */
  readonly groups: readonly { readonly group: number; readonly count: number; readonly p50: number; readonly p99: number }[];
  readonly detection: Timeline;
  /** What a world's quadtree did over the run: splits, merges, hand-overs (empty without a world). */
  readonly quadtree: Timeline;
  readonly durationS: number;
}

/** Cumulative counts of events of some types over the run, each point with the event's details. */
type Timeline = readonly { readonly type: string; readonly points: readonly { readonly x: number; readonly y: number; readonly d: string }[] }[];

function timelineOf(events: readonly RunEvent[], types: readonly string[]): Timeline {
  return types
    .map((type) => {
      const matching = events.filter((e) => e.type === type).sort((a, b) => a.tS - b.tS);
      return { type, points: matching.map((e, i) => ({ x: e.tS, y: i + 1, d: eventDetails(e) })) };
    })
    .filter((d) => d.points.length > 0);
}

/** The quadtree's events drawn on report.html's quadtree timeline. */
export const QUADTREE_EVENT_TYPES: readonly string[] = ['split', 'merge', 'handover', 'election', 'zone-event'];

function curveOf(label: string, l: LatencyFigures): PercentileCurveData | string {
  let points;
  try {
    points = decodeLatencyHistogram(l.encoded).percentileCurve();
  } catch (e) {
    return `the ${label} histogram could not be decoded (${(e as Error).message})`;
  }
  const out: { percentile: number; ms: number; x: number }[] = [];
  let lastX = 1;
  for (const p of points) {
    // percentileCurve ends with (100, max); 1/(1 - 1) is infinite, so max is drawn one step past the last tail level.
    const x = p.percentile >= 100 ? lastX * 2 : 1 / (1 - p.percentile / 100);
    out.push({ percentile: p.percentile, ms: p.ms, x });
    lastX = x;
  }
  return { label, count: l.count, points: out };
}

/** The data behind report.html's charts (also embedded in the page as JSON). */
export function reportChartData(report: RunReport, events: readonly RunEvent[]): ReportChartData {
  const curves: PercentileCurveData[] = [];
  const problems: string[] = [];
  const add = (label: string, l: LatencyFigures | undefined) => {
    if (l === undefined) return;
    const c = curveOf(label, l);
    if (typeof c === 'string') problems.push(c);
    else if (c.points.length > 0) curves.push(c);
  };
  add('NEO playout', report.neo?.playoutLatencyMs);
  add('lockstep turn (baseline)', report.lockstep?.turnLatencyMs);
  add('client/server (baseline)', report.clientServer?.latencyMs);
  let percentilesEmpty: string | null = null;
  if (!curves.some((c) => c.label === 'NEO playout')) {
    percentilesEmpty =
      problems.length > 0
        ? `No NEO latency curve: ${problems.join('; ')}.`
        : report.neo === null
          ? 'No NEO latency curve: NEO did not run (neo is null in report.json).'
          : 'No NEO latency curve: no update was played during this run.';
  }
  const s = report.series;
  const detection = timelineOf(events, DETECTION_EVENT_TYPES);
  const quadtree = timelineOf(events, QUADTREE_EVENT_TYPES);
  return {
    percentiles: curves,
    percentilesEmpty,
    series: {
      tS: s.map((p) => p.tS),
      // A played update always takes > 0 µs, so 0 can only mean "nothing played in this second".
      neoP50: s.map((p) => (p.neoP50 !== null && p.neoP50 > 0 ? p.neoP50 : null)),
      neoP99: s.map((p) => (p.neoP99 !== null && p.neoP99 > 0 ? p.neoP99 : null)),
      peersAlive: s.map((p) => p.peersAlive),
      bytesPerS: s.map((p) => p.bytesPerS),
      messagesPerS: s.map((p) => p.messagesPerS),
      lossPct: s.map((p) => p.lossRate * 100),
      byTag: Object.keys(report.tags?.named ?? {}).map((tag) => ({ tag, p99: s.map((p) => p.tagP99?.[tag] ?? null) })),
    },
    groups: groupLatencies(report),
    detection,
    quadtree,
    durationS: report.durationS,
  };
}

function groupLatencies(report: RunReport): ReportChartData['groups'] {
  const rows: { group: number; count: number; p50: number; p99: number }[] = [];
  for (const [key, l] of Object.entries(report.subMetrics ?? {})) {
    const parsed = parseSubMetricKey(key);
    const only = parsed?.filters.length === 1 ? parsed.filters[0] : undefined;
    if (parsed?.metric === 'neo.playoutLatencyMs' && only?.dimension === 'group' && !only.negated) rows.push({ group: Number(only.value), count: l.count, p50: l.p50, p99: l.p99 });
  }
  return rows.sort((a, b) => a.group - b.group);
}

function htmlTable(t: Table): string {
  const allEmpty = t.headers.every((h) => h === '');
  const align = (i: number) => t.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const cls = (i: number) => (align(i) === 'right' ? ' class="num"' : '');
  const head = allEmpty ? '' : `<thead><tr>${t.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = t.rows
    .map((r) => `<tr>${t.headers.map((_, i) => (allEmpty && i === 0 ? `<th scope="row">${escapeHtml(r[i] ?? '')}</th>` : `<td${cls(i)}>${escapeHtml(r[i] ?? '')}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table${allEmpty ? ' class="kv"' : ''}>${head}<tbody>\n${body}\n</tbody></table>`;
}

function htmlBlock(b: Block): string {
  if (b.kind === 'table') return htmlTable(b.table);
  if (b.kind === 'warning') return `<p class="warning">${escapeHtml(b.text)}</p>`;
  return `<p>${escapeHtml(b.text)}</p>`;
}

function htmlSection(s: Section): string {
  return `<section>\n<h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map(htmlBlock).join('\n')}\n</section>`;
}

function chartFigure(id: string, title: string, description: string, empty: string | null): string {
  const body =
    empty === null
      ? `<div class="chart"><canvas id="${id}" role="img" aria-label="${escapeHtml(description)}"></canvas></div>`
      : `<p class="empty" id="${id}-empty">${escapeHtml(empty)}</p>`;
  return `<figure>\n<figcaption><h3>${escapeHtml(title)}</h3><p>${escapeHtml(description)}</p></figcaption>\n${body}\n</figure>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1d232b; --muted: #5b6673; --line: #d8dee6; --bad: #a4161a; --bad-bg: #fdecec; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0; } figcaption p, .meta, footer { color: var(--muted); margin: 2px 0 8px; }
figure { margin: 18px 0; } .chart { position: relative; height: 320px; }
.empty { border: 1px dashed var(--line); padding: 28px; text-align: center; color: var(--muted); }
.warning { background: var(--bad-bg); color: var(--bad); border-left: 4px solid var(--bad); padding: 8px 12px; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0 10px; } th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
thead th { border-bottom: 2px solid var(--line); } .num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { font-weight: 500; color: var(--muted); }
`;

// Runs in the browser; plain ES5-ish JavaScript using the inlined global `Chart`.
const CLIENT_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#1f6feb', '#d9480f', '#2b8a3e', '#7048e8', '#c2255c', '#0b7285'];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  function el(id) { return document.getElementById(id); }
  function num(v, d) { return Number(v).toLocaleString('en-US', { maximumFractionDigits: d }); }
  function pctLabel(p) { return p >= 99 ? String(Math.round(p * 10000) / 10000) : String(Math.round(p * 100) / 100); }
  function isDecade(v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9; }

  if (el('chart-percentiles')) {
    new Chart(el('chart-percentiles'), {
      type: 'line',
      data: { datasets: data.percentiles.map(function (c, i) {
        return { label: c.label + ' (n=' + num(c.count, 0) + ')', borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
          pointRadius: 0, pointHitRadius: 6, borderWidth: 2,
          data: c.points.map(function (p) { return { x: p.x, y: p.ms, p: p.percentile }; }) };
      }) },
      options: {
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: { type: 'logarithmic', min: 1, title: { display: true, text: 'percentile' },
            ticks: { autoSkip: false, callback: function (v) {
              if (v === 2) return '50%';
              if (!isDecade(v)) return '';
              return v === 1 ? '0%' : pctLabel(100 * (1 - 1 / v)) + '%';
            } } },
          y: { beginAtZero: true, title: { display: true, text: 'latency (ms)' } }
        },
        plugins: { tooltip: { callbacks: {
          title: function () { return ''; },
          label: function (ctx) { var p = ctx.raw.p; return ctx.dataset.label + ': ' + (p >= 100 ? 'max' : 'p' + pctLabel(p)) + ' = ' + num(ctx.raw.y, 3) + ' ms'; }
        } } }
      }
    });
  }

  function pairs(xs, ys) { return xs.map(function (x, i) { return { x: x, y: ys[i] }; }); }
  var s = data.series;
  if (el('chart-latency-time')) {
    new Chart(el('chart-latency-time'), {
      type: 'line',
      data: { datasets: [
        { label: 'NEO p50 (ms)', data: pairs(s.tS, s.neoP50), borderColor: palette[0], backgroundColor: palette[0], pointRadius: 0, borderWidth: 2, yAxisID: 'y' },
        { label: 'NEO p99 (ms)', data: pairs(s.tS, s.neoP99), borderColor: palette[1], backgroundColor: palette[1], pointRadius: 0, borderWidth: 2, yAxisID: 'y' }
      ].concat(s.byTag.map(function (t, i) {
        var c = palette[(i + 2) % palette.length];
        return { label: 'NEO p99, receivers tagged ' + t.tag + ' (ms)', data: pairs(s.tS, t.p99), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: 2, borderDash: [6, 3], yAxisID: 'y' };
      })).concat([
        { label: 'peers alive', data: pairs(s.tS, s.peersAlive), borderColor: '#8a94a0', backgroundColor: '#8a94a0', borderDash: [4, 3], pointRadius: 0, borderWidth: 1, yAxisID: 'peers', stepped: true }
      ]) },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'time (s)' } },
          y: { beginAtZero: true, title: { display: true, text: 'playout latency (ms)' } },
          peers: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'peers alive' } }
        }
      }
    });
  }
  if (el('chart-groups')) {
    new Chart(el('chart-groups'), {
      type: 'bar',
      data: { labels: data.groups.map(function (g) { return 'group ' + g.group; }), datasets: [
        { label: 'p50 (ms)', data: data.groups.map(function (g) { return g.p50; }), backgroundColor: palette[0] },
        { label: 'p99 (ms)', data: data.groups.map(function (g) { return g.p99; }), backgroundColor: palette[1] }
      ] },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: 'playout latency (ms)' } } },
        plugins: { tooltip: { callbacks: { footer: function (items) { var g = data.groups[items[0].dataIndex]; return g ? num(g.count, 0) + ' playouts' : ''; } } } }
      }
    });
  }
  if (el('chart-traffic')) {
    new Chart(el('chart-traffic'), {
      type: 'line',
      data: { datasets: [
        { label: 'bytes/s', data: pairs(s.tS, s.bytesPerS), borderColor: palette[3], backgroundColor: palette[3], pointRadius: 0, borderWidth: 2, yAxisID: 'y' },
        { label: 'messages/s', data: pairs(s.tS, s.messagesPerS), borderColor: palette[5], backgroundColor: palette[5], pointRadius: 0, borderWidth: 2, yAxisID: 'msgs' },
        { label: 'loss to link shaping (%)', data: pairs(s.tS, s.lossPct), borderColor: palette[4], backgroundColor: palette[4], pointRadius: 0, borderWidth: 1, yAxisID: 'loss' }
      ] },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'time (s)' } },
          y: { beginAtZero: true, title: { display: true, text: 'bytes/s' } },
          msgs: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'messages/s' } },
          loss: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'loss %' } }
        }
      }
    });
  }
  timeline('chart-detection', data.detection);
  timeline('chart-quadtree', data.quadtree);
  function timeline(id, sets) {
    if (!el(id)) return;
    new Chart(el(id), {
      type: 'line',
      data: { datasets: sets.map(function (d, i) {
        var pts = [{ x: 0, y: 0, d: '' }].concat(d.points);
        var last = pts[pts.length - 1];
        if (last && last.x < data.durationS) pts.push({ x: data.durationS, y: last.y, d: '' });
        return { label: d.type + ' events', data: pts, stepped: 'after', borderColor: palette[(i + 1) % palette.length], backgroundColor: palette[(i + 1) % palette.length],
          pointRadius: pts.map(function (p) { return p.d === '' ? 0 : 3; }), borderWidth: 2 };
      }) },
      options: {
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: 'time (s)' } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'cumulative count' } }
        },
        plugins: { tooltip: { callbacks: {
          label: function (ctx) { return ctx.dataset.label + ' #' + ctx.raw.y + ' at ' + num(ctx.raw.x, 3) + ' s' + (ctx.raw.d ? ': ' + ctx.raw.d : ''); }
        } } }
      }
    });
  }
})();
`;

/**
 * report.html: one self-contained file (inline CSS, Chart.js and data; a Content-Security-Policy
 * that forbids every network fetch) with the latency percentile curve, latency over time, traffic,
 * the detection and quadtree timelines and the same summary tables as report.md.
 */
export function renderReportHtml(report: RunReport, events: readonly RunEvent[]): string {
  const lib = chartLibrary();
  const data = reportChartData(report, events);
  const title = reportTitle(report);
  const warning = saturationWarning(report);
  const noSeries = report.series.length === 0 ? 'No per-second samples in this run.' : null;
  const detectionEmpty =
    data.detection.length === 0 ? `No detections in this run: no ${DETECTION_EVENT_TYPES.join(' or ')} event was recorded${events.length === 0 ? ' (no events at all)' : ''}.` : null;
  const figures = [
    chartFigure(
      'chart-percentiles',
      'Latency percentile distribution',
      'NEO playout latency (creation to playout) by percentile, from the merged HdrHistogram in report.json; baselines overlaid when they ran. Log scale: each decade right is ten times rarer.',
      data.percentilesEmpty,
    ),
    chartFigure(
      'chart-latency-time',
      'Latency over time',
      `NEO playout latency p50 and p99 of the updates played in each second${data.series.byTag.length > 0 ? ', the p99 of the receivers carrying each named tag' : ''}, with the peers alive; a gap is a second in which nothing was played.`,
      noSeries,
    ),
    chartFigure(
      'chart-groups',
      'Latency by group',
      'NEO playout latency p50 and p99 of each group, from the per-group sub-metrics in report.json (the worst groups and peers are listed under "Who suffers").',
      data.groups.length > 0 ? null : report.subMetrics === undefined ? 'No per-group figures: this report was written before tags and sub-metrics.' : 'No per-group figures: no update was played during this run.',
    ),
    chartFigure('chart-traffic', 'Traffic over time', 'Bytes and messages per second across all peers, and the fraction lost to link shaping.', noSeries),
    chartFigure('chart-detection', 'Detection timeline', `Cumulative ${DETECTION_EVENT_TYPES.join(' and ')} events over the run (from events.ndjson).`, detectionEmpty),
    chartFigure(
      'chart-quadtree',
      'Groups timeline',
      `Cumulative ${QUADTREE_EVENT_TYPES.join(', ')} events of the groups over the run (from events.ndjson; docs/zones.md, docs/groups.md).`,
      data.quadtree.length > 0 ? null : report.groups === null ? 'No groups in this run.' : 'No split, merge, hand-over, election or zone event happened in this run.',
    ),
  ];
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">seed ${escapeHtml(String(report.seed))} · started ${escapeHtml(report.startedAt)} · ${escapeHtml(fmtNumber(report.durationS))} s · ${escapeHtml(fmtNumber(report.peers.peak))} peers at peak · ${escapeHtml(fmtNumber(report.workers))} workers</p>
${warning === null ? '' : `<p class="warning">${escapeHtml(warning)}</p>`}
</header>
<noscript><p class="warning">The charts need JavaScript (inline, no network); the tables below do not.</p></noscript>
<section id="charts">
<h2>Charts</h2>
${figures.join('\n')}
</section>
${reportSections(report, events).map(htmlSection).join('\n')}
<footer><p>Written by p2p-mmog. Charts drawn with Chart.js ${escapeHtml(lib.version)} (MIT licence), inlined below; this file loads nothing from the network.</p></footer>
<script>
${lib.code}
</script>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
