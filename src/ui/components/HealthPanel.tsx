import { Text } from 'ink';
import type { HealthView } from '../format.js';
import { Lines, Panel } from './Panel.js';

/** Harness health; a red banner when the harness is saturated and its figures cannot be trusted. */
export function HealthPanel({ view }: { readonly view: HealthView }) {
  return (
    <Panel title="Harness health" borderColor={view.saturated ? 'red' : 'gray'}>
      {view.banner === null ? null : (
        <Text bold color="white" backgroundColor="red">
          {view.banner}
        </Text>
      )}
      <Lines lines={view.lines} />
    </Panel>
  );
}
