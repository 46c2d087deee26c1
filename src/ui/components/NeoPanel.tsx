import { Text } from 'ink';
import { NEO_WAITING, type NeoView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** NEO playout latency percentiles, a sparkline of p99 per second, round length, groups, updates. */
export function NeoPanel({ view }: { readonly view: NeoView | null }) {
  if (view === null) {
    return (
      <Panel title="NEO playout latency (ms)" flexGrow={1}>
        <Text dimColor>{NEO_WAITING}</Text>
      </Panel>
    );
  }
  return (
    <Panel title="NEO playout latency (ms)" flexGrow={1}>
      <Text dimColor>{view.table.header}</Text>
      <Lines lines={view.table.rows} />
      <Text wrap="truncate-end">
        {'p99 '}
        <Text color="magenta">{view.sparkline}</Text>
        <Text dimColor>{` ${view.sparkRange}, last ${view.sparkSeconds}s`}</Text>
      </Text>
      <Lines lines={view.details} />
    </Panel>
  );
}
