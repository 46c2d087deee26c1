import { Text } from 'ink';
import { NOT_IN_BUILD, type PairsView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** DHT lookups: count, latency, hops, success; or a note when this build has no DHT. */
export function DhtPanel({ view }: { readonly view: PairsView | null }) {
  return (
    <Panel title="DHT lookups" flexGrow={1}>
      {view === null ? <Text dimColor>{`DHT: ${NOT_IN_BUILD}`}</Text> : <Lines lines={view.lines} />}
    </Panel>
  );
}
