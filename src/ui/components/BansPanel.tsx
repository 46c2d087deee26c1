import { Text } from 'ink';
import { Panel } from './Panel.js';

/** Peers banned by the authority so far. */
export function BansPanel({ bans }: { readonly bans: string }) {
  return (
    <Panel title="Bans">
      <Text>
        <Text bold>{bans}</Text>
        {' banned'}
      </Text>
    </Panel>
  );
}
