import { z } from 'zod';
import type { RunEvent, RunReport } from './model.js';

/** Everything wrong with a report file or value: missing file, bad JSON, wrong version, contract. */
export class ReportError extends Error {
  override readonly name = 'ReportError';
}

export const REPORT_VERSION = 1;

// Loose objects throughout: "more fields welcome" (SPEC §9). Numbers must be finite (zod 4's
// z.number() rejects NaN and ±Infinity), which also guarantees JSON.stringify loses nothing.
const num = z.number();
const count = z.number().nonnegative();

const latency = z.looseObject({
  count,
  p50: num,
  p90: num,
  p99: num,
  p999: num,
  max: num,
  encoded: z.string().min(1),
});

/** A component that is null until it lands in this build; when present it must be an object. */
const futureComponent = z.union([z.null(), z.looseObject({})], { error: 'expected an object, or null while the component is not in this build' });

const attack = z.looseObject({
  kind: z.string(),
  attempts: num.nullable(),
  prevented: num.nullable(),
  detected: num.nullable(),
  falsePositives: num.nullable(),
  detectionLatencyRounds: num.nullable(),
});

// The harness's cost figures and the capacity steps came later than version 1: optional, so older
// reports still load, but checked when present (a NaN must not become null in report.json).
const optionalCount = count.nullable().optional();

const capacity = z.looseObject({
  steps: z.array(
    z.looseObject({
      peers: count,
      healthy: z.boolean(),
      thresholdsOk: z.boolean(),
      cpuPerMemberRoundUs: optionalCount,
      cpuPerMemberRoundVerifies: optionalCount,
      peakRssMb: count.optional(),
      memoryPerPeerMb: num.nullable().optional(),
    }),
  ),
  largestHealthyPeers: count.nullable(),
});

const reportSchema = z.looseObject({
  version: z.literal(REPORT_VERSION),
  profile: z.string(),
  seed: num,
  startedAt: z.string(),
  durationS: count,
  peers: z.looseObject({ target: count, peak: count }),
  workers: count,
  neo: z
    .looseObject({
      roundMs: num,
      groups: count,
      playoutLatencyMs: latency,
      updates: z.looseObject({ sent: count, accepted: count, dropped: count }),
      stateHashMismatches: count,
    })
    .nullable(),
  lockstep: z.looseObject({ turnLatencyMs: latency, turns: count }).nullable(),
  clientServer: z.looseObject({ latencyMs: latency, serverBytesPerS: num }).nullable(),
  dht: futureComponent,
  auth: futureComponent,
  groups: z.looseObject({ count, splits: count.nullable(), merges: count.nullable(), elections: count, viewChanges: count, joins: count, leaves: count, removals: count }).nullable(),
  zones: z.looseObject({ eventsRaised: count, eventsExpected: count, eventsDelivered: count, eventsDuplicated: count, eventLatencyMs: latency }).nullable().optional(),
  storage: z
    .looseObject({
      permanent: z.looseObject({ stored: count, lost: count }).nullable(),
      ephemeral: z.looseObject({ stored: count, lost: count, restoredByReset: count }).nullable(),
      characters: z.looseObject({ witnessed: count, witnessFailures: count, doorChecks: count, doorRefused: z.record(z.string(), count) }).nullable().optional(),
    })
    .nullable(),
  compute: z
    .looseObject({
      r: count,
      bound: num,
      steps: count,
      trials: count,
      escapes: count,
      escapeRate: num,
      theoreticalEscape: num,
      interval95: z.looseObject({ low: num, high: num }),
      proofsAccepted: count,
      bans: count,
      honestNamed: count,
      outcomesAnnounced: count,
      outcomesUnannounced: count,
      outcomesApplied: count,
      votes: count,
      votesRefused: count,
      votesLate: count,
      hpTaken: count,
      goldGiven: count,
      executorLatencyMs: latency,
    })
    .nullable(),
  attacks: z.array(attack),
  harness: z.looseObject({
    eventLoopDelayMsP99: num,
    udpKernelDrops: count.nullable(),
    saturated: z.boolean(),
    saturationReasons: z.array(z.string()),
    timerLatenessMsP99: num,
    cpuCores: num,
    calibration: z.looseObject({ verifyUs: z.number().positive(), loopbackDatagramsPerS: count, cores: count.optional() }).optional(),
    cpuPerMemberRoundUs: optionalCount,
    cpuPerMemberRoundVerifies: optionalCount,
    memberRounds: count.optional(),
    startupCpuS: count.optional(),
    peakRssMb: count.optional(),
    // RSS can shrink below its value before the pool (the kernel reclaims), so this may be negative.
    memoryPerPeerMb: num.nullable().optional(),
    suggestedPeers: optionalCount,
    suggestedPeersBasis: z.enum(['measured', 'design']).nullable().optional(),
  }),
  thresholds: z.array(
    z.looseObject({
      metric: z.string(),
      op: z.enum(['<', '<=', '>', '>=', '==', '!=']),
      value: num,
      actual: num.nullable(),
      ok: z.boolean(),
    }),
  ),
  capacity: capacity.optional(),
  series: z.array(
    z.looseObject({
      tS: num,
      peersAlive: count,
      roundsPerS: num,
      messagesPerS: num,
      bytesPerS: num,
      lossRate: num,
      neoP50: num.nullable(),
      neoP99: num.nullable(),
      tagP99: z.record(z.string(), num.nullable()).optional(),
    }),
  ),
  subMetrics: z.record(z.string(), latency).optional(),
  tags: z.looseObject({ named: z.record(z.string(), z.array(count)), attackers: z.array(count) }).optional(),
  whoSuffers: z
    .looseObject({
      groups: z.array(z.looseObject({ group: count, shard: count, count, p50: num, p99: num, max: num })),
      peers: z.array(z.looseObject({ peer: count, group: count, shard: count, tags: z.array(z.string()), count, p50: num, p99: num, max: num })),
    })
    .optional(),
});

/** `a.b[2].c` from a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

const MAX_LISTED_ISSUES = 12;

/**
 * Problems with a value claimed to be a RunReport, one line each (`path: what is wrong`), or []
 * when it follows the contract. The version is checked first so that a report from another
 * version gets one clear line rather than a list of field differences.
 */
export function reportProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`expected a JSON object, got ${describe(value)}`];
  const version = (value as { version?: unknown }).version;
  if (version === undefined) return ['version: missing (expected 1)'];
  if (version !== REPORT_VERSION) return [`version: this build reads report version ${REPORT_VERSION}, this report is version ${JSON.stringify(version)}`];
  const result = reportSchema.safeParse(value);
  if (result.success) return [];
  const lines = result.error.issues.map((issue) => {
    const got = describe(valueAt(value, issue.path));
    const what = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
    return `${formatIssuePath(issue.path)}: ${what}, got ${got}`;
  });
  if (lines.length > MAX_LISTED_ISSUES) {
    const more = lines.length - MAX_LISTED_ISSUES;
    return [...lines.slice(0, MAX_LISTED_ISSUES), `… and ${more} more`];
  }
  return lines;
}

/** Throws ReportError (`<where>: <problems>`) unless value follows the report.json contract. */
export function assertReport(value: unknown, where: string): asserts value is RunReport {
  const problems = reportProblems(value);
  if (problems.length > 0) {
    throw new ReportError(`${where} does not follow the report.json contract:\n  ${problems.join('\n  ')}`);
  }
}

/** Problems with one event, or null when it is a valid RunEvent that survives JSON. */
export function eventProblem(event: unknown): string | null {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return `expected an object, got ${describe(event)}`;
  const e = event as Record<string, unknown>;
  if (typeof e.tS !== 'number' || !Number.isFinite(e.tS)) return `tS: expected a finite number of seconds, got ${describe(e.tS)}`;
  if (typeof e.type !== 'string' || e.type === '') return `type: expected a string, got ${describe(e.type)}`;
  return null;
}

export function assertEvents(events: unknown, where: string): asserts events is readonly RunEvent[] {
  if (!Array.isArray(events)) throw new ReportError(`${where}: events must be an array`);
  events.forEach((e, i) => {
    const problem = eventProblem(e);
    if (problem !== null) throw new ReportError(`${where}: event [${i}] ${problem}`);
  });
}
