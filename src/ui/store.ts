import type { LiveSnapshot } from './model.js';

/**
 * The one place the live UI's state lives: the controller `set`s a snapshot about once a second
 * and the App reads it through `useSyncExternalStore(subscribe, get)`.
 */
export interface SnapshotStore {
  get(): LiveSnapshot | null;
  set(snapshot: LiveSnapshot): void;
  subscribe(listener: () => void): () => void;
}

export function createSnapshotStore(initial: LiveSnapshot | null = null): SnapshotStore {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => current,
    set(snapshot) {
      current = snapshot;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
