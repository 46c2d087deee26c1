import { Lines, Panel } from './Panel.js';
import type { PairsView } from '../format.js';

/** Game processes, their cross-checks and the escape rate; shown only when the profile runs computation. */
export function ComputePanel({ view }: { readonly view: PairsView | null }) {
  if (view === null) return null;
  return (
    <Panel title="Compute" flexGrow={1}>
      <Lines lines={view.lines} />
    </Panel>
  );
}
