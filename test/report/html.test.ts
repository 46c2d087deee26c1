import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, decodeLatencyHistogram } from '../../src/metrics/index.js';
import { chartLibrary, escapeHtml, renderReportHtml, type ReportChartData, type RunEvent, type RunReport } from '../../src/report/index.js';
import { makeEvents, makeReport } from './fixture.js';

interface Script {
  readonly attrs: string;
  readonly body: string;
}

function scriptsOf(html: string): Script[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

function chartData(html: string): ReportChartData {
  const block = scriptsOf(html).find((s) => s.attrs.includes('id="report-data"'));
  if (block === undefined) throw new Error('no report-data block');
  return JSON.parse(block.body) as ReportChartData;
}

/** A 2D context that accepts every call; enough for Chart.js to lay out and "draw". */
function fakeContext(canvas: unknown): unknown {
  const state: Record<PropertyKey, unknown> = { canvas };
  return new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === 'measureText') return () => ({ width: 10, actualBoundingBoxAscent: 5, actualBoundingBoxDescent: 2 });
      if (key === 'getLineDash') return () => [];
      return () => undefined;
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  });
}

interface ChartInstance {
  canvas: { id: string };
  config: { type: string };
  options: Record<string, unknown>;
  scales: Record<string, { type: string; ticks: { label: string; value: number }[] }>;
  data: { datasets: { label: string; data: { x: number; y: number }[] }[] };
}

/**
 * Runs the page's scripts the way a browser would, in order, against a minimal document: the real
 * inlined Chart.js (no `window`, so it picks its basic platform) draws on fake canvases. Any error
 * in the chart configuration or the page script fails here.
 */
function runPage(html: string): { Chart: { version: string; instances: Record<string, ChartInstance> }; charts: ChartInstance[] } {
  const canvases = new Map<string, unknown>();
  for (const m of html.matchAll(/<canvas id="([^"]+)"/g)) {
    const id = m[1] as string;
    const canvas: Record<string, unknown> = { id, width: 800, height: 320, style: {} };
    canvas.getContext = () => fakeContext(canvas);
    canvases.set(id, canvas);
  }
  const scripts = scriptsOf(html);
  const data = scripts.find((s) => s.attrs.includes('application/json'));
  const document = {
    getElementById: (id: string) => (id === 'report-data' ? { textContent: data?.body ?? '' } : (canvases.get(id) ?? null)),
  };
  const sandbox: Record<string, unknown> = { document, console };
  vm.createContext(sandbox);
  for (const s of scripts) if (!s.attrs.includes('application/json')) vm.runInContext(s.body, sandbox);
  const Chart = sandbox.Chart as { version: string; instances: Record<string, ChartInstance> };
  return { Chart, charts: Object.values(Chart.instances) };
}

describe('report.html', () => {
  const report = makeReport();
  const events = makeEvents();
  const html = renderReportHtml(report, events);

  it('is one self-contained file: Chart.js inlined, no external script, no network', () => {
    const lib = chartLibrary();
    expect(lib.version).toMatch(/^4\./);
    expect(lib.code.length).toBeGreaterThan(100_000);
    expect(html).toContain(lib.code);
    expect(html).toContain(`Chart.js v${lib.version}`); // the library's own banner
    expect(lib.file.endsWith('chart.umd.min.js')).toBe(true);
    expect(readFileSync(lib.file, 'utf8')).toContain(lib.code.trim().slice(0, 1000));
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<link[^>]*\bhref\s*=/i);
    expect(html).not.toMatch(/src\s*=\s*["']?https?:\/\//i);
    expect(html).not.toContain('sourceMappingURL');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'`);
  });

  it('embeds the chart data: percentile curves from the encoded histograms, series, detections', () => {
    const data = chartData(html);
    const neo = data.percentiles.find((c) => c.label === 'NEO playout');
    const curve = decodeLatencyHistogram(report.neo?.playoutLatencyMs.encoded ?? '').percentileCurve();
    expect(neo?.count).toBe(5000);
    expect(neo?.points.map((p) => [p.percentile, p.ms])).toEqual(curve.map((p) => [p.percentile, p.ms]));
    expect(neo?.points.at(-1)?.ms).toBe(report.neo?.playoutLatencyMs.max);
    // x = 1 / (1 - p): strictly increasing, finite, so the log axis has every point.
    const xs = neo?.points.map((p) => p.x) ?? [];
    expect(xs.every((x, i) => Number.isFinite(x) && (i === 0 || x > (xs[i - 1] as number)))).toBe(true);
    expect(data.percentiles.map((c) => c.label)).toEqual(['NEO playout', 'lockstep turn (baseline)', 'client/server (baseline)']);
    expect(data.percentilesEmpty).toBeNull();

    expect(data.series.tS).toEqual(report.series.map((p) => p.tS));
    expect(data.series.neoP50).toEqual(report.series.map((p) => p.neoP50));
    expect(data.series.neoP99).toEqual(report.series.map((p) => p.neoP99));

    expect(data.detection).toEqual([
      { type: 'ban', points: [{ x: 9.5, y: 1, d: 'peer=peer-17 reason=equivocation proof' }] },
      {
        type: 'proof',
        points: [
          { x: 7.25, y: 1, d: 'kind=inconsistency accused=peer-17 by=peer-3' },
          { x: 20.125, y: 2, d: 'kind=replay accused=peer-40 by=peer-9' },
        ],
      },
    ]);
  });

  it('runs: the inlined Chart.js draws the six charts with the embedded data', () => {
    const { Chart, charts } = runPage(html);
    expect(Chart.version).toBe(chartLibrary().version);
    const byId = new Map(charts.map((c) => [c.canvas.id, c]));
    expect([...byId.keys()].sort()).toEqual(['chart-detection', 'chart-groups', 'chart-latency-time', 'chart-percentiles', 'chart-quadtree', 'chart-traffic']);

    const pct = byId.get('chart-percentiles') as ChartInstance;
    expect(pct.scales.x?.type).toBe('logarithmic');
    const labels = pct.scales.x?.ticks.map((t) => t.label).filter((l) => l !== '');
    expect(labels).toEqual(expect.arrayContaining(['0%', '50%', '90%', '99%', '99.9%']));
    expect(pct.data.datasets.map((d) => d.label)).toEqual([
      'NEO playout (n=5,000)',
      'lockstep turn (baseline) (n=3,000)',
      'client/server (baseline) (n=4,000)',
    ]);

    const time = byId.get('chart-latency-time') as ChartInstance;
    expect(time.data.datasets.map((d) => d.label)).toEqual(['NEO p50 (ms)', 'NEO p99 (ms)', 'NEO p99, receivers tagged slow (ms)', 'peers alive']);
    expect(time.data.datasets[1]?.data).toEqual(report.series.map((p) => ({ x: p.tS, y: p.neoP99 })));
    expect(time.data.datasets[2]?.data).toEqual(report.series.map((p) => ({ x: p.tS, y: p.tagP99?.['slow'] })));

    // One bar per group, p50 and p99, from the report's per-group sub-metrics.
    const groups = byId.get('chart-groups') as ChartInstance;
    const perGroup = [0, 1].map((g) => report.subMetrics?.[`neo.playoutLatencyMs{group:${g}}`]);
    expect(groups.data.datasets.map((d) => d.data)).toEqual([perGroup.map((l) => l?.p50), perGroup.map((l) => l?.p99)]);

    const detection = byId.get('chart-detection') as ChartInstance;
    // Starts at 0, steps at each event, runs on to the end of the run.
    expect(detection.data.datasets.find((d) => d.label === 'proof events')?.data.map((p) => [p.x, p.y])).toEqual([
      [0, 0],
      [7.25, 1],
      [20.125, 2],
      [30, 2],
    ]);
    // The groups' split and election events, the same way: from 0, a step at each, on to the end.
    const quadtree = byId.get('chart-quadtree') as ChartInstance;
    expect(quadtree.data.datasets.map((d) => [d.label, d.data.map((p) => [p.x, p.y])])).toEqual([
      ['split events', [[0, 0], [12, 1], [30, 1]]],
      ['election events', [[0, 0], [0.5, 1], [30, 1]]],
    ]);
  });

  it('shows empty states instead of empty charts', () => {
    const bare = makeReport({ neo: null, lockstep: null, clientServer: null, series: [], subMetrics: {} });
    const page = renderReportHtml(bare, [{ tS: 1, type: 'phase', phase: 'steady' }]);
    expect(page).toContain('No NEO latency curve: NEO did not run');
    expect(page).toContain('No detections in this run: no ban or proof event was recorded.');
    expect(page).toContain('No groups in this run.');
    const quiet = makeReport({ groups: { count: 4, splits: 0, merges: 0, elections: 0, viewChanges: 0, joins: 0, leaves: 0, removals: 0 } });
    expect(renderReportHtml(quiet, [])).toContain('No split, merge, hand-over, election or zone event happened in this run.');
    expect(page).toContain('id="chart-latency-time-empty"');
    expect(page).toContain('No per-group figures: no update was played during this run.');
    expect(renderReportHtml(makeReport({ subMetrics: undefined }), [])).toContain('No per-group figures: this report was written before tags and sub-metrics.');
    expect(page).not.toContain('<canvas');
    expect(runPage(page).charts).toHaveLength(0);

    const noUpdates = makeReport({ neo: { ...makeReport().neo!, playoutLatencyMs: { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, encoded: emptyEncoding() } } });
    expect(renderReportHtml(noUpdates, [])).toContain('no update was played during this run');
    expect(renderReportHtml(noUpdates, [])).toContain('(no events at all)');
  });

  it('draws a second without played updates (latency 0 in the series) as a gap', () => {
    const r = makeReport();
    const gappy = makeReport({ series: r.series.map((p, i) => (i < 2 ? { ...p, neoP50: 0, neoP99: 0 } : p)) });
    const data = chartData(renderReportHtml(gappy, []));
    expect(data.series.neoP50.slice(0, 3)).toEqual([null, null, r.series[2]?.neoP50]);
    expect(data.series.neoP99.slice(0, 3)).toEqual([null, null, r.series[2]?.neoP99]);
  });

  it('reports a histogram that cannot be decoded instead of failing', () => {
    const broken = makeReport({ neo: { ...makeReport().neo!, playoutLatencyMs: { ...makeReport().neo!.playoutLatencyMs, encoded: 'lh1:garbage' } } });
    const page = renderReportHtml(broken, []);
    expect(page).toMatch(/the NEO playout histogram could not be decoded \(decodeLatencyHistogram: /);
  });

  it('escapes everything interpolated: a malicious profile name, reasons and event details', () => {
    const evil = `<script>alert("x")</script><img src=x onerror='alert(1)'>&`;
    const hostile: RunReport = makeReport({
      profile: evil,
      harness: { ...makeReport().harness, saturated: true, saturationReasons: [`</script><script>alert(2)</script>`] },
      thresholds: [{ metric: `neo.x<b>`, op: '<', value: 1, actual: null, ok: false }],
    });
    const hostileEvents: RunEvent[] = [{ tS: 1, type: 'ban', peer: '</script><script>alert(3)</script>', note: '<!-- x' }];
    const page = renderReportHtml(hostile, hostileEvents);
    expect(page).not.toContain(evil);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>');
    expect(page).toContain(`<title>p2p-mmog report: ${escapeHtml(evil)}</title>`);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;');
    // Exactly the three script elements of the page, whatever the data holds.
    expect(scriptsOf(page).map((s) => s.attrs.trim())).toEqual(['', 'type="application/json" id="report-data"', '']);
    // The data block still carries the detail, intact once parsed.
    expect(chartData(page).detection[0]?.points[0]?.d).toBe('peer=</script><script>alert(3)</script> note=<!-- x');
    expect(runPage(page).charts).toHaveLength(5);
  });

  it('warns at the top when the harness was saturated', () => {
    const page = renderReportHtml(makeReport({ harness: { ...makeReport().harness, saturated: true, saturationReasons: ['event-loop delay p99 180 ms'] } }), []);
    const header = page.slice(page.indexOf('<header>'), page.indexOf('</header>'));
    expect(header).toContain('<p class="warning">NOT TRUSTWORTHY: the harness was saturated during this run (event-loop delay p99 180 ms)');
  });

  it('has the summary tables of report.md', () => {
    for (const title of ['Run', 'NEO latency', 'Baselines', 'Traffic', 'Attacks', 'Harness health', 'Thresholds', 'Not in this build or run', 'Events']) {
      expect(html).toContain(`<h2>${title}</h2>`);
    }
    expect(html).toContain('<td>FAIL</td>');
  });
});

function emptyEncoding(): string {
  return createLatencyHistogram().encode();
}
