import { readFileSync } from 'node:fs';

/** System-wide UDP counters from /proc/net/snmp (Linux); null where the file is not readable. */
export interface KernelUdpCounters {
  inDatagrams: number;
  inErrors: number;
  rcvbufErrors: number;
  sndbufErrors: number;
}

export function parseUdpSnmp(text: string): KernelUdpCounters | null {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return null;
  const names = (lines[0] as string).trim().split(/\s+/).slice(1);
  const values = (lines[1] as string).trim().split(/\s+/).slice(1).map(Number);
  const field = (name: string): number | null => {
    const i = names.indexOf(name);
    const v = i >= 0 ? values[i] : undefined;
    return v !== undefined && Number.isFinite(v) ? v : null;
  };
  const counters = {
    inDatagrams: field('InDatagrams'),
    inErrors: field('InErrors'),
    rcvbufErrors: field('RcvbufErrors'),
    sndbufErrors: field('SndbufErrors'),
  };
  // A kernel without one of these counters reports "unknown", never a reassuring 0.
  if (Object.values(counters).some((v) => v === null)) return null;
  return counters as KernelUdpCounters;
}

export function readKernelUdpCounters(path = '/proc/net/snmp'): KernelUdpCounters | null {
  try {
    return parseUdpSnmp(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Per-socket receive-buffer drops from /proc/net/udp and /proc/net/udp6 (the last column), for the
 * given local ports. Unlike the system-wide RcvbufErrors this attributes kernel drops to our own
 * sockets, so another process's traffic on the machine is not blamed on the harness.
 */
export function parseSocketDrops(text: string, ports: ReadonlySet<number>): Map<number, number> {
  const drops = new Map<number, number>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const local = cols[1] as string;
    const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (!ports.has(port)) continue;
    const d = Number(cols[cols.length - 1]);
    if (Number.isFinite(d)) drops.set(port, (drops.get(port) ?? 0) + d);
  }
  return drops;
}

export function readSocketDrops(ports: ReadonlySet<number>): Map<number, number> | null {
  const merged = new Map<number, number>();
  let readAny = false;
  for (const path of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const [port, d] of parseSocketDrops(text, ports)) merged.set(port, (merged.get(port) ?? 0) + d);
  }
  return readAny ? merged : null;
}
