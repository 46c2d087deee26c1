/**
 * Every piece of maths and formatting behind the live terminal UI (SPEC §9 "Terminal UI"), as
 * plain functions tested without rendering. Components receive the strings built here and only
 * lay them out; `buildLiveView` turns one `LiveSnapshot` into everything the panels show, and
 * `formatProgressLine` is the one-line progress used when headless or without a TTY.
 *
 * Conventions: a value that is missing or not a finite number shows as `—`; latencies are in
 * milliseconds with one decimal (two below 1 ms); byte sizes use IEC units (KiB, MiB, …); counts
 * and rates switch to k/M/G above their exact range.
 */
import type { LiveSnapshot } from './model.js';

/** Shown for a value that is absent or not a finite number. */
export const MISSING = '—';

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export interface SparklineOptions {
  /** Keep only the newest `width` values (newest on the right). Default: all of them. */
  readonly width?: number;
  /** Fix the bottom of the scale instead of using the smallest value. */
  readonly min?: number;
  /** Fix the top of the scale instead of using the largest value. */
  readonly max?: number;
}

/**
 * One bar character per value, scaled between the smallest and the largest value shown (or the
 * given `min`/`max`, values outside are clamped). Empty input gives `''`; a value that is not
 * finite gives a space (a gap). A flat series has no scale: it is drawn at mid height, or on the
 * bottom bar when it is flat at zero, so "steady" and "nothing yet" look different.
 */
export function sparkline(values: readonly (number | null)[], options: SparklineOptions = {}): string {
  const width = options.width ?? values.length;
  if (width <= 0 || values.length === 0) return '';
  const shown = values.length > width ? values.slice(values.length - width) : values;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of shown) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (options.min !== undefined && Number.isFinite(options.min)) lo = options.min;
  if (options.max !== undefined && Number.isFinite(options.max)) hi = options.max;
  const span = hi - lo;
  let out = '';
  for (const v of shown) {
    if (v === null || !Number.isFinite(v)) {
      out += ' ';
    } else if (!(span > 0)) {
      out += v === 0 ? BARS[0] : BARS[3];
    } else {
      const level = Math.round(((v - lo) / span) * (BARS.length - 1));
      out += BARS[Math.min(BARS.length - 1, Math.max(0, level))];
    }
  }
  return out;
}

/** Smallest and largest finite value among the newest `width` values, or null when there are none. */
export function seriesRange(values: readonly (number | null)[], width = values.length): { min: number; max: number } | null {
  if (width <= 0) return null;
  const shown = values.length > width ? values.slice(values.length - width) : values;
  let min = Infinity;
  let max = -Infinity;
  for (const v of shown) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

function isNumber(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function trimPointZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** A latency in milliseconds without its unit: `114.0`, `1.2`, `0.35`, `12345`. */
export function formatMsValue(ms: number | null | undefined): string {
  if (!isNumber(ms)) return MISSING;
  const abs = Math.abs(ms);
  if (abs === 0) return '0.0';
  if (abs < 1) return ms.toFixed(2);
  if (abs < 10_000) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A latency in milliseconds with its unit: `114.0 ms`; `—` when missing. */
export function formatMs(ms: number | null | undefined): string {
  const value = formatMsValue(ms);
  return value === MISSING ? value : `${value} ms`;
}

const SI_UNITS = ['', 'k', 'M', 'G', 'T'] as const;

/**
 * A number in a few characters: one decimal below 100, none above, then k/M/G/T steps of 1000:
 * `80`, `2.5`, `4.5k`, `45k`, `1.2M`. The unit is chosen after rounding, so 999.96 is `1k`.
 */
export function formatCompact(n: number | null | undefined): string {
  if (!isNumber(n)) return MISSING;
  const sign = n < 0 ? '-' : '';
  let a = Math.abs(n);
  let unit = 0;
  const rounded = (x: number): number => (x < 100 ? Math.round(x * 10) / 10 : Math.round(x));
  while (unit < SI_UNITS.length - 1 && rounded(a) >= 1000) {
    a /= 1000;
    unit += 1;
  }
  const text = trimPointZero(a < 100 ? a.toFixed(1) : a.toFixed(0));
  return `${text === '0' ? '' : sign}${text}${SI_UNITS[unit]}`;
}

/** A per-second rate: the same as `formatCompact` (`80`, `4.5k`). */
export function formatRate(perS: number | null | undefined): string {
  return formatCompact(perS);
}

/** A count of events: exact below 10 000 (`9876`), compact above (`12.3k`). */
export function formatCount(n: number | null | undefined): string {
  if (!isNumber(n)) return MISSING;
  if (Math.abs(n) < 10_000) return String(Math.round(n));
  return formatCompact(n);
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A byte count in IEC units: `512 B`, `1.5 KiB`, `12.3 MiB`, `512 MiB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isNumber(bytes)) return MISSING;
  const sign = bytes < 0 ? '-' : '';
  let a = Math.abs(bytes);
  if (Math.round(a) < 1024) return `${sign}${Math.round(a)} B`;
  let unit = 0;
  const rounded = (x: number): number => (x < 100 ? Math.round(x * 10) / 10 : Math.round(x));
  while (unit < IEC_UNITS.length - 1 && rounded(a) >= 1024) {
    a /= 1024;
    unit += 1;
  }
  return `${sign}${a < 100 ? a.toFixed(1) : a.toFixed(0)} ${IEC_UNITS[unit]}`;
}

/** Microseconds: one decimal below 100 (`56.2 µs`), whole above (`512 µs`, `12345 µs`). */
export function formatMicros(us: number | null | undefined): string {
  if (!isNumber(us)) return MISSING;
  return `${Math.abs(us) < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;
}

/**
 * The harness's CPU per member-round, in µs and in calibrated verifications:
 * `512 µs = 9.1 verifies`; `—` when either is unknown (the ratio alone is the comparable figure).
 */
export function formatMemberRoundCost(us: number | null | undefined, verifyUs: number | null | undefined): string {
  if (!isNumber(us)) return MISSING;
  const ratio = isNumber(verifyUs) && verifyUs > 0 ? ` = ${(us / verifyUs).toFixed(1)} verifies` : '';
  return `${formatMicros(us)}${ratio}`;
}

/** Bytes per second: `1.2 MiB/s`. */
export function formatBytesRate(bytesPerS: number | null | undefined): string {
  const text = formatBytes(bytesPerS);
  return text === MISSING ? text : `${text}/s`;
}

/** A percentage: `1.0%`, `0.05%` for small non-zero values, `0.0%`. */
export function formatPct(pct: number | null | undefined): string {
  if (!isNumber(pct)) return MISSING;
  const abs = Math.abs(pct);
  return `${abs > 0 && abs < 0.1 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

/**
 * Whole seconds as a short duration: `12s`, `60s` and up to `99s` in seconds, then `1m40s`,
 * `59m59s`, `1h02m03s`. Fractions are dropped, negatives clamp to `0s`.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return MISSING;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 100) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  if (h === 0) return `${m}m${sec}s`;
  return `${h}h${String(m).padStart(2, '0')}m${sec}s`;
}

/** Share of the run done, 0..1, or null when the duration is unknown (0 or less). */
export function progressFraction(elapsedS: number, durationS: number): number | null {
  if (!isNumber(elapsedS) || !isNumber(durationS) || durationS <= 0) return null;
  return Math.min(1, Math.max(0, elapsedS / durationS));
}

/** Seconds left, never negative, or null when the duration is unknown. */
export function etaSeconds(elapsedS: number, durationS: number): number | null {
  if (!isNumber(elapsedS) || !isNumber(durationS) || durationS <= 0) return null;
  return Math.max(0, durationS - elapsedS);
}

/**
 * `elapsed/duration` with the elapsed part padded to at least 4 cells or the duration's width, so
 * a line keeps its shape as seconds go by: ` 12s/60s`, `  5s/1m40s`.
 */
export function formatElapsed(elapsedS: number, durationS: number): string {
  const total = isNumber(durationS) && durationS > 0 ? formatDuration(durationS) : MISSING;
  const done = formatDuration(elapsedS);
  return `${done.padStart(Math.max(4, total.length))}/${total}`;
}

/** A bar `width` cells wide filled to `fraction` (0..1): `███░░░░░░░`; empty when unknown. */
export function progressBar(fraction: number | null, width: number): string {
  if (fraction === null || !Number.isFinite(fraction) || width <= 0) return '';
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Terminal cells a string takes (one per code point; the UI uses no wide characters). */
export function displayWidth(text: string): number {
  return Array.from(text).length;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

export interface TableColumn {
  readonly header: string;
  /** Numbers read best right-aligned; default left. */
  readonly align?: 'left' | 'right';
}

export interface TableLayout {
  readonly header: string;
  readonly rows: readonly string[];
  readonly width: number;
}

/**
 * Lays out a table as fixed-width lines: each column as wide as its widest cell or header,
 * columns separated by `gap` spaces, no trailing spaces. Missing cells are blank.
 */
export function layoutTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], gap = 2): TableLayout {
  const widths = columns.map((c, i) =>
    rows.reduce((w, row) => Math.max(w, displayWidth(row[i] ?? '')), displayWidth(c.header)),
  );
  const sep = ' '.repeat(gap);
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => pad(cells[i] ?? '', widths[i] ?? 0, c.align ?? 'left'))
      .join(sep)
      .trimEnd();
  const width = widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, columns.length - 1);
  return { header: line(columns.map((c) => c.header)), rows: rows.map(line), width };
}

export interface Pair {
  readonly label: string;
  readonly value: string;
}

/** Label/value lines with the labels padded to one width and the values right-aligned. */
export function layoutPairs(pairs: readonly Pair[], gap = 2): string[] {
  const labelWidth = pairs.reduce((w, p) => Math.max(w, displayWidth(p.label)), 0);
  const valueWidth = pairs.reduce((w, p) => Math.max(w, displayWidth(p.value)), 0);
  return pairs.map((p) => `${pad(p.label, labelWidth, 'left')}${' '.repeat(gap)}${pad(p.value, valueWidth, 'right')}`);
}

// ---------------------------------------------------------------------------------------------
// The view: everything the panels show, precomputed.

export interface HeaderView {
  readonly profile: string;
  readonly seed: string;
  readonly phase: string;
  readonly elapsed: string;
  readonly bar: string;
  readonly percent: string;
  readonly eta: string;
  readonly peers: string;
  /** Fewer peers alive than targeted (during ramp-up or churn). */
  readonly peersShort: boolean;
  readonly workers: string;
}

export interface NeoView {
  /** Percentile table: header `p50 p90 p99 p99.9 max` and one row of values in ms. */
  readonly table: TableLayout;
  readonly sparkline: string;
  /** `110.2–130.1 ms` over the seconds the sparkline shows, or `—`. */
  readonly sparkRange: string;
  readonly sparkSeconds: number;
  readonly details: readonly string[];
}

export interface RatesView {
  readonly lines: readonly string[];
}

export interface PairsView {
  readonly lines: readonly string[];
}

export interface AttacksView {
  /** Null when no attack is scheduled. */
  readonly table: TableLayout | null;
}

export interface HealthView {
  readonly lines: readonly string[];
  readonly saturated: boolean;
  /** `HARNESS SATURATED — figures not trustworthy: <reasons>` when saturated, else null. */
  readonly banner: string | null;
}

export interface LiveView {
  readonly header: HeaderView;
  /** Null before the first NEO round has been measured. */
  readonly neo: NeoView | null;
  readonly rates: RatesView;
  /** Null when this build has no DHT. */
  readonly dht: PairsView | null;
  /** Null when this build has no quadtree groups. */
  readonly groups: PairsView | null;
  /** Null when the profile keeps nothing in storage. */
  readonly storage: PairsView | null;
  /** Null when the profile runs no game processes. */
  readonly compute: PairsView | null;
  readonly attacks: AttacksView;
  readonly bans: string;
  readonly health: HealthView;
  readonly stopping: boolean;
  readonly footer: string;
}

export const NOT_IN_BUILD = 'not in this build';
export const NO_ATTACKS = 'no attacks scheduled';
export const NEO_WAITING = 'waiting for the first NEO rounds';
export const STOPPING_TEXT = 'stopping… writing the report';
export const KEYS_TEXT = 'q or Ctrl+C: stop gracefully (the report is still written)';

/** The saturation line, or null when the harness is healthy. */
export function saturationBanner(health: LiveSnapshot['health']): string | null {
  if (!health.saturated) return null;
  const reasons = health.reasons.filter((r) => r.trim() !== '').join('; ');
  return `HARNESS SATURATED — figures not trustworthy${reasons === '' ? '' : `: ${reasons}`}`;
}

/** Sparkline cells for a terminal `columns` wide: the NEO panel gets about half of it. */
export function sparklineWidth(columns: number): number {
  const cols = isNumber(columns) && columns > 0 ? columns : 80;
  return Math.min(60, Math.max(8, Math.floor(cols / 2) - 24));
}

export interface ViewOptions {
  /** Terminal width in cells (default 80). */
  readonly columns?: number;
}

const PROGRESS_BAR_CELLS = 20;

/** Everything the panels show for one snapshot. */
export function buildLiveView(s: LiveSnapshot, options: ViewOptions = {}): LiveView {
  const fraction = progressFraction(s.elapsedS, s.durationS);
  const eta = etaSeconds(s.elapsedS, s.durationS);
  const header: HeaderView = {
    profile: s.profile,
    seed: String(s.seed),
    phase: s.phase,
    elapsed: formatElapsed(s.elapsedS, s.durationS).trimStart(),
    bar: progressBar(fraction, PROGRESS_BAR_CELLS),
    percent: fraction === null ? MISSING : `${Math.floor(fraction * 100)}%`,
    eta: eta === null ? MISSING : formatDuration(Math.ceil(eta)),
    peers: `${formatCount(s.peersAlive)}/${formatCount(s.peersTarget)}`,
    peersShort: s.peersAlive < s.peersTarget,
    workers: formatCount(s.workers),
  };

  let neo: NeoView | null = null;
  if (s.neo !== null) {
    const n = s.neo;
    const width = sparklineWidth(options.columns ?? 80);
    const range = seriesRange(n.p99History, width);
    const total = n.accepted + n.dropped;
    neo = {
      // The last second beside the run so far: a second without playouts shows "—", not 0.
      table: layoutTable(
        [{ header: '', align: 'left' as const }, ...['p50', 'p90', 'p99', 'p99.9', 'max'].map((header) => ({ header, align: 'right' as const }))],
        [
          ['1 s', ...[n.p50, n.p90, n.p99, n.p999, n.max].map(formatMsValue)],
          ['run', ...(n.run === null ? [null, null, null, null, null] : [n.run.p50, n.run.p90, n.run.p99, n.run.p999, n.run.max]).map(formatMsValue)],
        ],
      ),
      sparkline: sparkline(n.p99History, { width }),
      sparkRange: range === null ? MISSING : `${formatMsValue(range.min)}–${formatMsValue(range.max)} ms`,
      sparkSeconds: Math.min(width, n.p99History.length),
      details: [
        `round ${isNumber(n.roundMs) ? `${formatCompact(n.roundMs)} ms` : MISSING}  groups ${formatCount(n.groups)}`,
        `accepted ${formatCount(n.accepted)}  dropped ${formatCount(n.dropped)}` +
          (total > 0 ? ` (${formatPct((n.dropped / total) * 100)})` : ''),
      ],
    };
  }

  const rates: RatesView = {
    lines: layoutPairs([
      { label: 'rounds/s', value: formatRate(s.rates.roundsPerS) },
      { label: 'messages/s', value: formatRate(s.rates.messagesPerS) },
      { label: 'bytes/s', value: formatBytesRate(s.rates.bytesPerS) },
      { label: 'loss', value: formatPct(s.rates.lossPct) },
    ]),
  };

  const dht: PairsView | null =
    s.dht === null
      ? null
      : {
          lines: layoutPairs([
            { label: 'lookups', value: formatCount(s.dht.lookups) },
            { label: 'p50', value: formatMs(s.dht.p50) },
            { label: 'p99', value: formatMs(s.dht.p99) },
            { label: 'hops', value: isNumber(s.dht.hops) ? s.dht.hops.toFixed(1) : MISSING },
            { label: 'success', value: formatPct(s.dht.successPct) },
            { label: 'stored', value: formatCount(s.dht.stored) },
            { label: 'served', value: formatCount(s.dht.served) },
            { label: 'rejected', value: formatCount(s.dht.rejected) },
            { label: 'AC msg/player-min', value: isNumber(s.dht.acPerPlayerMin) ? s.dht.acPerPlayerMin.toFixed(2) : MISSING },
          ]),
        };

  const groups: PairsView | null =
    s.groups === null
      ? null
      : {
          lines: layoutPairs([
            { label: 'groups', value: formatCount(s.groups.count) },
            { label: 'splits', value: formatCount(s.groups.splits) },
            { label: 'merges', value: formatCount(s.groups.merges) },
            ...(s.groups.handovers !== undefined && s.groups.handovers !== null ? [{ label: 'hand-overs', value: formatCount(s.groups.handovers) }] : []),
            ...(s.groups.zoneEvents ? [{ label: 'zone events', value: `${formatCount(s.groups.zoneEvents.delivered)}/${formatCount(s.groups.zoneEvents.expected)} groups` }] : []),
            { label: 'elections', value: formatCount(s.groups.elections) },
            { label: 'views', value: formatCount(s.groups.viewChanges) },
            { label: 'joins', value: formatCount(s.groups.joins) },
            { label: 'leaves', value: formatCount(s.groups.leaves) },
            { label: 'removed', value: formatCount(s.groups.removals) },
          ]),
        };

  const storage: PairsView | null =
    s.storage === null
      ? null
      : {
          lines: layoutPairs(storagePairs(s.storage)),
        };

  const compute: PairsView | null = s.compute ? { lines: layoutPairs(computePairs(s.compute)) } : null;

  const attacks: AttacksView = {
    table:
      s.attacks.length === 0
        ? null
        : layoutTable(
            [
              { header: 'attack' },
              { header: 'attempts', align: 'right' },
              { header: 'prevented', align: 'right' },
              { header: 'detected', align: 'right' },
              { header: 'false +', align: 'right' },
              { header: 'latency (rounds)', align: 'right' },
            ],
            s.attacks.map((a) => [
              a.kind,
              formatCount(a.attempts),
              formatCount(a.prevented),
              formatCount(a.detected),
              formatCount(a.falsePositives),
              a.latencyRounds === null || !isNumber(a.latencyRounds) ? MISSING : a.latencyRounds.toFixed(1),
            ]),
          ),
  };

  const h = s.health;
  const health: HealthView = {
    lines: [
      `event loop p99 ${formatMs(h.eventLoopP99Ms)}   timer lateness p99 ${formatMs(h.timerLatenessP99Ms)}`,
      `CPU ${isNumber(h.cpuCores) ? h.cpuCores.toFixed(2) : MISSING} cores   RSS ${formatBytes(h.cost.rssMb * 1024 * 1024)}   kernel UDP drops ${
        h.kernelDrops === null ? 'n/a' : formatCount(h.kernelDrops)
      }`,
      `CPU/member-round ${formatMemberRoundCost(h.cost.secondUs, h.cost.verifyUs)}   run ${formatMemberRoundCost(h.cost.runUs, h.cost.verifyUs)}`,
    ],
    saturated: h.saturated,
    banner: saturationBanner(h),
  };

  return {
    header,
    neo,
    rates,
    dht,
    groups,
    storage,
    compute,
    attacks,
    bans: formatCount(s.bans),
    health,
    stopping: s.stopping,
    footer: s.stopping ? STOPPING_TEXT : KEYS_TEXT,
  };
}

/**
 * The one-line progress printed about once a second when headless or without a TTY:
 * `[ 12s/60s] running  peers 64/64  neo p50 114.0 p99 119.3 ms (run p99 121.4)  rounds/s 80  msgs/s 4.5k  loss 1.0%  loop p99 1.2 ms  cpu/member-round 512 µs = 9.1 verifies`
 * (this second's figures, "—" for a second without playouts, and the run's p99 so far),
 * then `  SATURATED: <reasons>` when the harness is saturated and `  stopping` while stopping.
 */
export function formatProgressLine(s: LiveSnapshot): string {
  const parts = [
    `[${formatElapsed(s.elapsedS, s.durationS)}] ${s.phase}`,
    `peers ${formatCount(s.peersAlive)}/${formatCount(s.peersTarget)}`,
    s.neo === null ? `neo ${MISSING}` : `neo p50 ${formatMsValue(s.neo.p50)} p99 ${formatMsValue(s.neo.p99)} ms (run p99 ${formatMsValue(s.neo.run?.p99)})`,
    `rounds/s ${formatRate(s.rates.roundsPerS)}`,
    `msgs/s ${formatRate(s.rates.messagesPerS)}`,
    `loss ${formatPct(s.rates.lossPct)}`,
    `loop p99 ${formatMs(s.health.eventLoopP99Ms)}`,
    `cpu/member-round ${formatMemberRoundCost(s.health.cost.secondUs, s.health.cost.verifyUs)}`,
  ];
  if (s.health.saturated) {
    const reasons = s.health.reasons.filter((r) => r.trim() !== '').join('; ');
    parts.push(reasons === '' ? 'SATURATED' : `SATURATED: ${reasons}`);
  }
  if (s.stopping) parts.push('stopping');
  return parts.join('  ');
}

/**
 * Whether the live Ink UI can work on this output: it needs a TTY, and Ink prints nothing but the
 * final frame when `CI` is set (SPEC §1), so CI runs get the plain progress lines instead.
 */
export function canShowLiveUi(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  const set = (key: string): boolean => key in env && env[key] !== undefined && env[key] !== '0' && env[key] !== 'false';
  return stream.isTTY === true && !set('CI') && !set('CONTINUOUS_INTEGRATION');
}

/** The compute panel's pairs: the draw, the steps and their cross-checks, then the escape rate beside the formula once colluders ran. */
export function computePairs(c: NonNullable<LiveSnapshot['compute']>): { label: string; value: string }[] {
  return [
    { label: 'executors r', value: `${c.r} (bound ${formatRatio(c.bound)})` },
    { label: 'steps', value: formatCount(c.steps) },
    { label: 're-executed', value: formatCount(c.reexecuted) },
    { label: 'proofs', value: formatCount(c.proofsAccepted) },
    { label: 'bans', value: formatCount(c.bans) },
    { label: 'step p99', value: formatMs(c.latencyP99) },
    { label: 'in the game', value: `${formatCount(c.outcomesApplied)}/${formatCount(c.outcomesAnnounced)} outcomes` },
    { label: 'hp / gold', value: `−${formatCount(c.hpTaken)} / +${formatCount(c.goldGiven)}` },
    ...(c.trials > 0
      ? [
          { label: 'escapes', value: `${formatCount(c.escapes)}/${formatCount(c.trials)}` },
          { label: 'rate', value: `${formatRatio(c.escapes / c.trials)} (formula ${formatRatio(c.theoreticalEscape)})` },
        ]
      : []),
  ];
}

/** A probability in a few characters: 3 significant digits, exponent notation below 0.001. */
function formatRatio(p: number): string {
  return p !== 0 && p < 0.001 ? p.toExponential(1) : p.toPrecision(3);
}

/** The storage panel's pairs: houses, then areas, each only when the profile keeps them, then latencies. */
function storagePairs(storage: NonNullable<LiveSnapshot['storage']>): { label: string; value: string }[] {
  const { houses, areas } = storage;
  return [
    ...(houses
      ? [
          { label: 'houses', value: formatCount(houses.stored) },
          { label: 'lost', value: houses.lost === null ? 'at the end' : formatCount(houses.lost) },
          { label: 'audits', value: formatCount(houses.audits) },
          { label: 'missed', value: formatCount(houses.misses) },
        ]
      : []),
    ...(areas
      ? [
          { label: 'areas kept', value: formatCount(areas.stored) },
          { label: 'areas lost', value: formatCount(areas.lost) },
          { label: 'restored', value: formatCount(areas.restored) },
          { label: 'resets', value: formatCount(areas.resets) },
        ]
      : []),
    { label: 'put p99', value: formatMs(storage.putP99) },
    { label: 'get p99', value: formatMs(storage.getP99) },
  ];
}
