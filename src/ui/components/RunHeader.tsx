import { Box, Text } from 'ink';
import type { HeaderView } from '../format.js';

function Field({ label, value, color }: { readonly label: string; readonly value: string; readonly color?: string }) {
  return (
    <Text>
      {`${label} `}
      <Text bold color={color}>
        {value}
      </Text>
    </Text>
  );
}

/**
 * Profile, seed, phase, elapsed/duration with a progress bar and ETA, peers alive/target, workers.
 * The fields wrap as whole items on a narrow terminal.
 */
export function RunHeader({ view }: { readonly view: HeaderView }) {
  return (
    <Box flexDirection="row" flexWrap="wrap" columnGap={2} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold color="cyan">
        p2p-mmog
      </Text>
      <Field label="profile" value={view.profile} />
      <Field label="seed" value={view.seed} />
      <Field label="phase" value={view.phase} color="green" />
      <Text>
        {'elapsed '}
        <Text bold>{view.elapsed}</Text>
        {view.bar === '' ? '' : ' '}
        <Text color="cyan">{view.bar}</Text>
        {` ${view.percent}  ETA ${view.eta}`}
      </Text>
      <Field label="peers" value={view.peers} color={view.peersShort ? 'yellow' : undefined} />
      <Field label="workers" value={view.workers} />
    </Box>
  );
}
