import type { LatencyFigures, RunEvent, RunReport } from './model.js';
import { fmtBytes, fmtMs, fmtNumber, fmtPct, renderSectionsMarkdown, renderSectionsText, type Block, type Section, type Table } from './format.js';
import { isPlaceSubMetric, resolveMetric, subMetricKey } from './paths.js';

/**
 * The summary of a report as sections of tables and lines, rendered the same way to report.md,
 * the `p2p-mmog report` text and the tables of report.html, so the three never disagree.
 */

/** Components whose contract block is null until they land in this build (SPEC §9 contract). */
export const PENDING_COMPONENTS: readonly { readonly key: 'dht' | 'auth' | 'groups' | 'storage' | 'compute'; readonly name: string; readonly absent?: string }[] = [
  { key: 'dht', name: 'DHT' },
  { key: 'auth', name: 'Authentication' },
  { key: 'groups', name: 'Groups' },
  { key: 'storage', name: 'Storage', absent: 'not in this run: the profile has no storage section (null in report.json).' },
  { key: 'compute', name: 'Replicated computation', absent: 'not in this run: the profile has no compute section (null in report.json).' },
];

/** Detection events shown in the timeline chart and listed in the summary. */
export const DETECTION_EVENT_TYPES: readonly string[] = ['ban', 'proof'];

const MAX_LISTED_EVENTS = 50;

export function reportTitle(report: RunReport): string {
  return `p2p-mmog report: ${report.profile}`;
}

export function saturationWarning(report: RunReport): string | null {
  if (!report.harness.saturated) return null;
  const reasons = report.harness.saturationReasons.length > 0 ? report.harness.saturationReasons.join('; ') : 'no reason recorded';
  return `NOT TRUSTWORTHY: the harness was saturated during this run (${reasons}). Latency and detection figures measure the overloaded harness, not the protocol; rerun with fewer peers or more cores.`;
}

/** `250`, or for a bound from another figure `2 × lockstep…p99 = 652.0` (`not measured` when absent). */
function thresholdBound(t: RunReport['thresholds'][number]): string {
  if (t.times === undefined) return fmtNumber(t.value);
  return `${fmtNumber(t.times.factor)} × ${t.times.metric} = ${t.times.actual === null ? 'not measured' : fmtNumber(t.value)}`;
}

function thresholdVerdict(report: RunReport): string {
  const n = report.thresholds.length;
  if (n === 0) return 'no thresholds set';
  const passed = report.thresholds.filter((t) => t.ok).length;
  return passed === n ? `PASS (${n}/${n} thresholds held)` : `FAIL (${n - passed} of ${n} thresholds failed)`;
}

const LATENCY_HEADERS = ['', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'];

function latencyRow(name: string, l: LatencyFigures): string[] {
  return [name, fmtNumber(l.count), fmtMs(l.p50), fmtMs(l.p90), fmtMs(l.p99), fmtMs(l.p999), fmtMs(l.max)];
}

function kv(rows: readonly (readonly [string, string])[]): Table {
  return { headers: ['', ''], rows, align: ['left', 'left'] };
}

function table(t: Table): Block {
  return { kind: 'table', table: t };
}

function text(s: string): Block {
  return { kind: 'text', text: s };
}

function runSection(report: RunReport): Section {
  const blocks: Block[] = [
    table(
      kv([
        ['profile', report.profile],
        ['seed', String(report.seed)],
        ['started', report.startedAt],
        ['duration', `${fmtNumber(report.durationS)} s`],
        ['peers', `target ${fmtNumber(report.peers.target)}, peak ${fmtNumber(report.peers.peak)}`],
        ['workers', fmtNumber(report.workers)],
        ['thresholds', thresholdVerdict(report)],
        ['harness', report.harness.saturated ? 'SATURATED (figures not trustworthy)' : 'healthy'],
      ]),
    ),
  ];
  const warning = saturationWarning(report);
  if (warning !== null) blocks.push({ kind: 'warning', text: warning });
  return { title: 'Run', blocks };
}

function neoSection(report: RunReport): Section {
  const neo = report.neo;
  if (neo === null) return { title: 'NEO latency', blocks: [text('NEO: no measurements in this run (null in report.json).')] };
  const dropRate = resolveMetric(report, 'neo.updates.dropRate');
  return {
    title: 'NEO latency',
    blocks: [
      table({ headers: LATENCY_HEADERS.map((h) => (h === '' ? 'playout latency (ms)' : h)), rows: [latencyRow('creation to playout', neo.playoutLatencyMs)] }),
      table(
        kv([
          ['round length', `${fmtMs(neo.roundMs)} ms`],
          ['groups', fmtNumber(neo.groups)],
          ['updates sent', fmtNumber(neo.updates.sent)],
          ['updates accepted', fmtNumber(neo.updates.accepted)],
          ['updates dropped', `${fmtNumber(neo.updates.dropped)} (${fmtPct(dropRate)} of decided)`],
          ['state-hash mismatches', fmtNumber(neo.stateHashMismatches)],
          // Reports written before resynchronisation existed have no such fields.
          ...(neo.resyncs === undefined
            ? []
            : [['resyncs', `${fmtNumber(neo.resyncs)} (${fmtNumber(neo.roundsDivergent ?? 0)} rounds divergent, ${fmtNumber(neo.resyncFailures ?? 0)} gave up)`] as [string, string]]),
          ...(neo.divergentAtEnd === undefined ? [] : [['divergent at the end', `${fmtNumber(neo.divergentAtEnd)} replicas`] as [string, string]]),
        ]),
      ),
    ],
  };
}

/** Past this many, per-group and per-shard sub-metrics stay in report.json and only the worst are listed. */
const MAX_LISTED_PLACES = 16;

/** The sub-metrics (docs/reports.md, "Tags and sub-metrics"): by tag first, then by group and shard while they are few. */
function subMetricsSection(report: RunReport): Section | null {
  const sub = report.subMetrics;
  if (sub === undefined) return null;
  const entries = Object.entries(sub);
  const byPlace = entries.filter(([k]) => isPlaceSubMetric(k));
  const byPeers = entries.filter(([k]) => !isPlaceSubMetric(k));
  const shown = byPlace.length > 2 * MAX_LISTED_PLACES ? byPeers : entries;
  const blocks: Block[] = [];
  const tags = report.tags;
  if (tags !== undefined) {
    const named = Object.entries(tags.named).map(([name, peers]) => `${name} (${peerList(peers)})`);
    blocks.push(text(`Tags: ${named.length > 0 ? named.join(', ') : 'no named tags'}; attackers: ${tags.attackers.length > 0 ? peerList(tags.attackers) : 'none'}.`));
  }
  if (shown.length === 0) {
    blocks.push(text('No sub-metric had samples.'));
    return { title: 'Sub-metrics', blocks };
  }
  blocks.push(table({ headers: LATENCY_HEADERS.map((h) => (h === '' ? 'sub-metric (ms)' : h)), rows: shown.map(([k, l]) => latencyRow(k, l)) }));
  if (shown !== entries) blocks.push(text(`${byPlace.length} sub-metrics by group and shard are in report.json; the worst groups are under "Who suffers".`));
  return { title: 'Sub-metrics', blocks };
}

/** `7`, `0-3, 9`: peer indexes as ranges. */
function peerList(peers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < peers.length; ) {
    let j = i;
    while (j + 1 < peers.length && (peers[j + 1] as number) === (peers[j] as number) + 1) j++;
    parts.push(j === i ? String(peers[i]) : `${peers[i]}-${peers[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The groups and receiving peers with the highest NEO playout p99. */
function whoSuffersSection(report: RunReport): Section | null {
  const w = report.whoSuffers;
  if (w === undefined) return null;
  if (w.groups.length === 0) return { title: 'Who suffers', blocks: [text('No playout was measured.')] };
  const figures = (r: { count: number; p50: number; p99: number; max: number }) => [fmtNumber(r.count), fmtMs(r.p50), fmtMs(r.p99), fmtMs(r.max)];
  return {
    title: 'Who suffers',
    blocks: [
      text('NEO playout latency of the worst groups and of the worst peers as receivers (the updates they played), highest p99 first.'),
      table({ headers: ['group', 'shard', 'count', 'p50', 'p99', 'max'], rows: w.groups.map((g) => [String(g.group), String(g.shard), ...figures(g)]) }),
      table({ headers: ['peer', 'tags', 'group', 'shard', 'count', 'p50', 'p99', 'max'], rows: w.peers.map((p) => [String(p.peer), p.tags.join(', '), String(p.group), String(p.shard), ...figures(p)]) }),
    ],
  };
}

function baselinesSection(report: RunReport): Section {
  const rows: string[][] = [];
  if (report.neo !== null) rows.push(latencyRow('NEO playout', report.neo.playoutLatencyMs));
  if (report.lockstep !== null) rows.push(latencyRow('lockstep turn', report.lockstep.turnLatencyMs));
  if (report.clientServer !== null) rows.push(latencyRow('client/server', report.clientServer.latencyMs));
  // Like for like: the same receivers in each, apart from every named tag's peers (the slow member,
  // say). The baselines run with group 0's players, so only a one-group run compares the same members.
  for (const tag of report.neo?.groups === 1 ? Object.keys(report.tags?.named ?? {}) : []) {
    for (const [name, metric] of [['NEO playout', 'neo.playoutLatencyMs'], ['lockstep turn', 'lockstep.turnLatencyMs'], ['client/server', 'clientServer.latencyMs']] as const) {
      const figures = report.subMetrics?.[subMetricKey(metric, [{ dimension: 'receiver', value: tag, negated: true }])];
      if (figures !== undefined) rows.push(latencyRow(`${name}, receivers not ${tag}`, figures));
    }
  }
  const blocks: Block[] = [];
  if (report.lockstep === null && report.clientServer === null) {
    blocks.push(text('No baseline ran in this profile (lockstep and clientServer are null).'));
    return { title: 'Baselines', blocks };
  }
  blocks.push(table({ headers: LATENCY_HEADERS.map((h) => (h === '' ? 'latency (ms)' : h)), rows }));
  blocks.push(text(report.lockstep === null ? 'Lockstep baseline: did not run.' : `Lockstep baseline: ${fmtNumber(report.lockstep.turns)} turns.`));
  blocks.push(
    text(
      report.clientServer === null
        ? 'Client/server baseline: did not run.'
        : `Client/server baseline: server sends and receives ${fmtBytes(report.clientServer.serverBytesPerS)}/s.`,
    ),
  );
  return { title: 'Baselines', blocks };
}

function trafficSection(report: RunReport): Section {
  const s = report.series;
  if (s.length === 0) return { title: 'Traffic', blocks: [text('No per-second samples in this run.')] };
  const peak = (f: (p: (typeof s)[number]) => number) => Math.max(...s.map(f));
  const m = (path: string) => resolveMetric(report, path);
  return {
    title: 'Traffic',
    blocks: [
      table({
        headers: ['per second', 'mean', 'peak'],
        rows: [
          ['peers alive', fmtNumber(m('throughput.peersAlive')), fmtNumber(peak((p) => p.peersAlive))],
          ['NEO rounds', fmtNumber(m('throughput.roundsPerS')), fmtNumber(peak((p) => p.roundsPerS))],
          ['messages', fmtNumber(m('throughput.messagesPerS')), fmtNumber(peak((p) => p.messagesPerS))],
          ['bytes', fmtBytes(m('throughput.bytesPerS')), fmtBytes(peak((p) => p.bytesPerS))],
          ['loss to link shaping', fmtPct(m('throughput.lossRate')), fmtPct(peak((p) => p.lossRate))],
        ],
      }),
      text(`${s.length} one-second samples.`),
    ],
  };
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

function cellOf(v: unknown): string {
  if (typeof v === 'number') return fmtNumber(v);
  if (v === null || v === undefined) return '-';
  return String(v);
}

function attacksSection(report: RunReport): Section {
  const attacks = report.attacks as readonly unknown[];
  if (attacks.length === 0) return { title: 'Attacks', blocks: [text('No attack ran in this run (attacks is empty).')] };
  const cols = ['kind', 'attempts', 'prevented', 'excluded', 'unobserved', 'unjudged', 'detected', 'falsePositives', 'detectionLatencyRounds'];
  return {
    title: 'Attacks',
    blocks: [
      text('Prevented: judged on what the honest replicas decided. Excluded: sent into a view the honest players had already left. Unobserved: decided by no honest replica for no visible reason; unjudged: past the ledger\'s cap (neither is ever counted as prevented). Detected: by evidence about that very message (docs/attacks.md).'),
      table({
        headers: ['attack', 'attempts', 'prevented', 'excluded', 'unobserved', 'unjudged', 'detected', 'false positives', 'detection latency (rounds)'],
        rows: attacks.map((a) => cols.map((c) => cellOf(field(a, c)))),
      }),
    ],
  };
}

/** `612 µs = 10.5 verifications`, or what is missing. */
function memberRoundCost(h: RunReport['harness']): string {
  if (h.cpuPerMemberRoundUs === undefined) return 'not measured (a report from before the cost was measured)';
  if (h.cpuPerMemberRoundUs === null) return 'not measured (no member-round was played)';
  const ratio = h.cpuPerMemberRoundVerifies === null || h.cpuPerMemberRoundVerifies === undefined ? '' : ` = ${fmtNumber(h.cpuPerMemberRoundVerifies)} verifications`;
  return `${fmtNumber(h.cpuPerMemberRoundUs)} µs${ratio}${h.memberRounds === undefined ? '' : ` (${fmtNumber(h.memberRounds)} member-rounds)`}`;
}

/** The cost rows of the harness section; none for a report from before they were measured. */
function costRows(h: RunReport['harness']): [string, string][] {
  const rows: [string, string][] = [['CPU per member-round', memberRoundCost(h)]];
  if (h.calibration !== undefined) {
    const c = h.calibration;
    rows.push(['calibration', `native Ed25519 verify ${fmtNumber(c.verifyUs)} µs, loopback ${fmtNumber(Math.round(c.loopbackDatagramsPerS))} datagrams/s${c.cores === undefined ? '' : `, ${fmtNumber(c.cores)} cores`}`]);
  }
  if (h.startupCpuS !== undefined) rows.push(['start-up CPU', `${fmtNumber(h.startupCpuS)} s (before round 0)`]);
  if (h.peakRssMb !== undefined) {
    const perPeer = h.memoryPerPeerMb === null || h.memoryPerPeerMb === undefined ? '' : `, ${fmtNumber(h.memoryPerPeerMb)} MiB per peer`;
    rows.push(['memory', `peak RSS ${fmtNumber(h.peakRssMb)} MiB${perPeer}`]);
  }
  return rows;
}

/**
 * After a saturated run: the peer count the calibration suggests for this machine (formula in
 * docs/harness.md, "Cost"), or null when the run was healthy or no suggestion was recorded.
 */
export function suggestionLine(report: RunReport): string | null {
  const h = report.harness;
  if (!h.saturated || h.suggestedPeers === undefined || h.suggestedPeers === null) return null;
  const cores = h.calibration?.cores === undefined ? '' : `${fmtNumber(h.calibration.cores)} cores, `;
  const round = report.neo === null ? '' : `R = ${fmtNumber(report.neo.roundMs)} ms, `;
  const basis =
    h.suggestedPeersBasis === 'design'
      ? 'from the calibrated verification × the design cost, as this run fell too far behind to measure its own'
      : 'from the CPU per member-round this run measured';
  if (h.suggestedPeers === 0) return `The calibration suggests this machine cannot carry one group at this profile's settings (${cores}${round}${basis}).`;
  return `The calibration suggests about ${fmtNumber(h.suggestedPeers)} peers for this machine (${cores}${round}${basis}; docs/harness.md): rerun with --peers ${h.suggestedPeers}.`;
}

function harnessSection(report: RunReport): Section {
  const h = report.harness;
  const blocks: Block[] = [
    table(
      kv([
        ['event-loop delay p99', `${fmtMs(h.eventLoopDelayMsP99)} ms`],
        ['timer lateness p99', `${fmtMs(h.timerLatenessMsP99)} ms`],
        ['CPU', `${fmtNumber(h.cpuCores)} cores`],
        ...costRows(h),
        ['kernel UDP drops', h.udpKernelDrops === null ? 'not measurable on this platform' : fmtNumber(h.udpKernelDrops)],
        ['machine-wide RcvbufErrors', h.udpRcvbufErrorsSystem === undefined || h.udpRcvbufErrorsSystem === null ? 'not measured' : fmtNumber(h.udpRcvbufErrorsSystem)],
        ['verdict', h.saturated ? 'SATURATED' : 'healthy: the figures reflect the protocol and the configured links'],
      ]),
    ),
  ];
  const warning = saturationWarning(report);
  if (warning !== null) blocks.push({ kind: 'warning', text: warning });
  const suggestion = suggestionLine(report);
  if (suggestion !== null) blocks.push(text(suggestion));
  return { title: 'Harness health', blocks };
}

function thresholdsSection(report: RunReport): Section {
  if (report.thresholds.length === 0) return { title: 'Thresholds', blocks: [text('No thresholds were set for this run.')] };
  const blocks: Block[] = [
    table({
      headers: ['metric', 'rule', 'actual', 'result'],
      rows: report.thresholds.map((t) => [t.metric, `${t.op} ${thresholdBound(t)}`, t.actual === null ? 'not measured' : fmtNumber(t.actual), t.ok ? 'PASS' : 'FAIL']),
      align: ['left', 'left', 'right', 'left'],
    }),
  ];
  const failed = report.thresholds.filter((t) => !t.ok).length;
  blocks.push(failed === 0 ? text('All thresholds held.') : { kind: 'warning', text: `${failed} of ${report.thresholds.length} thresholds failed.` });
  return { title: 'Thresholds', blocks };
}

/** Flattens an unknown component block into path/value rows (encoded histograms left out). */
function flatten(value: unknown, prefix: string, out: [string, string][]): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'encoded') continue;
      flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else {
    out.push([prefix, cellOf(value)]);
  }
}

function componentSections(report: RunReport): Section[] {
  const sections: Section[] = [];
  const pending: Block[] = [];
  for (const { key, name, absent } of PENDING_COMPONENTS) {
    const value = report[key] as unknown;
    if (value === null || value === undefined) {
      pending.push(text(`${name} (${key}): ${absent ?? 'not in this build (null in report.json).'}`));
    } else {
      const rows: [string, string][] = [];
      flatten(value, key, rows);
      sections.push({ title: name, blocks: [table({ headers: ['metric', 'value'], rows })] });
    }
  }
  if (pending.length > 0) sections.push({ title: 'Not in this build or run', blocks: pending });
  return sections;
}

/** The detail fields of an event (everything but tS and type) as `k=v` text. */
export function eventDetails(e: RunEvent): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'tS' || k === 'type') continue;
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const s = parts.join(' ');
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

function eventsSection(events: readonly RunEvent[]): Section {
  if (events.length === 0) return { title: 'Events', blocks: [text('No events were recorded.')] };
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const blocks: Block[] = [
    table({ headers: ['event', 'count'], rows: [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([t, c]) => [t, fmtNumber(c)]) }),
  ];
  const detections = events.filter((e) => DETECTION_EVENT_TYPES.includes(e.type));
  if (detections.length === 0) {
    blocks.push(text('No detections (ban or proof events).'));
  } else {
    blocks.push(
      table({
        headers: ['t (s)', 'detection', 'details'],
        rows: detections.slice(0, MAX_LISTED_EVENTS).map((e) => [fmtNumber(e.tS), e.type, eventDetails(e)]),
        align: ['right', 'left', 'left'],
      }),
    );
    if (detections.length > MAX_LISTED_EVENTS) blocks.push(text(`… ${detections.length - MAX_LISTED_EVENTS} more in events.ndjson.`));
  }
  return { title: 'Events', blocks };
}

/** All summary sections; the events section only when events are given. */
export function reportSections(report: RunReport, events?: readonly RunEvent[]): Section[] {
  const sections = [
    runSection(report),
    neoSection(report),
    ...[subMetricsSection(report), whoSuffersSection(report)].filter((x): x is Section => x !== null),
    baselinesSection(report),
    trafficSection(report),
    attacksSection(report),
    harnessSection(report),
    thresholdsSection(report),
    ...componentSections(report),
  ];
  if (events !== undefined) sections.push(eventsSection(events));
  return sections;
}

/** report.md. */
export function renderReportMarkdown(report: RunReport, events?: readonly RunEvent[]): string {
  return renderSectionsMarkdown(reportTitle(report), reportSections(report, events));
}

/** What `p2p-mmog report <DIR|report.json>` prints: report.md's content as plain aligned text. */
export function renderReportText(report: RunReport, events?: readonly RunEvent[]): string {
  return renderSectionsText(reportTitle(report), reportSections(report, events));
}

