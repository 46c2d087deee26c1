import { Text } from 'ink';
import { NO_ATTACKS, type AttacksView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** Cheat detection per attack kind: attempts, prevented, detected, false positives, latency. */
export function AttacksTable({ view }: { readonly view: AttacksView }) {
  return (
    <Panel title="Cheat detection">
      {view.table === null ? (
        <Text dimColor>{NO_ATTACKS}</Text>
      ) : (
        <>
          <Text dimColor wrap="truncate-end">
            {view.table.header}
          </Text>
          <Lines lines={view.table.rows} />
        </>
      )}
    </Panel>
  );
}
