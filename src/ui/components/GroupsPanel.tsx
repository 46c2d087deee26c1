import { Text } from 'ink';
import { NOT_IN_BUILD, type PairsView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** Quadtree groups: count, splits, merges, elections; or a note when this build has none. */
export function GroupsPanel({ view }: { readonly view: PairsView | null }) {
  return (
    <Panel title="Groups" flexGrow={1}>
      {view === null ? <Text dimColor>{`Groups: ${NOT_IN_BUILD}`}</Text> : <Lines lines={view.lines} />}
    </Panel>
  );
}
