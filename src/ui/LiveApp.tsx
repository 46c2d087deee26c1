import { useSyncExternalStore } from 'react';
import { App } from './App.js';
import type { SnapshotStore } from './store.js';

/** The App bound to a snapshot store: re-renders whenever the controller sets a new snapshot. */
export function LiveApp({ store, onQuit }: { readonly store: SnapshotStore; readonly onQuit: () => void }) {
  const snapshot = useSyncExternalStore(store.subscribe, store.get, store.get);
  return <App snapshot={snapshot} onQuit={onQuit} />;
}
