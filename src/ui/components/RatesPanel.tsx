import type { RatesView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** Rounds, messages and bytes per second, and datagram loss. */
export function RatesPanel({ view }: { readonly view: RatesView }) {
  return (
    <Panel title="Traffic">
      <Lines lines={view.lines} />
    </Panel>
  );
}
