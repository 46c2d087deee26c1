import { Lines, Panel } from './Panel.js';
import type { PairsView } from '../format.js';

/** Houses in the DHT and the audits of them; shown only when the profile keeps any. */
export function StoragePanel({ view }: { readonly view: PairsView | null }) {
  if (view === null) return null;
  return (
    <Panel title="Storage" flexGrow={1}>
      <Lines lines={view.lines} />
    </Panel>
  );
}
