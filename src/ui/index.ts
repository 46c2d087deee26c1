/**
 * The live terminal UI (SPEC §9 "Terminal UI") for the controller: `startLiveUi` when there is a
 * TTY (see `canShowLiveUi`), `formatProgressLine` once a second otherwise. All the maths and
 * formatting are plain functions in `format.ts`, re-exported here.
 */
import { createElement } from 'react';
import { render } from 'ink';
import { LiveApp } from './LiveApp.js';
import type { LiveSnapshot } from './model.js';
import { createSnapshotStore } from './store.js';

export type { LiveSnapshot } from './model.js';
export * from './format.js';
export { App, type AppProps } from './App.js';
export { createSnapshotStore, type SnapshotStore } from './store.js';

export interface LiveUiOptions {
  /**
   * Called on every `q` or Ctrl+C (Ink's own Ctrl+C exit is turned off): stop gracefully, set
   * `stopping` in the next snapshots, write the report, then `close()` the UI.
   */
  readonly onQuit: () => void;
  /**
   * Keep `console.*` output above the live frame instead of tearing it (default true). Turn off
   * where `console` is not the global one (test runners).
   */
  readonly patchConsole?: boolean;
  /** Streams, for tests; default the process's. */
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  readonly stderr?: NodeJS.WriteStream;
}

export interface LiveUi {
  /** Show this snapshot (the UI re-renders at most 30 times a second). Ignored after close. */
  update(snapshot: LiveSnapshot): void;
  /** Unmount, leaving the last frame on screen, and restore the terminal. Idempotent. */
  close(): Promise<void>;
}

/** Renders the live UI until `close()`; it shows "starting…" until the first `update`. */
export function startLiveUi(options: LiveUiOptions): LiveUi {
  const store = createSnapshotStore();
  const instance = render(createElement(LiveApp, { store, onQuit: options.onQuit }), {
    exitOnCtrlC: false,
    patchConsole: options.patchConsole ?? true,
    ...(options.stdout === undefined ? {} : { stdout: options.stdout }),
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.stderr === undefined ? {} : { stderr: options.stderr }),
  });
  // Ask for the exit promise now: Ink creates it lazily, and one asked for after the app has
  // already unmounted (say, after a render error) never settles.
  const exited = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  let closed = false;
  return {
    update(snapshot) {
      if (!closed) store.set(snapshot);
    },
    close() {
      if (!closed) {
        closed = true;
        instance.unmount();
      }
      return exited;
    },
  };
}
