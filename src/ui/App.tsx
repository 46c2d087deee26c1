import { useEffect, useMemo, useState } from 'react';
import { Box, Text, useInput, useStdin, useStdout } from 'ink';
import { buildLiveView, KEYS_TEXT } from './format.js';
import type { LiveSnapshot } from './model.js';
import { AttacksTable } from './components/AttacksTable.js';
import { BansPanel } from './components/BansPanel.js';
import { DhtPanel } from './components/DhtPanel.js';
import { GroupsPanel } from './components/GroupsPanel.js';
import { StoragePanel } from './components/StoragePanel.js';
import { ComputePanel } from './components/ComputePanel.js';
import { HealthPanel } from './components/HealthPanel.js';
import { NeoPanel } from './components/NeoPanel.js';
import { RatesPanel } from './components/RatesPanel.js';
import { RunHeader } from './components/RunHeader.js';

export interface AppProps {
  /** The latest snapshot, or null before the controller has sent one. */
  readonly snapshot: LiveSnapshot | null;
  /** Called on every `q` or Ctrl+C; the controller stops gracefully and writes the report. */
  readonly onQuit?: () => void;
  /** Terminal width override (default: the output stream's, following resizes). */
  readonly columns?: number;
}

export const STARTING_TEXT = 'p2p-mmog: starting… waiting for the first telemetry';

/** `q` and Ctrl+C call `onQuit`. Only listens when stdin can be put in raw mode (a TTY). */
function useQuitKeys(onQuit: (() => void) | undefined): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (input === 'q' || input === 'Q' || (key.ctrl && input === 'c')) onQuit?.();
    },
    // Ink's own `isRawModeSupported` is `stdin.isTTY`, which is undefined (not false) on a pipe, and
    // useInput treats anything but `false` as active, then throws "Raw mode is not supported".
    { isActive: onQuit !== undefined && isRawModeSupported === true },
  );
}

/** The output stream's width, updated when the terminal is resized. */
function useTerminalColumns(): number {
  const { stdout } = useStdout();
  const [columns, setColumns] = useState(stdout.columns || 80);
  useEffect(() => {
    const onResize = (): void => setColumns(stdout.columns || 80);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return columns;
}

/** The live run screen: header, NEO and traffic, DHT / groups / bans, cheat detection, health. */
export function App({ snapshot, onQuit, columns }: AppProps) {
  useQuitKeys(onQuit);
  const measured = useTerminalColumns();
  const width = columns ?? measured;
  const view = useMemo(() => (snapshot === null ? null : buildLiveView(snapshot, { columns: width })), [snapshot, width]);

  if (view === null) {
    return (
      <Box flexDirection="column">
        <Text>{STARTING_TEXT}</Text>
        <Text dimColor>{KEYS_TEXT}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <RunHeader view={view.header} />
      <Box flexDirection="row" flexWrap="wrap">
        <NeoPanel view={view.neo} />
        <RatesPanel view={view.rates} />
      </Box>
      <Box flexDirection="row" flexWrap="wrap">
        <DhtPanel view={view.dht} />
        <GroupsPanel view={view.groups} />
        <StoragePanel view={view.storage} />
        <ComputePanel view={view.compute} />
        <BansPanel bans={view.bans} />
      </Box>
      <AttacksTable view={view.attacks} />
      <HealthPanel view={view.health} />
      {view.stopping ? (
        <Text bold color="yellow">
          {view.footer}
        </Text>
      ) : (
        <Text dimColor>{view.footer}</Text>
      )}
    </Box>
  );
}
