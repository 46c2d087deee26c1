import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunEvent, RunReport } from './model.js';
import { renderReportHtml } from './html.js';
import { renderReportMarkdown } from './summary.js';
import { assertEvents, assertReport, eventProblem, ReportError } from './validate.js';

export const REPORT_FILES = {
  json: 'report.json',
  markdown: 'report.md',
  html: 'report.html',
  events: 'events.ndjson',
} as const;

/** Absolute or relative paths of the files writeReport wrote. */
export interface ReportFiles {
  readonly dir: string;
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly events: string;
}

function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
}

/** Write-then-rename, so a crash mid-write never leaves a truncated report file behind. */
function writeAtomic(file: string, content: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, content, 'utf8');
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function serializeEvents(events: readonly RunEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length > 0 ? '\n' : '');
}

/**
 * Writes the four report files into `dir` (created if needed): report.json (the complete report,
 * encoded histograms included, pretty-printed), report.md, report.html (self-contained, charts) and
 * events.ndjson (one event per line). Everything is validated and rendered before the first file is
 * written, so an invalid report (say a NaN that JSON would turn into null) throws a ReportError
 * naming the field and leaves no partial report behind.
 */
export function writeReport(dir: string, report: RunReport, events: readonly RunEvent[]): ReportFiles {
  assertReport(report, 'writeReport: the report');
  assertEvents(events, 'writeReport');
  const json = JSON.stringify(report, null, 2) + '\n';
  const markdown = renderReportMarkdown(report, events);
  const html = renderReportHtml(report, events);
  const ndjson = serializeEvents(events);
  mkdirSync(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    json: join(dir, REPORT_FILES.json),
    markdown: join(dir, REPORT_FILES.markdown),
    html: join(dir, REPORT_FILES.html),
    events: join(dir, REPORT_FILES.events),
  };
  writeAtomic(files.json, json);
  writeAtomic(files.events, ndjson);
  writeAtomic(files.markdown, markdown);
  writeAtomic(files.html, html);
  return files;
}

/** report.json's path for `<DIR|report.json>`; ReportError when neither exists. */
export function resolveReportFile(pathOrDir: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(pathOrDir).isDirectory();
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new ReportError(`no report at ${pathOrDir}: no such file or directory`);
    throw new ReportError(`cannot read ${pathOrDir}: ${(e as Error).message}`);
  }
  if (!isDir) return pathOrDir;
  const file = join(pathOrDir, REPORT_FILES.json);
  try {
    statSync(file);
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new ReportError(`${pathOrDir} has no ${REPORT_FILES.json} (expected a report folder written by "p2p-mmog run")`);
    throw new ReportError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return file;
}

/**
 * Reads and validates a report: `pathOrDir` is a report folder or a report.json file. Throws a
 * ReportError naming the problem: missing file, invalid JSON, another report version, or each
 * contract field that is missing or of the wrong type (by path, e.g. `neo.playoutLatencyMs.p99`).
 */
export function readReport(pathOrDir: string): RunReport {
  const file = resolveReportFile(pathOrDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  assertReport(value, file);
  return value;
}

/**
 * Reads events.ndjson from a report folder (or next to a report.json, or the .ndjson file itself).
 * Blank lines are skipped; a bad line throws a ReportError with its line number.
 */
export function readEvents(pathOrDir: string): RunEvent[] {
  let file = pathOrDir;
  try {
    const s = statSync(pathOrDir);
    if (s.isDirectory()) file = join(pathOrDir, REPORT_FILES.events);
    else if (!pathOrDir.endsWith('.ndjson')) file = join(dirname(pathOrDir), REPORT_FILES.events);
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new ReportError(`no events at ${pathOrDir}: no such file or directory`);
    throw e;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') throw new ReportError(`no ${REPORT_FILES.events} at ${file}`);
    throw new ReportError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const events: RunEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ReportError(`${file} line ${i + 1} is not valid JSON: ${(e as Error).message}`);
    }
    const problem = eventProblem(value);
    if (problem !== null) throw new ReportError(`${file} line ${i + 1}: ${problem}`);
    events.push(value as RunEvent);
  });
  return events;
}

/**
 * Re-renders report.md and report.html from an existing report.json (and events.ndjson when it is
 * there), e.g. after an upgrade of the renderer. report.json and events.ndjson are left untouched.
 */
export function rerenderReport(pathOrDir: string): { readonly dir: string; readonly markdown: string; readonly html: string; readonly events: number | null } {
  const file = resolveReportFile(pathOrDir);
  const report = readReport(file);
  const dir = dirname(file);
  const eventsFile = join(dir, REPORT_FILES.events);
  const events = statSync(eventsFile, { throwIfNoEntry: false }) === undefined ? undefined : readEvents(eventsFile);
  const markdown = join(dir, REPORT_FILES.markdown);
  const html = join(dir, REPORT_FILES.html);
  writeAtomic(markdown, renderReportMarkdown(report, events));
  writeAtomic(html, renderReportHtml(report, events ?? []));
  return { dir, markdown, html, events: events?.length ?? null };
}
