import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createSnapshotStore, formatProgressLine, startLiveUi } from '../../src/ui/index.js';
import { sampleSnapshot } from './fixtures.js';

/** A terminal-like output that records what Ink writes. */
class FakeStdout extends EventEmitter {
  readonly columns = 100;
  readonly rows = 60;
  written = '';
  write = (chunk: string): boolean => {
    this.written += chunk;
    return true;
  };
  text(): string {
    return stripVTControlCharacters(this.written);
  }
}

/** A TTY-like input Ink can put in raw mode; `press` types a key. */
class FakeStdin extends EventEmitter {
  readonly isTTY: boolean | undefined;
  constructor(options: { readonly isTTY: boolean | undefined }) {
    super();
    this.isTTY = options.isTTY;
  }
  private pending: string | null = null;
  press(key: string): void {
    this.pending = key;
    this.emit('readable');
    this.emit('data', key);
  }
  read = (): string | null => {
    const key = this.pending;
    this.pending = null;
    return key;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

function start(onQuit = vi.fn(), stdin = new FakeStdin({ isTTY: true })) {
  const stdout = new FakeStdout();
  const stderr = new FakeStdout();
  const ui = startLiveUi({
    onQuit,
    patchConsole: false,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  return { ui, stdout, stdin, onQuit };
}

describe('startLiveUi', () => {
  // With CI set Ink writes only the last frame, at unmount (SPEC §1), so figures are checked after close().
  it('renders the latest snapshot and leaves it on screen after close', async () => {
    const { ui, stdout } = start();
    ui.update(sampleSnapshot({ elapsedS: 10 }));
    await delay(50);
    ui.update(sampleSnapshot({ elapsedS: 11, phase: 'ramp-down', stopping: true }));
    await delay(50);
    await ui.close();
    const text = stdout.text();
    expect(text).toContain('phase ramp-down');
    expect(text).toContain('elapsed 11s/60s');
    expect(text).toContain('stopping… writing the report');
    expect(text).toContain('Cheat detection');
  });

  it('shows the starting screen until the first update', async () => {
    const { ui, stdout } = start();
    await delay(20);
    await ui.close();
    expect(stdout.text()).toContain('waiting for the first telemetry');
  });

  it('calls onQuit when q is pressed (Ink does not exit on its own)', async () => {
    const { ui, stdin, onQuit } = start();
    ui.update(sampleSnapshot());
    await delay(100);
    stdin.press('q');
    stdin.press('\u0003');
    await vi.waitFor(() => expect(onQuit).toHaveBeenCalledTimes(2));
    ui.update(sampleSnapshot({ stopping: true }));
    await ui.close();
  });

  it('works without keys when stdin is not a TTY (isTTY undefined, as on a pipe)', async () => {
    const { ui, stdout, stdin, onQuit } = start(vi.fn(), new FakeStdin({ isTTY: undefined }));
    ui.update(sampleSnapshot());
    await delay(50);
    stdin.press('q');
    ui.update(sampleSnapshot({ phase: 'ramp-down' }));
    await delay(50);
    await ui.close();
    expect(onQuit).not.toHaveBeenCalled();
    expect(stdout.text()).not.toContain('ERROR');
    expect(stdout.text()).toContain('phase ramp-down');
  });

  it('closes once and ignores updates afterwards', async () => {
    const { ui, stdout } = start();
    ui.update(sampleSnapshot());
    const first = ui.close();
    expect(ui.close()).toBe(first);
    await first;
    const before = stdout.written;
    ui.update(sampleSnapshot({ phase: 'after-close' }));
    await delay(20);
    expect(stdout.written).toBe(before);
    expect(stdout.text()).not.toContain('after-close');
  });

  it('exports the plain progress line for headless runs', () => {
    expect(formatProgressLine(sampleSnapshot())).toMatch(/^\[ 12s\/60s\] steady {2}peers 64\/64/);
  });
});

describe('createSnapshotStore', () => {
  it('holds the latest snapshot and notifies subscribers until they leave', () => {
    const store = createSnapshotStore();
    expect(store.get()).toBeNull();
    const listener = vi.fn();
    const leave = store.subscribe(listener);
    const s = sampleSnapshot();
    store.set(s);
    expect(store.get()).toBe(s);
    expect(listener).toHaveBeenCalledTimes(1);
    leave();
    store.set(sampleSnapshot({ elapsedS: 13 }));
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
