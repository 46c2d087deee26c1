import type { ReactNode } from 'react';
import { Box, Text } from 'ink';

export interface PanelProps {
  readonly title: string;
  readonly children?: ReactNode;
  readonly borderColor?: string;
  readonly flexGrow?: number;
  readonly minWidth?: number;
}

/** A rounded box with a bold title line; every panel of the live UI is one. */
export function Panel({ title, children, borderColor = 'gray', flexGrow, minWidth }: PanelProps) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={borderColor} paddingX={1} flexGrow={flexGrow} minWidth={minWidth}>
      <Text bold color="cyan">
        {title}
      </Text>
      {children}
    </Box>
  );
}

/** Preformatted lines, one `<Text>` each (no wrapping: the lines are laid out to fit). */
export function Lines({ lines, color }: { readonly lines: readonly string[]; readonly color?: string }) {
  return (
    <>
      {lines.map((line, i) => (
        <Text key={i} color={color} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </>
  );
}
