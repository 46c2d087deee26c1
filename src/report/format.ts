/** Number formatting and the plain-text / Markdown table layouts shared by the report renderers. */

export type Align = 'left' | 'right';

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Per column; default: first column left, the others right. */
  readonly align?: readonly Align[];
}

export type Block =
  | { readonly kind: 'table'; readonly table: Table }
  | { readonly kind: 'text'; readonly text: string }
  /** A line that must not be overlooked (saturated harness, failed thresholds). */
  | { readonly kind: 'warning'; readonly text: string };

export interface Section {
  readonly title: string;
  readonly blocks: readonly Block[];
}

const formatters = new Map<number, Intl.NumberFormat>();

/** en-US grouping (1,234.5) with exactly `digits` decimals. */
export function fmtFixed(n: number, digits: number): string {
  let f = formatters.get(digits);
  if (f === undefined) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(digits, f);
  }
  return f.format(n);
}

/** Integers grouped by thousands; fractions with 3 significant decimals at most (1 from 100 up). */
export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return fmtFixed(n, 0);
  const abs = Math.abs(n);
  return fmtFixed(n, abs >= 100 ? 1 : abs >= 10 ? 2 : 3);
}

/** Milliseconds: 3 decimals below 10 ms (µs resolution), fewer above. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  return fmtFixed(ms, abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3);
}

/** A fraction 0..1 as a percentage. */
export function fmtPct(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined) return '-';
  return `${(fraction * 100).toFixed(digits)} %`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function fmtBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${fmtNumber(Math.round(v))} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[u]}`;
}

/** Removes terminal control sequences and control characters: report text may reach a TTY. */
export function stripControl(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').replace(/\r?\n|\t/g, ' ');
}

function alignOf(table: Table, col: number): Align {
  return table.align?.[col] ?? (col === 0 ? 'left' : 'right');
}

/**
 * Escapes text for a Markdown table cell: pipes, backslashes, emphasis and link characters and a
 * `<` that could open an HTML tag; newlines become spaces.
 */
export function escapeMarkdown(s: string): string {
  return stripControl(s).replace(/[\\|`*_[\]]|<(?=[A-Za-z/!?])/g, (c) => `\\${c}`);
}

/** escapeMarkdown, plus a block marker (#, >, -, +, =) at the start of a line. */
export function escapeMarkdownLine(s: string): string {
  return escapeMarkdown(s).replace(/^(\s*)([#>+=-])/, '$1\\$2');
}

export function renderMarkdownTable(table: Table): string {
  const cell = (s: string) => escapeMarkdown(s);
  const head = `| ${table.headers.map(cell).join(' | ')} |`;
  const rule = `|${table.headers.map((_, i) => (alignOf(table, i) === 'right' ? '---:' : ':---')).join('|')}|`;
  const rows = table.rows.map((r) => `| ${table.headers.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

/** Column-aligned plain text; the header is underlined with dashes. */
export function renderTextTable(table: Table, indent = '  '): string {
  const cols = table.headers.length;
  const cells = [table.headers, ...table.rows].map((r) => Array.from({ length: cols }, (_, i) => stripControl(r[i] ?? '')));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...cells.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]) =>
    indent +
    r
      .map((c, i) => (alignOf(table, i) === 'right' ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells as [string[], ...string[][]];
  // A key/value table has no header row worth printing.
  if (head.every((h) => h === '')) return body.map(line).join('\n');
  return [line(head), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function renderSectionsMarkdown(title: string, sections: readonly Section[]): string {
  const out: string[] = [`# ${escapeMarkdown(title)}`, ''];
  for (const s of sections) {
    out.push(`## ${escapeMarkdown(s.title)}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'table') out.push(renderMarkdownTable(b.table));
      else if (b.kind === 'warning') out.push(`> **${escapeMarkdown(b.text)}**`);
      else out.push(escapeMarkdownLine(b.text));
      out.push('');
    }
  }
  return out.join('\n');
}

export function renderSectionsText(title: string, sections: readonly Section[]): string {
  const t = stripControl(title);
  const out: string[] = [t, '='.repeat(t.length), ''];
  for (const s of sections) {
    const st = stripControl(s.title);
    out.push(st, '-'.repeat(st.length));
    for (const b of s.blocks) {
      if (b.kind === 'table') out.push(renderTextTable(b.table));
      else if (b.kind === 'warning') out.push(`  !! ${stripControl(b.text)}`);
      else out.push(`  ${stripControl(b.text)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
