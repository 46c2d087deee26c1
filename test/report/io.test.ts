import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeLatencyHistogram } from '../../src/metrics/index.js';
import { readEvents, readReport, ReportError, rerenderReport, writeReport, type RunReport } from '../../src/report/index.js';
import { makeEvents, makeLegacyReport, makeReport } from './fixture.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'p2p-mmog-report-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes raw report.json content into a fresh folder and returns the folder. */
function folderWith(content: string): string {
  const dir = mkdtempSync(join(root, 'bad-'));
  writeFileSync(join(dir, 'report.json'), content);
  return dir;
}

function withoutPath(report: RunReport, path: readonly string[]): unknown {
  const copy = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  let cur: Record<string, unknown> = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  delete cur[path[path.length - 1] as string];
  return copy;
}

describe('writeReport / readReport round trip', () => {
  it('writes the four files; report.json deep-equals the input; events.ndjson has one event per line', () => {
    const report = makeReport();
    const events = makeEvents();
    const dir = join(root, 'nested', 'run-1');
    const files = writeReport(dir, report, events);
    expect(files).toEqual({
      dir,
      json: join(dir, 'report.json'),
      markdown: join(dir, 'report.md'),
      html: join(dir, 'report.html'),
      events: join(dir, 'events.ndjson'),
    });
    expect(readdirSync(dir).sort()).toEqual(['events.ndjson', 'report.html', 'report.json', 'report.md']);

    const json = readFileSync(files.json, 'utf8');
    expect(json).toContain('\n  "profile": "neo-vs-baselines"'); // pretty-printed
    expect(JSON.parse(json)).toEqual(report);
    expect(readReport(dir)).toEqual(report);
    expect(readReport(files.json)).toEqual(report);

    // The encoded histograms survive and re-open to the same figures.
    const reread = readReport(dir);
    const h = decodeLatencyHistogram(reread.neo?.playoutLatencyMs.encoded ?? '');
    expect(h.summary().p99).toBe(report.neo?.playoutLatencyMs.p99);
    expect(h.count).toBe(5000);

    const lines = readFileSync(files.events, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(events);
    expect(readEvents(dir)).toEqual(events);

    expect(readFileSync(files.markdown, 'utf8')).toContain('# p2p-mmog report: neo-vs-baselines');
    expect(readFileSync(files.html, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('writes an empty events.ndjson for a run without events', () => {
    const files = writeReport(root, makeReport(), []);
    expect(readFileSync(files.events, 'utf8')).toBe('');
    expect(readEvents(root)).toEqual([]);
  });

  it('refuses a report JSON would corrupt (NaN) before writing anything, naming the field', () => {
    const report = makeReport({ harness: { ...makeReport().harness, cpuCores: NaN } });
    const dir = join(root, 'never');
    expect(() => writeReport(dir, report, [])).toThrow(ReportError);
    expect(() => writeReport(dir, report, [])).toThrow(/harness\.cpuCores/);
    expect(existsSync(dir)).toBe(false);
  });

  it("round-trips the harness's cost, and still reads a report written before it was measured", () => {
    writeReport(root, makeReport(), []);
    const back = readReport(root);
    expect(back.harness.calibration).toEqual({ verifyUs: 58.4, loopbackDatagramsPerS: 61_250.4, cores: 2 });
    expect(back.harness.cpuPerMemberRoundUs).toBe(612.5);
    expect(back.harness.suggestedPeers).toBe(128);
    const legacy = makeLegacyReport();
    const dir = folderWith(JSON.stringify(legacy));
    expect(readReport(dir).harness.cpuPerMemberRoundUs).toBeUndefined();
    expect(readFileSync(rerenderReport(dir).markdown, 'utf8')).toContain('not measured (a report from before the cost was measured)');
  });

  it('refuses a cost figure JSON would corrupt, naming the field', () => {
    const harness = makeReport().harness;
    expect(() => writeReport(join(root, 'a'), makeReport({ harness: { ...harness, cpuPerMemberRoundUs: NaN } }), [])).toThrow(/harness\.cpuPerMemberRoundUs/);
    expect(() => writeReport(join(root, 'b'), makeReport({ harness: { ...harness, calibration: { verifyUs: Infinity, loopbackDatagramsPerS: 1 } } }), [])).toThrow(/harness\.calibration\.verifyUs/);
    const step = { peers: 64, healthy: true, thresholdsOk: true, saturationReasons: [], neoP99Ms: 150, acceptedFraction: 1, eventLoopDelayMsP99: 5, timerLatenessMsP99: 9, cpuCores: 0.6, cpuPerMemberRoundUs: NaN };
    expect(() => writeReport(join(root, 'c'), makeReport({ capacity: { steps: [step], largestHealthyPeers: 64 } }), [])).toThrow(/capacity\.steps\[0\]\.cpuPerMemberRoundUs/);
  });

  it('refuses events without a numeric tS or a type', () => {
    expect(() => writeReport(root, makeReport(), [{ tS: Number.NaN, type: 'ban' }])).toThrow(/event \[0\] tS/);
    expect(() => writeReport(root, makeReport(), [{ tS: 1 } as never])).toThrow(/event \[0\] type/);
  });

  it('leaves no temporary files behind', () => {
    writeReport(root, makeReport(), makeEvents());
    writeReport(root, makeReport({ seed: 7 }), makeEvents());
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readReport(root).seed).toBe(7);
  });
});

describe('readReport errors name the problem', () => {
  it('a missing path', () => {
    const missing = join(root, 'no-such-run');
    expect(() => readReport(missing)).toThrow(ReportError);
    expect(() => readReport(missing)).toThrow(`no report at ${missing}: no such file or directory`);
  });

  it('a folder without report.json', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    expect(() => readReport(dir)).toThrow(`${dir} has no report.json`);
  });

  it('invalid JSON', () => {
    const dir = folderWith('{"version": 1, "profile": ');
    expect(() => readReport(dir)).toThrow(new RegExp(`${join(dir, 'report.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`));
  });

  it('not an object', () => {
    expect(() => readReport(folderWith('[1, 2]'))).toThrow(/expected a JSON object, got an array/);
  });

  it('a missing or different version', () => {
    const { version: _v, ...noVersion } = makeReport();
    expect(() => readReport(folderWith(JSON.stringify(noVersion)))).toThrow(/version: missing/);
    expect(() => readReport(folderWith(JSON.stringify({ ...makeReport(), version: 2 })))).toThrow(
      /this build reads report version 1, this report is version 2/,
    );
  });

  it('missing contract fields, by path', () => {
    const dir = folderWith(JSON.stringify(withoutPath(makeReport(), ['neo', 'playoutLatencyMs', 'p99'])));
    expect(() => readReport(dir)).toThrow(/does not follow the report\.json contract/);
    expect(() => readReport(dir)).toThrow(/neo\.playoutLatencyMs\.p99: expected number, got missing/);

    const several = withoutPath(withoutPath(makeReport(), ['harness', 'saturated']) as RunReport, ['seed']);
    const message = (() => {
      try {
        readReport(folderWith(JSON.stringify(several)));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/seed: /);
    expect(message).toMatch(/harness\.saturated: /);
  });

  it('wrong types and array elements, by path', () => {
    const report = makeReport();
    const badSeries = { ...report, series: report.series.map((p, i) => (i === 3 ? { ...p, neoP99: 'slow' } : p)) };
    expect(() => readReport(folderWith(JSON.stringify(badSeries)))).toThrow(/series\[3\]\.neoP99: expected number, got a string "slow"/);
    const badOp = { ...report, thresholds: [{ ...report.thresholds[0], op: '=<' }] };
    expect(() => readReport(folderWith(JSON.stringify(badOp)))).toThrow(/thresholds\[0\]\.op/);
  });

  it('accepts extra fields and a future component block', () => {
    const future = { ...makeReport(), dht: { lookups: 12, successRate: 1 }, extra: { note: 'more fields welcome' } };
    expect(readReport(folderWith(JSON.stringify(future)))).toEqual(future);
  });

  it('a bad events.ndjson line, by line number', () => {
    const dir = join(root, 'ev');
    writeReport(dir, makeReport(), makeEvents());
    writeFileSync(join(dir, 'events.ndjson'), '{"tS":1,"type":"ban"}\n\nnot json\n');
    expect(() => readEvents(dir)).toThrow(/line 3 is not valid JSON/);
    writeFileSync(join(dir, 'events.ndjson'), '{"tS":1,"type":"ban"}\n{"type":"ban"}\n');
    expect(() => readEvents(dir)).toThrow(/line 2: tS/);
  });
});

describe('rerenderReport', () => {
  it('rewrites report.md and report.html from report.json and events.ndjson, leaving them untouched', () => {
    const files = writeReport(root, makeReport(), makeEvents());
    const json = readFileSync(files.json, 'utf8');
    const md = readFileSync(files.markdown, 'utf8');
    const html = readFileSync(files.html, 'utf8');
    rmSync(files.markdown);
    writeFileSync(files.html, 'stale');
    const out = rerenderReport(files.json);
    expect(out).toEqual({ dir: root, markdown: files.markdown, html: files.html, events: makeEvents().length });
    expect(readFileSync(files.markdown, 'utf8')).toBe(md);
    expect(readFileSync(files.html, 'utf8')).toBe(html);
    expect(readFileSync(files.json, 'utf8')).toBe(json);
  });

  it('works without events.ndjson', () => {
    const files = writeReport(root, makeReport(), makeEvents());
    rmSync(files.events);
    expect(rerenderReport(root).events).toBeNull();
    expect(readFileSync(files.markdown, 'utf8')).not.toContain('## Events');
  });
});
