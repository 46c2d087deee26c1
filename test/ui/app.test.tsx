import { stripVTControlCharacters } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { App, STARTING_TEXT } from '../../src/ui/App.js';
import { buildLiveView, KEYS_TEXT, STOPPING_TEXT } from '../../src/ui/format.js';
import { bareSnapshot, sampleSnapshot, saturatedHealth } from './fixtures.js';

const TITLES = ['p2p-mmog', 'NEO playout latency (ms)', 'Traffic', 'DHT lookups', 'Groups', 'Bans', 'Cheat detection', 'Harness health'];

function frameOf(r: { lastFrame(): string | undefined }): string {
  return stripVTControlCharacters(r.lastFrame() ?? '');
}

/** The frame's lines with the box borders and the padding next to them removed. */
function contentLines(frame: string): string[] {
  return frame.split('\n').flatMap((line) =>
    line
      .split(/[│╭╮╰╯]/)
      .map((cell) => cell.trim())
      .filter((cell) => cell !== '' && !/^─+$/.test(cell)),
  );
}

afterEach(() => {
  cleanup();
});

describe('App', () => {
  it('shows every panel and the given figures', () => {
    const snapshot = sampleSnapshot();
    const frame = frameOf(render(<App snapshot={snapshot} />));
    for (const title of TITLES) expect(frame).toContain(title);
    const lines = contentLines(frame);
    const has = (re: RegExp): void => {
      expect(lines.some((l) => re.test(l)), `${re} in\n${frame}`).toBe(true);
    };
    // header
    has(/profile default\s+seed 42\s+phase steady/);
    has(/elapsed 12s\/60s █{4}░{16} 20% {2}ETA 48s/);
    has(/peers 64\/64\s+workers 2/);
    // NEO
    has(/^p50\s+p90\s+p99\s+p99\.9\s+max$/);
    has(/^1 s\s+114\.0\s+117\.2\s+119\.3\s+125\.6\s+131\.2$/);
    has(/^run\s+112\.5\s+116\.8\s+121\.4\s+140\.2\s+180\.9$/);
    const spark = buildLiveView(snapshot, { columns: 100 }).neo?.sparkline ?? '';
    expect(spark).not.toBe('');
    has(new RegExp(`^p99 ${spark} 116\\.0–127\\.9 ms, last 12s$`));
    has(/^round 100 ms\s+groups 16$/);
    has(/^accepted 12\.3k\s+dropped 12 \(0\.10%\)$/);
    // rates
    has(/^rounds\/s\s+80$/);
    has(/^messages\/s\s+4\.5k$/);
    has(/^bytes\/s\s+1\.2 MiB\/s$/);
    has(/^loss\s+1\.0%$/);
    // DHT, groups, bans
    has(/^lookups\s+1234$/);
    has(/^p50\s+8\.2 ms$/);
    has(/^p99\s+31\.5 ms$/);
    has(/^hops\s+2\.4$/);
    has(/^success\s+99\.5%$/);
    has(/^groups\s+16$/);
    // Splits and merges come with the quadtree: shown as not measured until then.
    has(/^splits\s+—$/);
    has(/^merges\s+—$/);
    has(/^joins\s+9$/);
    has(/^rejected\s+3$/);
    has(/^AC msg\/player-min\s+0\.04$/);
    has(/^removed\s+2$/);
    has(/^elections\s+5$/);
    has(/^3 banned$/);
    // attacks
    has(/^attack\s+attempts\s+prevented\s+detected\s+false \+\s+latency \(rounds\)$/);
    has(/^speed-hack\s+40\s+31\s+38\s+0\s+1\.5$/);
    has(/^collusion\s+7\s+0\s+0\s+1\s+—$/);
    // health
    has(/^event loop p99 1\.2 ms\s+timer lateness p99 0\.80 ms$/);
    has(/^CPU 1\.64 cores\s+RSS 312 MiB\s+kernel UDP drops 0$/);
    has(/^CPU\/member-round 512 µs = 9\.1 verifies\s+run 498 µs = 8\.8 verifies$/);
    expect(frame).toContain(KEYS_TEXT);
    for (const absent of ['HARNESS SATURATED', 'not in this build', 'no attacks scheduled', STOPPING_TEXT]) {
      expect(frame).not.toContain(absent);
    }
  });

  it('says which components are not in this build, and that no attack is scheduled', () => {
    const frame = frameOf(render(<App snapshot={bareSnapshot()} />));
    for (const title of TITLES) expect(frame).toContain(title);
    expect(frame).toContain('DHT: not in this build');
    expect(frame).toContain('Groups: not in this build');
    expect(frame).toContain('no attacks scheduled');
    expect(frame).toContain('waiting for the first NEO rounds');
    expect(frame).toContain('0 banned');
  });

  it('shows the saturation banner with its reasons only when saturated', () => {
    const healthy = frameOf(render(<App snapshot={sampleSnapshot()} />));
    expect(healthy).not.toContain('SATURATED');
    const health = saturatedHealth(['event-loop p99 86 ms', 'kernel drops']);
    const frame = frameOf(render(<App snapshot={sampleSnapshot({ health })} />));
    expect(frame.replace(/\s*│\s*/g, ' ')).toContain(
      'HARNESS SATURATED — figures not trustworthy: event-loop p99 86 ms; kernel drops',
    );
    expect(frame).toContain('event loop p99 86.4 ms');
    expect(frame).toContain('kernel UDP drops 1532');
  });

  it('says the report is being written while stopping', () => {
    const frame = frameOf(render(<App snapshot={sampleSnapshot({ stopping: true })} />));
    expect(frame).toContain(STOPPING_TEXT);
    expect(frame).not.toContain(KEYS_TEXT);
  });

  it('waits for the first snapshot', () => {
    const frame = frameOf(render(<App snapshot={null} />));
    expect(frame).toContain(STARTING_TEXT);
    expect(frame).toContain(KEYS_TEXT);
  });

  it('re-renders with the figures of a new snapshot', () => {
    const r = render(<App snapshot={sampleSnapshot()} />);
    r.rerender(<App snapshot={sampleSnapshot({ elapsedS: 30, peersAlive: 60, phase: 'ramp-down' })} />);
    const frame = frameOf(r);
    expect(frame).toContain('elapsed 30s/60s');
    expect(frame).toContain('peers 60/64');
    expect(frame).toContain('phase ramp-down');
  });

  it('calls onQuit on q and on Ctrl+C, not on other keys', async () => {
    const onQuit = vi.fn();
    const r = render(<App snapshot={sampleSnapshot()} onQuit={onQuit} />);
    await delay(100); // let the input effect subscribe
    r.stdin.write('x');
    r.stdin.write('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
    r.stdin.write('\u0003');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(2));
    r.stdin.write('c');
    await delay(50);
    expect(onQuit).toHaveBeenCalledTimes(2);
  });

  it('listens for q before the first snapshot too', async () => {
    const onQuit = vi.fn();
    const r = render(<App snapshot={null} onQuit={onQuit} />);
    await delay(100);
    r.stdin.write('q');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(1));
  });
});
