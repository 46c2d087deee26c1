import { readFileSync } from 'node:fs';
import { BOOTSTRAP_NODES } from './identity.js';

/**
 * Operating-system limits a run depends on, checked before anything starts (docs/harness.md,
 * "Limits"): a run of 1 000 peers that dies of EMFILE after its threads started and half its
 * sockets bound wastes a minute and says nothing useful. The checks are pure functions over the
 * text of /proc files, so they are tested with fake contents; `readRunLimits` reads the real ones.
 */

/**
 * What each peer's socket asks for (SO_RCVBUF and SO_SNDBUF). Mirrors DEFAULT_BUFFER_BYTES in
 * src/net/transport.ts, which that module does not export; keep the two equal.
 */
export const TRANSPORT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Descriptors a run needs besides one socket per peer: the authority's socket and the DHT
 * bootstrap nodes', and a margin for the process itself (stdio, the authority's SQLite files, the
 * calibration's two sockets, Node's own ~20 descriptors) and each worker thread's event loop.
 */
export const DESCRIPTOR_MARGIN = { process: 64, perWorker: 4 } as const;

export interface OpenFilesLimit {
  /** The soft limit ("Max open files"): what the process may open; Infinity when unlimited. */
  readonly soft: number;
  /** The hard limit: how far `ulimit -n` may raise the soft one without privileges. */
  readonly hard: number;
}

export interface RunLimits {
  /** Null where /proc/self/limits is unreadable (not Linux). */
  readonly openFiles: OpenFilesLimit | null;
  /** net.core.rmem_max / wmem_max in bytes: the kernel's cap on SO_RCVBUF / SO_SNDBUF; null where unreadable. */
  readonly rmemMax: number | null;
  readonly wmemMax: number | null;
}

function limitValue(text: string): number | null {
  if (text === 'unlimited') return Number.POSITIVE_INFINITY;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** The "Max open files" line of /proc/self/limits, or null when the text has none. */
export function parseOpenFilesLimit(procSelfLimits: string): OpenFilesLimit | null {
  const line = procSelfLimits.split('\n').find((l) => l.startsWith('Max open files'));
  if (line === undefined) return null;
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/).map(limitValue);
  return soft === null || soft === undefined || hard === null || hard === undefined ? null : { soft, hard };
}

/** A /proc/sys value holding one integer (rmem_max, wmem_max), or null. */
export function parseSysctlInteger(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Descriptors a run of `peers` on `workers` threads needs at most (one socket per peer, plus DESCRIPTOR_MARGIN). */
export function descriptorsNeeded(peers: number, workers: number): number {
  return peers + 1 + BOOTSTRAP_NODES + DESCRIPTOR_MARGIN.process + DESCRIPTOR_MARGIN.perWorker * workers;
}

/**
 * The reason the run cannot start, or null when the descriptor limit is enough (or unknown).
 * Node raises its own soft limit to the hard one at start-up, so in practice the limit read here is
 * the hard limit, and `ulimit -n` in the shell that starts p2p-mmog (which sets both) is the fix.
 */
export function checkOpenFiles(peers: number, workers: number, limit: OpenFilesLimit | null): string | null {
  if (limit === null) return null;
  const need = descriptorsNeeded(peers, workers);
  if (limit.soft >= need) return null;
  const raise =
    limit.hard >= need
      ? `raise it with \`ulimit -n ${need}\` in the shell that starts p2p-mmog`
      : `raise it with \`ulimit -n ${need}\` in the shell that starts p2p-mmog (above the hard limit, ${limit.hard}, that takes root: /etc/security/limits.conf, or LimitNOFILE for a service)`;
  return `this run needs about ${need} open files (one UDP socket per peer for ${peers} peers, the authority and ${BOOTSTRAP_NODES} DHT bootstrap nodes, and a margin for the process and ${workers} worker threads) but the process may open only ${limit.soft}: ${raise}, or run fewer peers`;
}

const MIB = 1024 * 1024;

function mib(bytes: number): string {
  return `${Number.isInteger(bytes / MIB) ? bytes / MIB : (bytes / MIB).toFixed(2)} MiB`;
}

/**
 * A one-line warning when the kernel caps socket buffers below what each socket asks for, or
 * null. Not fatal: the run works, but a burst (every member of a group sends at the same round
 * start) may overflow a smaller buffer into kernel drops, which the report counts and which make
 * the harness saturated.
 */
export function checkSocketBuffers(limits: Pick<RunLimits, 'rmemMax' | 'wmemMax'>, requestBytes = TRANSPORT_SOCKET_BUFFER_BYTES): string | null {
  const capped: string[] = [];
  if (limits.rmemMax !== null && limits.rmemMax < requestBytes) capped.push(`net.core.rmem_max = ${limits.rmemMax} (${mib(limits.rmemMax)})`);
  if (limits.wmemMax !== null && limits.wmemMax < requestBytes) capped.push(`net.core.wmem_max = ${limits.wmemMax} (${mib(limits.wmemMax)})`);
  if (capped.length === 0) return null;
  return `warning: the kernel caps socket buffers below the ${mib(requestBytes)} each peer's socket asks for (${capped.join(', ')}): bursts may overflow into kernel drops, which the report counts (harness.udpKernelDrops); raise with \`sudo sysctl -w net.core.rmem_max=${requestBytes} net.core.wmem_max=${requestBytes}\``;
}

/** Reads the real limits; a file that cannot be read gives null (the check is then skipped). */
export function readRunLimits(read: (path: string) => string = (path) => readFileSync(path, 'utf8')): RunLimits {
  const attempt = <T>(path: string, parse: (text: string) => T | null): T | null => {
    try {
      return parse(read(path));
    } catch {
      return null;
    }
  };
  return {
    openFiles: attempt('/proc/self/limits', parseOpenFilesLimit),
    rmemMax: attempt('/proc/sys/net/core/rmem_max', parseSysctlInteger),
    wmemMax: attempt('/proc/sys/net/core/wmem_max', parseSysctlInteger),
  };
}
