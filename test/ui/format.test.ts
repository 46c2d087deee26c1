import { describe, expect, it } from 'vitest';
import {
  buildLiveView,
  canShowLiveUi,
  displayWidth,
  etaSeconds,
  formatBytes,
  formatBytesRate,
  formatCompact,
  formatCount,
  formatDuration,
  formatElapsed,
  formatMemberRoundCost,
  formatMicros,
  formatMs,
  formatMsValue,
  formatPct,
  formatProgressLine,
  formatRate,
  KEYS_TEXT,
  layoutPairs,
  layoutTable,
  MISSING,
  progressBar,
  progressFraction,
  saturationBanner,
  seriesRange,
  sparkline,
  sparklineWidth,
  STOPPING_TEXT,
} from '../../src/ui/format.js';
import { bareSnapshot, sampleSnapshot, saturatedHealth } from './fixtures.js';

describe('sparkline', () => {
  it('maps the smallest value to the lowest bar and the largest to the highest', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([100, 200])).toBe('▁█');
    expect(sparkline([-5, 5, 0])).toBe('▁█▅');
  });

  it('scales to the range of the values, not to zero', () => {
    expect(sparkline([114, 121, 114])).toBe('▁█▁');
  });

  it('gives an empty string for empty input or no width', () => {
    expect(sparkline([])).toBe('');
    expect(sparkline([1, 2, 3], { width: 0 })).toBe('');
  });

  it('draws a flat series at mid height, or on the bottom bar when flat at zero', () => {
    expect(sparkline([119.3, 119.3, 119.3])).toBe('▄▄▄');
    expect(sparkline([42])).toBe('▄');
    expect(sparkline([0, 0, 0, 0])).toBe('▁▁▁▁');
  });

  it('keeps only the newest `width` values and scales over those', () => {
    expect(sparkline([0, 1, 2, 3], { width: 2 })).toBe('▁█');
    expect(sparkline([5, 6], { width: 10 })).toBe('▁█');
    const long = Array.from({ length: 500 }, (_, i) => i);
    expect(Array.from(sparkline(long, { width: 40 }))).toHaveLength(40);
  });

  it('leaves a gap for values that are not finite and scales over the rest', () => {
    expect(sparkline([0, Number.NaN, 7, Number.POSITIVE_INFINITY])).toBe('▁ █ ');
    expect(sparkline([Number.NaN, Number.NaN])).toBe('  ');
  });

  it('honours a fixed scale and clamps values outside it', () => {
    expect(sparkline([0, 50, 100], { min: 0, max: 100 })).toBe('▁▅█');
    expect(sparkline([-10, 200], { min: 0, max: 100 })).toBe('▁█');
    expect(sparkline([50, 50], { min: 0 })).toBe('██');
  });

  it('seriesRange reports the range the sparkline shows', () => {
    expect(seriesRange([3, 1, 2])).toEqual({ min: 1, max: 3 });
    expect(seriesRange([9, 1, 2], 2)).toEqual({ min: 1, max: 2 });
    expect(seriesRange([])).toBeNull();
    expect(seriesRange([Number.NaN])).toBeNull();
  });
});

describe('number formatting', () => {
  it('formats milliseconds with one decimal, two below 1 ms, none from 10 s', () => {
    expect(formatMsValue(114.04)).toBe('114.0');
    expect(formatMsValue(1.23)).toBe('1.2');
    expect(formatMsValue(0.354)).toBe('0.35');
    expect(formatMsValue(0)).toBe('0.0');
    expect(formatMsValue(12_345.6)).toBe('12346');
    expect(formatMs(1.2)).toBe('1.2 ms');
  });

  it('shows a dash for missing or non-finite values everywhere', () => {
    for (const bad of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatMsValue(bad)).toBe(MISSING);
      expect(formatMs(bad)).toBe(MISSING);
      expect(formatCompact(bad)).toBe(MISSING);
      expect(formatCount(bad)).toBe(MISSING);
      expect(formatBytes(bad)).toBe(MISSING);
      expect(formatBytesRate(bad)).toBe(MISSING);
      expect(formatPct(bad)).toBe(MISSING);
      expect(formatDuration(bad)).toBe(MISSING);
      expect(formatMicros(bad)).toBe(MISSING);
      expect(formatMemberRoundCost(bad, 56)).toBe(MISSING);
    }
  });

  it('formats the cost per member-round in µs and in calibrated verifications', () => {
    expect(formatMicros(56.34)).toBe('56.3 µs');
    expect(formatMicros(512.4)).toBe('512 µs');
    expect(formatMicros(12_345.6)).toBe('12346 µs');
    expect(formatMemberRoundCost(512.4, 56.3)).toBe('512 µs = 9.1 verifies');
    expect(formatMemberRoundCost(45, 60)).toBe('45.0 µs = 0.8 verifies');
    // Without a calibration the µs still show; the ratio would be invented.
    expect(formatMemberRoundCost(512, 0)).toBe('512 µs');
    expect(formatMemberRoundCost(512, null)).toBe('512 µs');
  });

  it('formats rates compactly, choosing the unit after rounding', () => {
    expect(formatRate(80)).toBe('80');
    expect(formatRate(2.5)).toBe('2.5');
    expect(formatRate(80.04)).toBe('80');
    expect(formatRate(4_512)).toBe('4.5k');
    expect(formatRate(45_000)).toBe('45k');
    expect(formatRate(123_456)).toBe('123k');
    expect(formatRate(999.96)).toBe('1k');
    expect(formatRate(999_960)).toBe('1M');
    expect(formatRate(1_234_567)).toBe('1.2M');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(-4_512)).toBe('-4.5k');
    expect(formatRate(-0.01)).toBe('0');
  });

  it('formats counts exactly below 10 000 and compactly above', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(9_876)).toBe('9876');
    expect(formatCount(12.6)).toBe('13');
    expect(formatCount(12_345)).toBe('12.3k');
  });

  it('formats bytes in IEC units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023.6)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1_258_291)).toBe('1.2 MiB');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
    expect(formatBytesRate(1_258_291)).toBe('1.2 MiB/s');
  });

  it('formats percentages with one decimal, two for small non-zero values', () => {
    expect(formatPct(1)).toBe('1.0%');
    expect(formatPct(99.5)).toBe('99.5%');
    expect(formatPct(0)).toBe('0.0%');
    expect(formatPct(0.05)).toBe('0.05%');
    expect(formatPct(100)).toBe('100.0%');
  });
});

describe('time and progress', () => {
  it('formats durations in seconds up to 99 s, then minutes and hours', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(12.9)).toBe('12s');
    expect(formatDuration(60)).toBe('60s');
    expect(formatDuration(99)).toBe('99s');
    expect(formatDuration(100)).toBe('1m40s');
    expect(formatDuration(3_599)).toBe('59m59s');
    expect(formatDuration(3_723)).toBe('1h02m03s');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('pads elapsed so the progress line keeps its shape', () => {
    expect(formatElapsed(12, 60)).toBe(' 12s/60s');
    expect(formatElapsed(5, 100)).toBe('   5s/1m40s');
    expect(formatElapsed(3, 0)).toBe('  3s/—');
  });

  it('computes the fraction done and the seconds left, clamped, or null when the duration is unknown', () => {
    expect(progressFraction(12, 60)).toBeCloseTo(0.2);
    expect(progressFraction(70, 60)).toBe(1);
    expect(progressFraction(-1, 60)).toBe(0);
    expect(progressFraction(5, 0)).toBeNull();
    expect(etaSeconds(12, 60)).toBe(48);
    expect(etaSeconds(70, 60)).toBe(0);
    expect(etaSeconds(5, 0)).toBeNull();
  });

  it('draws a progress bar', () => {
    expect(progressBar(0.2, 10)).toBe('██░░░░░░░░');
    expect(progressBar(0, 4)).toBe('░░░░');
    expect(progressBar(1.5, 4)).toBe('████');
    expect(progressBar(null, 10)).toBe('');
  });
});

describe('layout', () => {
  it('lays out a table with column widths from the widest cell and aligned numbers', () => {
    const t = layoutTable(
      [{ header: 'attack' }, { header: 'n', align: 'right' }, { header: 'note' }],
      [
        ['speed-hack', '40', 'x'],
        ['dup', '1234'],
      ],
    );
    expect(t.header).toBe('attack         n  note');
    expect(t.rows).toEqual(['speed-hack    40  x', 'dup         1234']);
    expect(t.width).toBe(22);
  });

  it('measures the dash and bars as one cell each', () => {
    expect(displayWidth('—')).toBe(1);
    expect(displayWidth('▁▂█')).toBe(3);
    const t = layoutTable([{ header: 'a', align: 'right' }], [['—'], ['12']]);
    expect(t.rows).toEqual([' —', '12']);
  });

  it('lays out label/value pairs', () => {
    expect(layoutPairs([
      { label: 'rounds/s', value: '80' },
      { label: 'loss', value: '1.0%' },
    ])).toEqual(['rounds/s    80', 'loss      1.0%']);
    expect(layoutPairs([])).toEqual([]);
  });

  it('gives the sparkline about half the terminal, within bounds', () => {
    expect(sparklineWidth(80)).toBe(16);
    expect(sparklineWidth(100)).toBe(26);
    expect(sparklineWidth(40)).toBe(8);
    expect(sparklineWidth(400)).toBe(60);
    expect(sparklineWidth(Number.NaN)).toBe(16);
  });
});

describe('saturationBanner', () => {
  it('is null when healthy and names the reasons when saturated', () => {
    expect(saturationBanner(sampleSnapshot().health)).toBeNull();
    expect(saturationBanner(saturatedHealth(['event-loop p99 86 ms', 'kernel drops']))).toBe(
      'HARNESS SATURATED — figures not trustworthy: event-loop p99 86 ms; kernel drops',
    );
    expect(saturationBanner(saturatedHealth([]))).toBe('HARNESS SATURATED — figures not trustworthy');
  });
});

describe('buildLiveView', () => {
  it('precomputes every panel from a full snapshot', () => {
    const v = buildLiveView(sampleSnapshot(), { columns: 100 });
    expect(v.header).toMatchObject({
      profile: 'default',
      seed: '42',
      phase: 'steady',
      elapsed: '12s/60s',
      percent: '20%',
      eta: '48s',
      peers: '64/64',
      peersShort: false,
      workers: '2',
    });
    expect(v.neo?.table.header).toBe('       p50    p90    p99  p99.9    max');
    expect(v.neo?.table.rows).toEqual(['1 s  114.0  117.2  119.3  125.6  131.2', 'run  112.5  116.8  121.4  140.2  180.9']);
    expect(Array.from(v.neo?.sparkline ?? '')).toHaveLength(12);
    expect(v.neo?.sparkSeconds).toBe(12);
    expect(v.neo?.details).toEqual(['round 100 ms  groups 16', 'accepted 12.3k  dropped 12 (0.10%)']);
    expect(v.rates.lines).toEqual([
      'rounds/s           80',
      'messages/s       4.5k',
      'bytes/s     1.2 MiB/s',
      'loss             1.0%',
    ]);
    expect(v.dht?.lines.join('\n')).toContain('8.2 ms');
    expect(v.groups?.lines).toContain('elections   5');
    expect(v.attacks.table?.rows[1]).toMatch(/^collusion\s+7\s+0\s+0\s+1\s+—$/);
    expect(v.bans).toBe('3');
    expect(v.health.saturated).toBe(false);
    expect(v.health.banner).toBeNull();
    expect(v.health.lines).toEqual([
      'event loop p99 1.2 ms   timer lateness p99 0.80 ms',
      'CPU 1.64 cores   RSS 312 MiB   kernel UDP drops 0',
      'CPU/member-round 512 µs = 9.1 verifies   run 498 µs = 8.8 verifies',
    ]);
    expect(v.footer).toBe(KEYS_TEXT);
  });

  it('shows a world\'s hand-overs and zone events delivered of expected', () => {
    const v = buildLiveView(sampleSnapshot({ groups: { count: 9, splits: 4, merges: 1, handovers: 30, zoneEvents: { delivered: 5, expected: 6 }, elections: 5, viewChanges: 21, joins: 9, leaves: 4, removals: 2 } }));
    expect(v.groups?.lines.join('\n')).toMatch(/hand-overs\s+30/);
    expect(v.groups?.lines.join('\n')).toMatch(/zone events\s+5\/6 groups/);
    expect(buildLiveView(sampleSnapshot()).groups?.lines.join('\n')).not.toContain('zone events');
  });

  it('shows houses and their audits, the losses only once the final audit ran', () => {
    const live = buildLiveView(sampleSnapshot({ storage: { houses: { stored: 40, lost: null, audits: 3, misses: 0 }, areas: null, putP99: 812.4, getP99: 61.2 } }));
    const text = live.storage?.lines.join('\n') ?? '';
    expect(text).toMatch(/houses\s+40/);
    expect(text).toMatch(/lost\s+at the end/);
    expect(text).toMatch(/put p99\s+812/);
    const ended = buildLiveView(sampleSnapshot({ storage: { houses: { stored: 82, lost: 0, audits: 16, misses: 1 }, areas: null, putP99: 2_600, getP99: 648 } }));
    expect(ended.storage?.lines.join('\n')).toMatch(/lost\s+0/);
    expect(ended.storage?.lines.join('\n')).not.toContain('areas');
    expect(buildLiveView(sampleSnapshot()).storage).toBeNull();
  });

  it('shows ephemeral areas kept, lost and restored by resets, without houses when the profile keeps none', () => {
    const text = buildLiveView(sampleSnapshot({ storage: { houses: null, areas: { stored: 120, lost: 3, restored: 2, resets: 4 }, putP99: 40, getP99: 12 } })).storage?.lines.join('\n') ?? '';
    expect(text).toMatch(/areas kept\s+120/);
    expect(text).toMatch(/areas lost\s+3/);
    expect(text).toMatch(/restored\s+2/);
    expect(text).toMatch(/resets\s+4/);
    expect(text).not.toContain('houses');
  });

  it('shows the executors drawn and their bound, the steps, proofs and bans, and the escape rate beside the formula once colluders ran', () => {
    const compute = { r: 2, bound: 15 / 276, steps: 2990, reexecuted: 4, proofsAccepted: 3, bans: 3, trials: 0, escapes: 0, theoreticalEscape: 0, latencyP99: 38.2, outcomesApplied: 590, outcomesAnnounced: 601, hpTaken: 1804, goldGiven: 350 };
    const text = buildLiveView(sampleSnapshot({ compute })).compute?.lines.join('\n') ?? '';
    expect(text).toMatch(/executors r\s+2 \(bound 0\.0543\)/);
    expect(text).toMatch(/steps\s+2990/);
    expect(text).toMatch(/re-executed\s+4/);
    expect(text).toMatch(/bans\s+3/);
    expect(text).toMatch(/step p99\s+38\.2 ms/);
    expect(text).toMatch(/in the game\s+590\/601 outcomes/);
    expect(text).toMatch(/hp \/ gold\s+−1804 \/ \+350/);
    expect(text).not.toContain('escapes');
    const colluding = buildLiveView(sampleSnapshot({ compute: { ...compute, trials: 2990, escapes: 129, theoreticalEscape: 0.04308, bound: 4.9e-4 } })).compute?.lines.join('\n') ?? '';
    expect(colluding).toMatch(/escapes\s+129\/2990/);
    expect(colluding).toMatch(/rate\s+0\.0431 \(formula 0\.0431\)/);
    expect(colluding).toMatch(/bound 4\.9e-4/);
    expect(buildLiveView(sampleSnapshot()).compute).toBeNull();
  });

  it('marks absent components as null and an empty attack schedule', () => {
    const v = buildLiveView(bareSnapshot({ health: { ...sampleSnapshot().health, kernelDrops: null } }));
    expect(v.neo).toBeNull();
    expect(v.dht).toBeNull();
    expect(v.groups).toBeNull();
    expect(v.attacks.table).toBeNull();
    expect(v.health.lines.join('\n')).toContain('kernel UDP drops n/a');
  });

  it('shows the cost as missing before the first member-round, and without a ratio when uncalibrated', () => {
    const before = buildLiveView(sampleSnapshot({ health: { ...sampleSnapshot().health, cost: { secondUs: null, runUs: null, verifyUs: 56.3, rssMb: 80.25 } } }));
    expect(before.health.lines[1]).toContain('RSS 80.3 MiB');
    expect(before.health.lines[2]).toBe(`CPU/member-round ${MISSING}   run ${MISSING}`);
    const uncalibrated = buildLiveView(sampleSnapshot({ health: { ...sampleSnapshot().health, cost: { secondUs: 512, runUs: 498, verifyUs: 0, rssMb: 1 } } }));
    expect(uncalibrated.health.lines[2]).toBe('CPU/member-round 512 µs   run 498 µs');
  });

  it('fits the sparkline to the terminal and flags short peers, unknown duration, stopping', () => {
    const s = sampleSnapshot({ peersAlive: 60, durationS: 0, stopping: true });
    const history = Array.from({ length: 300 }, (_, i) => i);
    const v = buildLiveView({ ...s, neo: s.neo === null ? null : { ...s.neo, p99History: history } }, { columns: 80 });
    expect(Array.from(v.neo?.sparkline ?? '')).toHaveLength(16);
    expect(v.neo?.sparkRange).toBe('284.0–299.0 ms');
    expect(v.header.peersShort).toBe(true);
    expect(v.header.bar).toBe('');
    expect(v.header.eta).toBe(MISSING);
    expect(v.stopping).toBe(true);
    expect(v.footer).toBe(STOPPING_TEXT);
  });

  it('shows "—" for a second without playouts, the run row beside it, and a gap in the sparkline', () => {
    const s = sampleSnapshot();
    const n = s.neo as NonNullable<typeof s.neo>;
    const v = buildLiveView({ ...s, neo: { ...n, p50: null, p90: null, p99: null, p999: null, max: null, p99History: [120, null, 917] } });
    expect(v.neo?.table.rows).toEqual(['1 s      —      —      —      —      —', 'run  112.5  116.8  121.4  140.2  180.9']);
    expect(v.neo?.sparkline).toBe('▁ █');
    expect(v.neo?.sparkRange).toBe('120.0–917.0 ms');
    const none = buildLiveView({ ...s, neo: { ...n, run: null } });
    expect(none.neo?.table.rows[1]).toBe('run      —      —      —      —      —');
  });

  it('shows no sparkline range before the first second of history', () => {
    const s = sampleSnapshot();
    const v = buildLiveView({ ...s, neo: s.neo === null ? null : { ...s.neo, p99History: [] } });
    expect(v.neo?.sparkline).toBe('');
    expect(v.neo?.sparkRange).toBe(MISSING);
  });
});

describe('formatProgressLine', () => {
  it('prints the one-line progress', () => {
    expect(formatProgressLine(sampleSnapshot({ phase: 'running' }))).toBe(
      '[ 12s/60s] running  peers 64/64  neo p50 114.0 p99 119.3 ms (run p99 121.4)  rounds/s 80  msgs/s 4.5k  loss 1.0%  loop p99 1.2 ms  cpu/member-round 512 µs = 9.1 verifies',
    );
  });

  it('marks saturation with its reasons, and stopping', () => {
    const line = formatProgressLine(sampleSnapshot({ health: saturatedHealth(['loop p99 86 ms', 'drops']), stopping: true }));
    expect(line).toMatch(/loop p99 86\.4 ms {2}cpu\/member-round 2410 µs = 40\.2 verifies {2}SATURATED: loop p99 86 ms; drops {2}stopping$/);
    expect(formatProgressLine(sampleSnapshot({ health: saturatedHealth([]) }))).toMatch(/ {2}SATURATED$/);
    expect(formatProgressLine(sampleSnapshot())).not.toContain('SATURATED');
  });

  it('shows a dash for NEO before the first rounds', () => {
    expect(formatProgressLine(bareSnapshot())).toContain('peers 64/64  neo —  rounds/s 80');
  });

  it('shows a dash, not 0, for a second without playouts, beside the run so far', () => {
    const s = sampleSnapshot();
    const quiet = { ...s, neo: s.neo === null ? null : { ...s.neo, p50: null, p90: null, p99: null, p999: null, max: null } };
    expect(formatProgressLine(quiet)).toContain('neo p50 — p99 — ms (run p99 121.4)');
  });
});

describe('canShowLiveUi', () => {
  it('needs a TTY and no CI variable', () => {
    expect(canShowLiveUi({ isTTY: true }, {})).toBe(true);
    expect(canShowLiveUi({ isTTY: false }, {})).toBe(false);
    expect(canShowLiveUi({}, {})).toBe(false);
    expect(canShowLiveUi({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(canShowLiveUi({ isTTY: true }, { CI: '1' })).toBe(false);
    expect(canShowLiveUi({ isTTY: true }, { CONTINUOUS_INTEGRATION: 'yes' })).toBe(false);
    expect(canShowLiveUi({ isTTY: true }, { CI: 'false' })).toBe(true);
    expect(canShowLiveUi({ isTTY: true }, { CI: '0' })).toBe(true);
  });
});
