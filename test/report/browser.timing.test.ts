/**
 * report.html in a real browser: Debian's Chromium, headless, driven by playwright-core. Every
 * chart must be drawn by the inlined Chart.js from the report's own data, the page must ask the
 * network for nothing, and a saturated run must show its warning. Where Chromium is missing the
 * test is skipped with a message; `.ci/run` installs it and sets P2P_MMOG_BROWSER=required, so in
 * CI a missing browser fails instead.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLatencyHistogram } from '../../src/metrics/index.js';
import { readEvents, readReport, writeReport, type RunReport } from '../../src/report/index.js';
import { makeEvents, makeReport } from './fixture.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env['P2P_MMOG_BROWSER'] === 'required') throw new Error(`report.html browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  console.warn(`report.html browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

// What this machine's Chromium needs to start headless as root without reaching for the network.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Run in the page (as source text: this project compiles without the DOM's types).
const ALL_CHARTS_BUILT = `[...document.querySelectorAll('canvas')].every((c) => Chart.getChart(c) !== undefined)`;
const DRAWN_CHARTS = `[...document.querySelectorAll('canvas')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return { id: canvas.id, type: chart.config.type, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })), painted };
})`;

interface DrawnChart {
  readonly id: string;
  readonly type: string;
  readonly datasets: readonly { readonly label: string; readonly data: readonly unknown[] }[];
  /** Pixels the chart painted (alpha > 0) on its canvas. */
  readonly painted: number;
}

interface Visit {
  readonly charts: readonly DrawnChart[];
  /** Every request the page made other than the file itself. */
  readonly requests: readonly string[];
  readonly errors: readonly string[];
  readonly page: Page;
}

/** Writes the report as the harness does, opens report.html, waits for every canvas to have its chart. */
async function visit(browser: Browser, report: RunReport): Promise<Visit & { readonly dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'p2p-mmog-browser-'));
  writeReport(dir, report, makeEvents());
  const url = pathToFileURL(join(dir, 'report.html')).href;
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => r.url() !== url && requests.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(ALL_CHARTS_BUILT);
  const charts = (await page.evaluate(DRAWN_CHARTS)) as DrawnChart[];
  return { dir, charts, requests, errors, page };
}

describe.skipIf(!available)('report.html in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart from the report’s own data and asks the network for nothing', async () => {
    const { dir, charts, requests, errors, page } = await visit(browser, makeReport());
    // The figures as a reader re-reads them from the files the harness wrote.
    const report = readReport(dir);
    const events = readEvents(join(dir, 'events.ndjson'));
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['chart-detection', 'chart-groups', 'chart-latency-time', 'chart-percentiles', 'chart-quadtree', 'chart-traffic']);
    for (const c of charts) expect(c.painted, `${c.id} painted nothing`).toBeGreaterThan(1000);

    const curve = byId.get('chart-percentiles')?.datasets[0];
    const neo = report.neo?.playoutLatencyMs;
    expect(curve?.label).toBe(`NEO playout (n=${neo?.count.toLocaleString('en-US')})`);
    expect((curve?.data as { y: number }[]).map((p) => p.y)).toEqual(decodeLatencyHistogram(neo?.encoded as string).percentileCurve().map((p) => p.ms));

    const time = byId.get('chart-latency-time');
    const ys = (label: string) => (time?.datasets.find((d) => d.label === label)?.data as { y: number | null }[]).map((p) => p.y);
    expect(ys('NEO p99 (ms)')).toEqual(report.series.map((p) => p.neoP99));
    expect(ys('NEO p99, receivers tagged slow (ms)')).toEqual(report.series.map((p) => p.tagP99?.['slow'] ?? null));

    const groups = byId.get('chart-groups');
    const perGroup = Object.entries(report.subMetrics ?? {}).filter(([k]) => k.startsWith('neo.playoutLatencyMs{group:'));
    expect(groups?.type).toBe('bar');
    expect(groups?.datasets.find((d) => d.label === 'p99 (ms)')?.data).toEqual(perGroup.map(([, l]) => l.p99));

    const traffic = byId.get('chart-traffic');
    expect((traffic?.datasets.find((d) => d.label === 'bytes/s')?.data as { y: number }[]).map((p) => p.y)).toEqual(report.series.map((p) => p.bytesPerS));

    const proofs = byId.get('chart-detection')?.datasets.find((d) => d.label === 'proof events')?.data as { d: string }[];
    expect(proofs.filter((p) => p.d !== '')).toHaveLength(events.filter((e) => e.type === 'proof').length);
    const splits = byId.get('chart-quadtree')?.datasets.find((d) => d.label === 'split events')?.data as { d: string }[];
    expect(splits.filter((p) => p.d !== '')).toHaveLength(events.filter((e) => e.type === 'split').length);

    expect(await page.locator('h2', { hasText: 'Who suffers' }).isVisible()).toBe(true);
    expect(await page.locator('p.warning').count()).toBe(1); // the failed threshold's line, no saturation warning
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    await page.close();
  });

  it('shows a saturated run’s warning at the top, where a reader looks first', async () => {
    const base = makeReport();
    const saturated = makeReport({ harness: { ...base.harness, saturated: true, saturationReasons: ['timer lateness p99 38.2 ms > 20 ms'] } });
    const { page, requests, errors } = await visit(browser, saturated);
    const top = page.locator('header p.warning');
    expect(await top.isVisible()).toBe(true);
    expect(await top.textContent()).toMatch(/^NOT TRUSTWORTHY: the harness was saturated during this run \(timer lateness p99 38\.2 ms > 20 ms\)/);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
