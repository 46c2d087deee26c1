import { createHealthSampler, createLatencyHistogram, createTaggedLatency, decodeLatencyHistogram, latencyFigures, mergeTaggedLatency, type LatencyHistogram, type TaggedLatency } from '../metrics/index.js';
import { mergeHouseAuditFigures } from './house-audit.js';
import { mergeEphemeralFigures } from './shard-areas.js';
import { mergeEngagementFigures } from './shard-engagements.js';
import { mergeCharacterFigures } from './shard-characters.js';
import { computeReport } from './shard-compute.js';
import { mergeColludingFigures, withColludingFigures } from './character-attacks.js';
import { NEO_COUNTERS, type NeoCounter } from '../neo/index.js';
import type { ComputeReport, RunEvent, RunReport, SeriesPoint } from '../report/model.js';
import { mergeAttackSummaries, type AttackLedgerSummary, type AttackSpec, type HonestReadTruth, type StorageAttackSummary } from '../attacks/index.js';
import { readKernelUdpCounters } from '../net/index.js';
import { expandPeerSet, shapingForMembers, type Profile } from '../scenario/profile.js';
import { phaseAt, type RunSchedule } from '../scenario/schedule.js';
import { MAX_TAG_PAIRS, type TagSpace } from '../scenario/tags.js';
import { movementForProfile } from '../scenario/stages.js';
import { BaselineInterrupted, runBaseline } from '../loadtest/index.js';
import { monotonicNowMs } from '../time/clock.js';
import type { LiveSnapshot } from '../ui/model.js';
import type { ShardCommand, ShardGroup, ShardGroupEvent, ShardMessage, ShardResult, ShardSample, ShardTask } from './contract.js';
import { BOOTSTRAP_NODES, startIdentityInfrastructure, type IdentityInfrastructure } from './identity.js';
import { createRunDispatcher, tamperedCharacterAttacks } from './dispatch.js';
import { createRunClock, type RunClock } from './run-clock.js';
import { planRun, type RunPlan } from './run-plan.js';
import { createControllerStorageAttacks, honestReadTruth, liveAttackRows, withStorageAttackRows, type ControllerStorageAttacks } from './storage-attacks.js';
import { calibrate } from './calibration.js';
import type { RemoteShardTask } from './agent-link.js';
import { AgentDisconnected } from './agents.js';
import { createThreadShardHost, type ShardHost } from './shard-host.js';
import { createCostTracker, harnessCostFields, type CostTracker } from './cost.js';
import { computeSubMetrics, standardSelectors, thresholdSelectors, whoSuffers, type Placement, type TaggedSource } from './sub-metrics.js';

/**
 * The controller: splits the profile's peers into NEO groups, hosts them in worker shards (one
 * piscina task per worker thread, alive for the whole run), merges their telemetry once a second
 * (encoded HdrHistograms merged, never percentiles averaged) and assembles the report.
 */
export interface RunHooks {
  /** Called once a second with what the UI (or the progress line) shows. */
  readonly onSnapshot?: (snapshot: LiveSnapshot) => void;
  /**
   * Called once, before the start, with the run's live histograms: the NEO playouts so far, merged
   * across workers each second (read them between snapshots, on this thread, e.g. for `/metrics`).
   */
  readonly onLiveHistograms?: (histograms: { readonly neoPlayout: LatencyHistogram }) => void;
  /** Aborting stops the run early; the report is still assembled from what was measured. */
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly report: Omit<RunReport, 'thresholds'>;
  readonly events: readonly RunEvent[];
  readonly handlerErrors: readonly string[];
}

/** Past these the harness, not the protocol, shapes the figures (docs/performance.md). */
export const SATURATION = { eventLoopDelayMsP99: 50, timerLatenessMsP99: 20 } as const;

export { planGroups, shardCount } from './run-plan.js';

interface BaselineFigures extends Pick<RunReport, 'lockstep' | 'clientServer'> {
  /** Their latencies by tag, as group 0's (the baselines run with group 0's players). */
  readonly tagged: TaggedSource[];
}

/** The baselines of SPEC §5 on the profile's links, with group 0's players (see the profile schema). */
async function runBaselines(profile: Profile, tags: TagSpace, events: RunEvent[], tS: () => number, signal: AbortSignal | undefined): Promise<BaselineFigures> {
  const players = Math.min(profile.neo.groupSize, profile.peers);
  const members = Array.from({ length: players }, (_, i) => i);
  const shaping = (endpoints: readonly string[]) => shapingForMembers(profile, members, endpoints);
  let lockstep: RunReport['lockstep'] = null;
  let clientServer: RunReport['clientServer'] = null;
  const tagged: TaggedSource[] = [];
  if (profile.baselines.lockstep) {
    events.push({ tS: tS(), type: 'phase', phase: 'baseline-lockstep' });
    const r = await runBaseline('lockstep', { players, turns: profile.baselines.lockstep.turns, seed: `${profile.seed}/lockstep`, shaping, ...(signal ? { signal } : {}) });
    lockstep = { turnLatencyMs: r.turnLatencyMs, turns: r.turns };
    const latency = createTaggedLatency({ maxPairs: MAX_TAG_PAIRS });
    r.perPlayerTurnLatency.forEach((h, i) => latency.recordHistogram(h, 0, 0, tags.maskOf(i), i));
    tagged.push({ metric: 'lockstep.turnLatencyMs', latency, hasSender: false });
  }
  if (profile.baselines.clientServer) {
    events.push({ tS: tS(), type: 'phase', phase: 'baseline-client-server' });
    const latency = createTaggedLatency({ maxPairs: MAX_TAG_PAIRS });
    tagged.push({ metric: 'clientServer.latencyMs', latency, hasSender: true });
    const r = await runBaseline('client-server', {
      players,
      durationS: profile.baselines.clientServer.durationS,
      tickMs: profile.neo.roundMs,
      seed: `${profile.seed}/client-server`,
      shaping,
      onDelivery: (ms, sender, receiver) => latency.record(ms, 0, tags.maskOf(sender), tags.maskOf(receiver), receiver),
      ...(signal ? { signal } : {}),
    });
    clientServer = { latencyMs: r.latencyMs, serverBytesPerS: r.serverBytesPerS };
  }
  return { lockstep, clientServer, tagged };
}

interface ShardRates {
  /** Rounds played per second, summed over the shard's members. */
  memberRoundsPerS: number;
  messagesPerS: number;
  bytesPerS: number;
  attempts: number;
  shapingDrops: number;
}

/** Per-shard rates over the real time between two of its samples, so unaligned timers cannot alias. */
function ratesBetween(a: ShardSample, b: ShardSample): ShardRates {
  const dtS = Math.max(1e-3, (b.atMs - a.atMs) / 1000);
  const sent = b.traffic.txDatagrams - a.traffic.txDatagrams;
  const outDropped = b.traffic.outboundShapingDropped - a.traffic.outboundShapingDropped;
  const copies = b.traffic.outboundExtraCopies - a.traffic.outboundExtraCopies;
  const inDropped = b.traffic.inboundShapingDropped - a.traffic.inboundShapingDropped;
  return {
    memberRoundsPerS: (b.counters.roundsPlayed - a.counters.roundsPlayed) / dtS,
    messagesPerS: sent / dtS,
    bytesPerS: (b.traffic.txBytes - a.traffic.txBytes) / dtS,
    // Datagrams the senders tried to send: those put on the wire, less duplicates, plus those shaped away.
    attempts: sent - copies + outDropped,
    shapingDrops: outDropped + inDropped,
  };
}

/** Where the run's shards go: this process's worker threads unless agents are given (one shard after another on each, in turn). */
export interface RunOptions {
  readonly agents?: readonly ShardHost[];
  /** The address the run's authority and DHT bootstrap nodes bind (agents' players reach them there); 127.0.0.1 by default. */
  readonly servicesHost?: string;
  /** How long after the run's end an agent's shard may take to send its result before it is reported lost (default a minute). */
  readonly agentResultGraceMs?: number;
}

export async function runScenario(profile: Profile, hooks: RunHooks = {}, options: RunOptions = {}): Promise<RunOutcome> {
  // Calibration first, while nothing else of the run uses the machine (docs/harness.md, "Cost");
  // the cost tracker's base RSS and start-up CPU are taken here, before the pool starts.
  const calibration = await calibrate();
  const cost = createCostTracker(calibration.verifyUs);
  const plan = planRun(profile);
  const events: RunEvent[] = [{ tS: 0, type: 'calibration', ...calibration }];
  const startedAt = new Date().toISOString();
  const clock = createRunClock();
  const aborted = () => hooks.signal?.aborted === true;

  // Shards run on this process's worker threads, or spread over the agents given (docs/agents.md).
  const threads = options.agents && options.agents.length > 0 ? null : createThreadShardHost(plan.workers);
  const hostOf = (shardIndex: number): ShardHost => threads ?? (options.agents?.[shardIndex % (options.agents?.length ?? 1)] as ShardHost);
  // Sybils (profile storageAttacks) come in through the bootstrap nodes: their gate is watched too.
  const storageAttacks = createControllerStorageAttacks(profile);
  // Payment tokens for every player of the schedule, and for the tampered-character attackers after the impostors (who never register).
  const players = plan.schedule.players + profile.identityAttacks.length + tamperedCharacterAttacks(profile).length;
  const identity = await startIdentityInfrastructure(profile.seed, players, { ...(storageAttacks.onDhtRefusal ? { onDhtRefusal: storageAttacks.onDhtRefusal } : {}), ...(options.servicesHost ? { host: options.servicesHost } : {}) });
  const live = createLiveTelemetry({ profile, plan, cost, identity, storageAttacks, events, clock, hooks, shardHosts: plan.shardsGroups.map((_, i) => hostOf(i).host) });
  const commands: ((c: ShardCommand) => void)[] = [];
  const dispatcher = createRunDispatcher({ profile, plan, commands, identity, storageAttacks, events, clock, aborted });
  let readyShards = 0;
  /** What waits for the start signal besides the shards (agents' result deadlines). */
  const onStart: (() => void)[] = [];
  const startAll = () => {
    if (aborted()) return;
    // A short margin so every thread arms its first round before it is due.
    clock.start(monotonicNowMs() + 200 + 2 * profile.peers);
    cost.markStart();
    for (const send of commands) send({ type: 'start', startAtMs: clock.startAtMs });
    dispatcher.start();
    for (const arm of onStart) arm();
  };
  const tasks = plan.shardsGroups.map((shardGroups, shardIndex) => {
    const shard = hostOf(shardIndex).runShard(shardTask(profile, plan, identity, shardIndex, shardGroups), (m: ShardMessage) => {
      if (m.type !== 'ready') return live.onShardMessage(m);
      if (++readyShards === plan.workers) startAll();
    });
    commands.push(shard.send);
    // A shard whose agent dies, or whose agent's result has not come a minute after the run's end,
    // is reported from its telemetry so far (none of its players alive); one lost before its first
    // sample fails the run, as does any other failure (a bug in the shard).
    const lostOr = (reason: string, error: unknown) => {
      const lost = live.lostShard(shardIndex, reason);
      if (lost === null) throw error;
      return lost;
    };
    const result = shard.result.then(
      (r) => (live.ended(shardIndex), r),
      (error: unknown) => {
        if (!(error instanceof AgentDisconnected)) throw error;
        return lostOr(error.message, error);
      },
    );
    if (threads) return result;
    const graceMs = options.agentResultGraceMs ?? AGENT_RESULT_GRACE_MS;
    let overdue: NodeJS.Timeout | undefined;
    // Armed at the start signal, when the run's end is known; cleared once the result is in.
    const overdueAtEnd = new Promise<void>((resolve) => onStart.push(() => void (overdue = setTimeout(resolve, Math.max(0, clock.startAtMs + profile.durationS * 1000 + graceMs - monotonicNowMs())))));
    const reason = `no result ${graceMs / 1000} s after the run's end`;
    const deadline = overdueAtEnd.then(() => lostOr(reason, new Error(`shard ${shardIndex} on agent ${hostOf(shardIndex).host}: ${reason}`)));
    return Promise.race([result, deadline]).finally(() => clearTimeout(overdue));
  });
  const { schedule } = plan;
  events.push({ tS: 0, type: 'run', peers: profile.peers, groups: plan.groups.length, workers: plan.workers, scheduleDigest: schedule.digest, joins: schedule.entries.filter((e) => e.type === 'join').length, leaves: schedule.entries.filter((e) => e.type === 'leave').length });

  const stop = () => commands.forEach((send) => send({ type: 'stop' }));
  hooks.signal?.addEventListener('abort', stop, { once: true });
  if (aborted()) stop();
  const snmpAtStart = readKernelUdpCounters();
  const telemetryTimer = setInterval(live.tick, 1000);

  let results: ShardResult[];
  let authorityCounters: Record<string, number> = {};
  let bootstrapAttacks: ReturnType<typeof storageAttacks.bootstrapSummary> = null;
  try {
    results = await Promise.all(tasks);
    cost.markEnd();
  } finally {
    clearInterval(telemetryTimer);
    dispatcher.clear();
    hooks.signal?.removeEventListener('abort', stop);
    live.stop();
    await threads?.destroy();
    authorityCounters = identity.authority.counters();
    bootstrapAttacks = storageAttacks.bootstrapSummary(identity.bootstrap);
    await identity.close();
  }

  for (const r of results) for (const e of r.unsentEvents) live.groupEvent(e);
  const snmpAtEnd = readKernelUdpCounters();
  const udpRcvbufErrorsSystem = snmpAtStart && snmpAtEnd ? snmpAtEnd.rcvbufErrors - snmpAtStart.rcvbufErrors : null;
  const durationS = clock.tS();
  let baselines: BaselineFigures = { lockstep: null, clientServer: null, tagged: [] };
  if (!aborted()) {
    try {
      baselines = await runBaselines(profile, plan.tags, events, clock.tS, hooks.signal);
    } catch (error) {
      // A failed or interrupted baseline must not cost the NEO figures: recorded, and the report is still written.
      const interrupted = error instanceof BaselineInterrupted;
      events.push({ tS: clock.tS(), type: 'phase', phase: interrupted ? 'baseline-interrupted' : 'baseline-failed', error: error instanceof Error ? error.message : String(error) });
    }
  }
  const report = assembleReport({ profile, plan, calibration, cost, results, live: live.figures(), baselines, authorityCounters, bootstrapAttacks, startedAt, durationS, udpRcvbufErrorsSystem });
  return { report, events, handlerErrors: results.flatMap((r) => r.handlerErrors) };
}

/** What one worker thread is asked to host. */
function shardTask(profile: Profile, plan: RunPlan, identity: IdentityInfrastructure, shardIndex: number, groups: readonly ShardGroup[]): RemoteShardTask {
  return {
    shardIndex,
    seed: profile.seed,
    groups: [...groups],
    groupsTotal: plan.groups.length,
    neo: {
      roundMs: profile.neo.roundMs,
      rounds: plan.rounds,
      pipelineDepth: profile.neo.pipelineDepth,
      stateHashEvery: profile.neo.stateHashEvery,
      adaptation: profile.neo.adaptation ?? null,
      evictAfterRounds: profile.neo.evictAfterRounds,
      maxWaitRounds: profile.neo.maxWaitRounds,
      seats: profile.neo.groupSize,
    },
    movement: movementForProfile(profile),
    attacks: attackPlan(profile),
    identity: identity.task,
    profile,
    compute: plan.compute,
  };
}

interface LiveTelemetryDeps {
  readonly profile: Profile;
  readonly plan: RunPlan;
  readonly cost: CostTracker;
  readonly identity: IdentityInfrastructure;
  readonly storageAttacks: ControllerStorageAttacks;
  readonly events: RunEvent[];
  readonly clock: RunClock;
  readonly hooks: RunHooks;
  /** Where each shard runs (ShardHost.host), by shard index. */
  readonly shardHosts: readonly string[];
}

/** A shard whose telemetry has not come for this long is reported silent (its thread stalled, or its agent cut off). */
const SHARD_SILENT_MS = 3000;
/** How long after the run's scheduled end an agent's shard may take to send its result before it is reported lost. */
const AGENT_RESULT_GRACE_MS = 60_000;

/** What the run's live telemetry leaves for the report. */
interface LiveFigures {
  /** The controller's and every shard's event-loop delay, merged. */
  readonly loopHistogram: LatencyHistogram;
  readonly series: SeriesPoint[];
  /** Most players alive at once. */
  readonly peak: number;
  /** CPU cores the process used, averaged over the run's seconds. */
  readonly cpuCores: number;
  readonly shards: NonNullable<RunReport['harness']['shards']>;
  readonly firstSamples: ReadonlyMap<number, ShardSample>;
}

/**
 * The controller's side of the per-second telemetry: the shards' encoded histograms merged as they
 * come, their latest samples turned into rates, and once a second a snapshot for the UI, a point of
 * the series, saturation and proof events.
 */
function createLiveTelemetry(deps: LiveTelemetryDeps) {
  const { profile, plan, cost, events, clock, hooks } = deps;
  const latest = new Map<number, { sample: ShardSample; rates: ShardRates | null }>();
  const loopHistogram = createLatencyHistogram();
  let secondPlayout = createLatencyHistogram();
  const secondTags = plan.tags.names.map(() => createLatencyHistogram());
  let secondLateness = createLatencyHistogram();
  let secondLoop = createLatencyHistogram();
  const health = createHealthSampler({ resolutionMs: 10 });
  const series: SeriesPoint[] = [];
  const p99History: (number | null)[] = [];
  // The run's playouts so far, for the live panel's "run" row beside the last second's.
  const runPlayout = createLatencyHistogram();
  hooks.onLiveHistograms?.({ neoPlayout: runPlayout });
  let saturatedSince: number | null = null;
  let peak = 0;
  let cpuCoresSum = 0;
  let cpuSamples = 0;
  let proofsSeen = new Map<string, number>();

  const groupEvent = (e: ShardGroupEvent) => {
    const { atMs, ...rest } = e;
    const tAt = Math.max(0, (atMs - clock.startAtMs) / 1000);
    const type = e.type === 'joined' ? 'player-joined' : e.type === 'left' ? 'player-left' : e.type;
    events.push({ ...rest, tS: tAt, type });
    if (e.type === 'view-change' && e.leaderChanged) events.push({ tS: tAt, type: 'election', group: e.group, view: e.view, round: e.round, ...(e.failoverRounds !== undefined ? { failoverRounds: e.failoverRounds } : {}) });
    // The detection timeline: a cheater excluded by an authority ban, at the round its group agreed.
    if (e.type === 'view-change' && e.banned > 0) events.push({ tS: tAt, type: 'ban', group: e.group, view: e.view, round: e.round, excluded: e.banned });
  };
  const proofEvents = (summary: AttackLedgerSummary) => {
    const now = new Map(summary.kinds.map((k) => [k.kind, k.proofsAccepted]));
    for (const [kind, n] of now) if (n > (proofsSeen.get(kind) ?? 0)) events.push({ tS: clock.tS(), type: 'proof', kind, accepted: n - (proofsSeen.get(kind) ?? 0) });
    proofsSeen = now;
  };

  const onShardMessage = (m: Exclude<ShardMessage, { type: 'ready' }>) => {
    secondPlayout.merge(decodeLatencyHistogram(m.playoutInterval));
    m.tagIntervals.forEach((encoded, i) => encoded !== null && secondTags[i]?.merge(decodeLatencyHistogram(encoded)));
    secondLateness.merge(decodeLatencyHistogram(m.latenessInterval));
    const loopInterval = decodeLatencyHistogram(m.eventLoopInterval);
    secondLoop.merge(loopInterval);
    loopHistogram.merge(loopInterval);
    for (const e of m.events) groupEvent(e);
    heard(m.shardIndex);
    shardSoFar(m.shardIndex).playout.mergeEncoded([m.playoutInterval]);
    shardSoFar(m.shardIndex).lateness.mergeEncoded([m.latenessInterval]);
    shardSoFar(m.shardIndex).eventLoop.merge(loopInterval);
    const before = latest.get(m.shardIndex);
    if (!firstSamples.has(m.shardIndex)) firstSamples.set(m.shardIndex, m.sample);
    latest.set(m.shardIndex, { sample: m.sample, rates: before ? ratesBetween(before.sample, m.sample) : null });
  };

  // Each shard's first sample after the start: with its last, the CPU its host used (harness.hosts).
  const firstSamples = new Map<number, ShardSample>();
  // What each shard's telemetry brought so far: what the report keeps of a shard whose agent died.
  const soFar = new Map<number, { playout: LatencyHistogram; lateness: LatencyHistogram; eventLoop: LatencyHistogram }>();
  const shardSoFar = (shard: number) => {
    let h = soFar.get(shard);
    if (!h) soFar.set(shard, (h = { playout: createLatencyHistogram(), lateness: createLatencyHistogram(), eventLoop: createLatencyHistogram() }));
    return h;
  };
  /**
   * A shard that will never report its result (its agent died or went away: docs/agents.md): its
   * last sample with none of its players alive, and the latencies its telemetry brought, so the run
   * still ends with a report; null when it never sent a sample.
   */
  const lostShard = (shard: number, reason: string): ShardResult | null => {
    const last = latest.get(shard);
    if (!last) return null;
    ended(shard);
    // From now on its players are gone in the live figures too.
    latest.set(shard, { sample: { ...last.sample, peersAlive: 0 }, rates: null });
    const record = silences[shard];
    if (record) record.lost = reason;
    events.push({ tS: clock.tS(), type: 'shard-lost', shard, host: deps.shardHosts[shard], reason });
    const h = shardSoFar(shard);
    return { shardIndex: shard, sample: { ...last.sample, peersAlive: 0 }, divergentAtEnd: 0, playout: h.playout.encode(), tagged: { groups: [], pairs: [], receivers: [] }, lateness: h.lateness.encode(), eventLoop: h.eventLoop.encode(), handlerErrors: [], ports: [], events: [], unsentEvents: [] };
  };
  // Each shard's last telemetry (monotonic ms) and its silences: a thread that stalls or an agent cut off shows here and in events.
  const lastHeardMs = new Map<number, number>();
  const silences = deps.shardHosts.map((host, shard): { shard: number; host: string; silences: { atS: number; silentS: number | null }[]; lost?: string } => ({ shard, host, silences: [] }));
  const heard = (shard: number) => {
    const now = monotonicNowMs();
    const open = silences[shard]?.silences.find((x) => x.silentS === null);
    if (open) {
      open.silentS = Math.round((now - (lastHeardMs.get(shard) ?? now)) / 100) / 10;
      events.push({ tS: clock.tS(), type: 'shard-heard', shard, host: deps.shardHosts[shard], silentS: open.silentS });
    }
    lastHeardMs.set(shard, now);
  };
  /** A shard whose result came (or that was lost) sends nothing more: its quiet is no silence. */
  const ended = (shard: number) => void lastHeardMs.delete(shard);
  let lastWatchMs = monotonicNowMs();
  const watchSilence = () => {
    const now = monotonicNowMs();
    // After this thread itself stalled, the shards' messages still wait in its queue: that is not their silence.
    const stalled = now - lastWatchMs > 2000;
    lastWatchMs = now;
    // Shards end their telemetry with the run: past its scheduled end, or once stopped, quiet is not a silence.
    if (stalled || !clock.started() || clock.tS() >= profile.durationS || hooks.signal?.aborted) return;
    for (const [shard, at] of lastHeardMs) {
      const record = silences[shard];
      if (!record || now - at < SHARD_SILENT_MS || record.silences.some((x) => x.silentS === null)) continue;
      const atS = Math.max(0, Math.round(((at - clock.startAtMs) / 1000) * 10) / 10);
      record.silences.push({ atS, silentS: null });
      events.push({ tS: clock.tS(), type: 'shard-silent', shard, host: deps.shardHosts[shard], lastHeardS: atS });
    }
  };

  const tick = () => {
    watchSilence();
    const own = health.sample();
    secondLoop.mergeEncoded([own.eventLoopDelay.encoded]);
    loopHistogram.mergeEncoded([own.eventLoopDelay.encoded]);
    cpuCoresSum += own.cpu.cores;
    cpuSamples++;
    const samples = [...latest.values()].map((l) => l.sample);
    const liveAttacks = mergeAttackSummaries(samples.map((s) => s.attacks));
    proofEvents(liveAttacks);
    const { rates, updates, peersAlive, kernelDrops, roundMs, groupsLive, memberRounds } = mergeLatest(latest.values(), profile.neo.roundMs, plan.groups.length);
    const liveCost = cost.tick(memberRounds, rates.memberRoundsPerS);
    // Rounds played per second by the average member: about 1000 / R when all keep up.
    const roundsPerS = peersAlive > 0 ? rates.memberRoundsPerS / peersAlive : 0;
    peak = Math.max(peak, peersAlive);
    const second = secondPlayout.summary();
    runPlayout.merge(secondPlayout);
    const run = runPlayout.summary();
    const tagP99 = Object.fromEntries(plan.tags.names.map((name, i) => [name, p99OrNull(secondTags[i] as LatencyHistogram)]));
    for (const h of secondTags) h.reset();
    const lateness = secondLateness.summary();
    const loopP99 = secondLoop.summary().p99;
    secondPlayout = createLatencyHistogram();
    secondLateness = createLatencyHistogram();
    secondLoop = createLatencyHistogram();
    const lossRate = rates.attempts > 0 ? rates.shapingDrops / rates.attempts : 0;
    const started = clock.started();
    if (started) {
      // A second without playouts has no percentiles: null, never a 0 that reads as "instant".
      const played = second.count > 0;
      series.push({ tS: Math.round(clock.tS()), peersAlive, roundsPerS, messagesPerS: rates.messagesPerS, bytesPerS: rates.bytesPerS, lossRate, neoP50: played ? second.p50 : null, neoP99: played ? second.p99 : null, ...(plan.tags.names.length > 0 ? { tagP99 } : {}) });
    }
    p99History.push(second.count > 0 ? second.p99 : null);
    if (p99History.length > 60) p99History.shift();
    const reasons = saturation(loopP99, lateness.p99, kernelDrops);
    if (reasons.length > 0 && saturatedSince === null) {
      saturatedSince = clock.tS();
      events.push({ tS: saturatedSince, type: 'saturation', reasons });
    } else if (reasons.length === 0) saturatedSince = null;
    hooks.onSnapshot?.({
      profile: profile.name,
      seed: profile.seed,
      phase: !started ? 'starting' : hooks.signal?.aborted ? 'stopping' : phaseAt(plan.schedule, clock.tS()),
      elapsedS: clock.tS(),
      durationS: profile.durationS,
      peersAlive,
      peersTarget: profile.peers,
      workers: plan.workers,
      neo: {
        ...(second.count > 0 ? { p50: second.p50, p90: second.p90, p99: second.p99, p999: second.p999, max: second.max } : { p50: null, p90: null, p99: null, p999: null, max: null }),
        run: run.count > 0 ? { p50: run.p50, p90: run.p90, p99: run.p99, p999: run.p999, max: run.max } : null,
        p99History: [...p99History],
        roundMs,
        groups: plan.groups.length,
        accepted: updates.accepted,
        dropped: updates.dropped,
      },
      rates: { roundsPerS, messagesPerS: rates.messagesPerS, bytesPerS: rates.bytesPerS, lossPct: lossRate * 100 },
      dht: liveDht(samples),
      groups: groupsLive,
      storage: liveStorage(samples),
      compute: profile.compute && plan.compute ? liveCompute(computeReport(samples.flatMap((s) => (s.compute ? [s.compute] : [])), plan.compute, profile.compute, clock.tS())) : null,
      attacks: liveAttackRows(liveAttacks, samples, deps.storageAttacks.bootstrapSummary(deps.identity.bootstrap)),
      bans: liveAttacks.kinds.reduce((n, k) => n + k.bans, 0),
      health: { eventLoopP99Ms: loopP99, cpuCores: own.cpu.cores, kernelDrops, timerLatenessP99Ms: lateness.p99, saturated: reasons.length > 0, reasons, cost: liveCost },
      stopping: hooks.signal?.aborted ?? false,
    });
  };

  return {
    onShardMessage,
    groupEvent,
    lostShard,
    ended,
    tick,
    stop: () => health.stop(),
    figures: (): LiveFigures => ({ loopHistogram, series, peak, cpuCores: cpuSamples > 0 ? cpuCoresSum / cpuSamples : 0, shards: silences, firstSamples }),
  };
}

interface ReportInputs {
  readonly profile: Profile;
  readonly plan: RunPlan;
  readonly calibration: Awaited<ReturnType<typeof calibrate>>;
  readonly cost: CostTracker;
  readonly results: readonly ShardResult[];
  readonly live: LiveFigures;
  readonly baselines: BaselineFigures;
  readonly authorityCounters: Record<string, number>;
  readonly bootstrapAttacks: StorageAttackSummary | null;
  readonly startedAt: string;
  readonly durationS: number;
  readonly udpRcvbufErrorsSystem: number | null;
}

/** report.json from the shards' final figures merged, the live telemetry's, and the baselines'. */
function assembleReport(x: ReportInputs): RunOutcome['report'] {
  const { profile, plan, results } = x;
  const { playout, lateness, counters, updates, udpKernelDrops, peersAlive } = mergeResults(results, x.live.loopHistogram);
  const neoTagged = mergeTaggedLatency(results.map((r) => r.tagged), { maxPairs: MAX_TAG_PAIRS });
  const place: Placement = { groups: plan.groups.length, shards: plan.workers, shardOfGroup: (g) => plan.shardOfGroup.get(g) ?? 0 };
  const peak = Math.max(x.live.peak, peersAlive);
  const eventLoopDelayMsP99 = x.live.loopHistogram.summary().p99;
  const timerLatenessMsP99 = lateness.summary().p99;
  const hosts = hostHealth(results, x.live.shards, x.live.firstSamples);
  // One saturated host makes the run untrustworthy, however well the others kept up.
  const saturationReasons = [...saturation(eventLoopDelayMsP99, timerLatenessMsP99, udpKernelDrops), ...(hosts.length > 1 ? hosts.flatMap((h) => h.saturationReasons.map((r) => `host ${h.host}: ${r}`)) : [])];
  const roundMs = results[0]?.sample.roundMs ?? profile.neo.roundMs;
  const storage = storageReport(results.map((r) => r.sample), profile.storage?.maliciousHolders ?? null);
  return {
    version: 1,
    profile: profile.name,
    seed: profile.seed,
    startedAt: x.startedAt,
    durationS: x.durationS,
    peers: { target: profile.peers, peak },
    workers: plan.workers,
    neo: {
      roundMs,
      groups: plan.groups.length,
      playoutLatencyMs: latencyFigures(playout),
      updates: { sent: updates.created, accepted: updates.accepted, dropped: updates.dropped },
      stateHashMismatches: counters.stateHashMismatches,
      // Summed over every replica's decisions (each update counted once per member that decided it).
      dropReasons: { late: counters.droppedLate, noKey: counters.droppedNoKey, badKey: counters.droppedBadKey, noCiphertext: counters.droppedNoCiphertext },
      forcedRounds: counters.forcedRounds,
      roundsSkippedAtStart: counters.roundsSkippedAtStart,
      resyncs: counters.resyncs,
      resyncFailures: counters.resyncFailures,
      roundsDivergent: counters.roundsDivergent,
      divergentAtEnd: results.reduce((sum, r) => sum + r.divergentAtEnd, 0),
    },
    lockstep: x.baselines.lockstep,
    clientServer: x.baselines.clientServer,
    dht: dhtReport(results.map((r) => r.sample)),
    auth: authReport(results.map((r) => r.sample), x.authorityCounters),
    groups: groupFigures(results, plan.groups.length),
    zones: zoneEventReport(results.map((r) => r.sample)),
    storage,
    compute: profile.compute && plan.compute ? computeReport(results.flatMap((r) => (r.sample.compute ? [r.sample.compute] : [])), plan.compute, profile.compute, x.durationS) : null,
    attacks: withColludingFigures(
      attackReport(mergeAttackSummaries(results.map((r) => r.sample.attacks)), [...results.map((r) => r.sample.storageAttacks), x.bootstrapAttacks], honestReadTruth(storage)),
      mergeColludingFigures(results.map((r) => r.sample.characters?.colluding ?? [])),
      profile.peers + BOOTSTRAP_NODES,
    ),
    harness: {
      eventLoopDelayMsP99,
      udpKernelDrops,
      udpRcvbufErrorsSystem: x.udpRcvbufErrorsSystem,
      saturated: saturationReasons.length > 0,
      saturationReasons,
      timerLatenessMsP99,
      cpuCores: x.live.cpuCores,
      shards: x.live.shards,
      hosts,
      ...harnessCostFields(x.cost.figures(counters.roundsPlayed, peak), x.calibration, { series: x.live.series, roundMs, groupSize: profile.neo.groupSize }),
    },
    series: x.live.series,
    ...taggedFigures(profile, plan.tags, neoTagged, x.baselines.tagged, place, plan.schedule),
  };
}

/** Sub-metrics, the run's tags and who suffers (docs/reports.md, "Tags and sub-metrics"). */
function taggedFigures(profile: Profile, tags: TagSpace, neo: TaggedLatency, baselines: readonly TaggedSource[], place: Placement, schedule: RunSchedule): Pick<RunReport, 'subMetrics' | 'tags' | 'whoSuffers'> {
  const attackers = [...new Set(profile.attacks.flatMap((a) => expandPeerSet(a.peers)))].sort((a, b) => a - b);
  const sources: TaggedSource[] = [{ metric: 'neo.playoutLatencyMs', latency: neo, hasSender: true }, ...baselines];
  const subMetrics = computeSubMetrics(sources, tags, place, standardSelectors(tags, place, attackers.length > 0), thresholdSelectors(profile.thresholds));
  // Founders sit in their plan's group; joiners in the group the schedule sends them to.
  const groupOf = new Map<number, number>();
  for (const e of schedule.entries) if (e.type === 'join') groupOf.set(e.player, e.group);
  const groupOfPeer = (peer: number) => groupOf.get(peer) ?? Math.floor(peer / profile.neo.groupSize);
  return {
    subMetrics,
    tags: { named: Object.fromEntries(Object.entries(profile.tags).map(([name, set]) => [name, expandPeerSet(set)])), attackers },
    whoSuffers: whoSuffers(neo, tags, place, groupOfPeer),
  };
}

/** A second's p99, null when nothing was recorded in it. */
function p99OrNull(h: LatencyHistogram): number | null {
  return h.count > 0 ? h.valueAtPercentileMs(99) : null;
}

/** Every shard's final figures merged: histograms (the event loop's into `loopHistogram`), counters, updates, drops. */
function mergeResults(results: readonly ShardResult[], loopHistogram: LatencyHistogram) {
  const playout = createLatencyHistogram();
  const lateness = createLatencyHistogram();
  const counters = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
  const updates = { created: 0, accepted: 0, dropped: 0 };
  let udpKernelDrops: number | null = 0;
  let peersAlive = 0;
  for (const r of results) {
    playout.merge(decodeLatencyHistogram(r.playout));
    lateness.merge(decodeLatencyHistogram(r.lateness));
    loopHistogram.merge(decodeLatencyHistogram(r.eventLoop));
    for (const c of NEO_COUNTERS) counters[c] += r.sample.counters[c];
    updates.created += r.sample.updates.created;
    updates.accepted += r.sample.updates.accepted;
    updates.dropped += r.sample.updates.dropped;
    udpKernelDrops = udpKernelDrops === null || r.sample.kernelDrops === null ? null : udpKernelDrops + r.sample.kernelDrops;
    peersAlive = Math.max(peersAlive, r.sample.peersAlive);
  }
  return { playout, lateness, counters, updates, udpKernelDrops, peersAlive };
}

/** The shards' latest samples summed for one telemetry second (rates only from shards with two samples). */
function mergeLatest(latest: Iterable<{ readonly sample: ShardSample; readonly rates: ShardRates | null }>, configuredRoundMs: number, groupCount: number) {
  const rates: ShardRates = { memberRoundsPerS: 0, messagesPerS: 0, bytesPerS: 0, attempts: 0, shapingDrops: 0 };
  const updates = { accepted: 0, dropped: 0 };
  let peersAlive = 0;
  let memberRounds = 0;
  let kernelDrops: number | null = 0;
  let roundMs = configuredRoundMs;
  // An iterator of the shards' entries: read once.
  const shards = [...latest];
  const tree = quadtreeTotals(shards.map((l) => l.sample));
  const zoneEvents = zoneEventReport(shards.map((l) => l.sample));
  const groupsLive = {
    count: tree?.leafGroups ?? groupCount,
    splits: tree?.splits ?? null,
    merges: tree?.merges ?? null,
    handovers: tree?.handovers ?? null,
    zoneEvents: zoneEvents && zoneEvents.eventsRaised > 0 ? { delivered: zoneEvents.eventsDelivered, expected: zoneEvents.eventsExpected } : null,
    elections: 0,
    viewChanges: 0,
    joins: 0,
    leaves: 0,
    removals: 0,
  };
  for (const { sample, rates: r } of shards) {
    groupsLive.elections += sample.groups.elections;
    groupsLive.viewChanges += sample.groups.viewChanges;
    groupsLive.joins += sample.groups.admitted;
    groupsLive.leaves += sample.groups.leaves;
    groupsLive.removals += sample.groups.removals;
    peersAlive += sample.peersAlive;
    memberRounds += sample.counters.roundsPlayed;
    updates.accepted += sample.updates.accepted;
    updates.dropped += sample.updates.dropped;
    kernelDrops = kernelDrops === null || sample.kernelDrops === null ? null : kernelDrops + sample.kernelDrops;
    roundMs = sample.roundMs;
    if (!r) continue;
    rates.memberRoundsPerS += r.memberRoundsPerS;
    rates.messagesPerS += r.messagesPerS;
    rates.bytesPerS += r.bytesPerS;
    rates.attempts += r.attempts;
    rates.shapingDrops += r.shapingDrops;
  }
  return { rates, updates, peersAlive, kernelDrops, roundMs, groupsLive, memberRounds };
}

/** Each attack entry of the profile as behaviours of its players, seconds turned into rounds. */
function attackPlan(profile: Profile): ShardTask['attacks'] {
  const round = (s: number) => Math.floor((s * 1000) / profile.neo.roundMs);
  const byPlayer = new Map<number, AttackSpec[]>();
  for (const a of profile.attacks) {
    const params = Object.fromEntries(Object.entries(a.params).filter(([, v]) => v !== undefined)) as AttackSpec['params'];
    for (const player of expandPeerSet(a.peers)) {
      byPlayer.set(player, [...(byPlayer.get(player) ?? []), { kind: a.kind, fromRound: round(a.fromS), toRound: Math.max(round(a.fromS), round(a.toS) - 1), ...(params ? { params } : {}) }]);
    }
  }
  return [...byPlayer.entries()].map(([player, specs]) => ({ player, specs }));
}

/**
 * report.json `attacks[]` (SPEC §9), per kind that ran, with the ledger's further figures; then the
 * storage-layer kinds (malicious holders and Sybils, judged against the houses' audits), and the
 * global false-positive count in every row.
 */
function attackReport(summary: AttackLedgerSummary, storage: readonly (StorageAttackSummary | null)[] = [], truth: HonestReadTruth | null = null): RunReport['attacks'] {
  return withStorageAttackRows(neoAttackRows(summary), summary, storage, truth);
}

function neoAttackRows(summary: AttackLedgerSummary): RunReport['attacks'] {
  return summary.kinds
    .filter((k) => k.attackers > 0 || k.attempts > 0)
    .map((k) => ({
      kind: k.kind,
      attempts: k.attempts,
      prevented: k.prevented,
      detected: k.detected,
      falsePositives: k.falsePositives,
      detectionLatencyRounds: k.detectionLatencyRounds.count > 0 ? k.detectionLatencyRounds.p50 : null,
      // For thresholds ("attacks[kind=replay].unprevented == 0"): a threshold compares with a number, not another field.
      // Every attempt that is not prevented, the unobserved and unjudged ones included; those into a
      // view the honest replicas had already left (excluded) are shown apart, not as prevented.
      unprevented: k.attempts - k.excluded - k.prevented,
      // Attempts an honest replica could see (not excluded) without evidence about their own message.
      undetected: k.attempts - k.excluded - k.detected,
      excluded: k.excluded,
      unobserved: k.unobserved,
      unjudged: k.unjudged,
      partial: k.partial,
      resent: k.resent,
      detectionLatencyRoundsMax: k.detectionLatencyRounds.count > 0 ? k.detectionLatencyRounds.max : null,
      detectionLatencies: [...k.detectionLatencies],
      proofsAccepted: k.proofsAccepted,
      bans: k.bans,
      exclusions: k.exclusions,
      attackers: k.attackers,
      honestDivergentRounds: summary.honestDivergentRounds,
    }));
}

function mergedDht(samples: readonly ShardSample[]) {
  const latency = createLatencyHistogram();
  const hops: number[] = [];
  const sum = { lookups: 0, succeeded: 0, failed: 0, recordsStored: 0, recordsServed: 0, recordsRejected: 0, rateLimited: 0 };
  const membership = { verified: 0, badCredentials: 0, refusedContacts: 0, refusedStores: 0, ignoredAnswers: 0, storeRetries: 0, storesRefused: 0 };
  for (const s of samples) {
    latency.merge(decodeLatencyHistogram(s.dht.latency));
    s.dht.hops.forEach((n, h) => (hops[h] = (hops[h] ?? 0) + n));
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += s.dht[k];
    for (const k of Object.keys(membership) as (keyof typeof membership)[]) membership[k] += s.dht.membership[k];
  }
  const counted = hops.reduce((a, b) => a + (b ?? 0), 0);
  const hopsMean = counted > 0 ? hops.reduce((a, n, h) => a + h * (n ?? 0), 0) / counted : 0;
  const decided = sum.succeeded + sum.failed;
  const used = hops.reduce((last, n, h) => ((n ?? 0) > 0 ? h + 1 : last), 0);
  return { ...sum, membership, latency, hops: Array.from(hops.slice(0, used), (n) => n ?? 0), hopsMean, successRate: decided > 0 ? sum.succeeded / decided : 0 };
}

function liveDht(samples: readonly ShardSample[]): LiveSnapshot['dht'] {
  if (samples.length === 0) return null;
  const m = mergedDht(samples);
  const s = m.latency.summary();
  return {
    lookups: m.lookups,
    p50: s.p50,
    p99: s.p99,
    hops: m.hopsMean,
    successPct: m.successRate * 100,
    stored: m.recordsStored,
    served: m.recordsServed,
    rejected: m.recordsRejected,
    acPerPlayerMin: acMessagesPerPlayerMinute(samples),
  };
}

/** Datagrams exchanged with the authority after each player's join, per player-minute since its join. */
function acMessagesPerPlayerMinute(samples: readonly ShardSample[]): number {
  let acMessages = 0;
  let playerMs = 0;
  for (const x of samples) {
    acMessages += x.auth.acMessagesAfterJoin;
    playerMs += x.auth.playerMsAfterJoin;
  }
  return playerMs > 0 ? acMessages / (playerMs / 60_000) : 0;
}

function dhtReport(samples: readonly ShardSample[]): RunReport['dht'] {
  const m = mergedDht(samples);
  const { latency, ...rest } = m;
  return { ...rest, lookupLatencyMs: latencyFigures(latency) };
}

function authReport(samples: readonly ShardSample[], authority: Record<string, number>): RunReport['auth'] {
  const rejected = { banned: 0, expired: 0, forged: 0, unknown: 0 };
  const verdicts = { ok: 0, banned: 0, expired: 0, forged: 0, unknown: 0 };
  let registrations = 0;
  let registrationFailures = 0;
  let republished = 0;
  for (const s of samples) {
    registrations += s.auth.registrations;
    registrationFailures += s.auth.registrationFailures;
    republished += s.auth.republished;
    for (const k of Object.keys(rejected) as (keyof typeof rejected)[]) rejected[k] += s.auth.ignored[k];
    for (const k of Object.keys(verdicts) as (keyof typeof verdicts)[]) verdicts[k] += s.auth.verdicts[k];
  }
  return {
    acMessagesPerPlayerMinute: acMessagesPerPlayerMinute(samples),
    registrations,
    registrationFailures,
    republished,
    rejected,
    verdicts,
    bans: authority['bans'] ?? 0,
    authorityMessages: (authority['messagesReceived'] ?? 0) + (authority['messagesSent'] ?? 0),
  };
}

/** Group figures for the report: summed shard totals (each change reported once, by its group). */
function groupFigures(results: readonly ShardResult[], count: number): RunReport['groups'] {
  const sum = { viewChanges: 0, admitted: 0, leaves: 0, removals: 0, elections: 0 };
  const members: Record<string, number> = {};
  const failovers: Record<string, number> = {};
  for (const r of results) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r.sample.groups[k];
    addCounts(failovers, r.sample.groups.leaderFailovers);
    addCounts(members, r.sample.groups.memberCounters);
  }
  const tree = quadtreeTotals(results.map((r) => r.sample));
  return {
    count: tree?.leafGroups ?? count,
    splits: tree?.splits ?? null,
    merges: tree?.merges ?? null,
    ...(tree
      ? {
          handovers: tree.handovers,
          founded: tree.founded,
          handoverGapRounds: countFigures(tree.handoverGaps),
          topologyConsistency: tree.aoiExisting > 0 ? tree.aoiKnown / tree.aoiExisting : null,
          zone: tree.zone,
        }
      : {}),
    elections: sum.elections,
    leaderFailoverRounds: countFigures(failovers),
    viewChanges: sum.viewChanges,
    joins: sum.admitted,
    leaves: sum.leaves,
    removals: sum.removals,
    members,
  };
}

/** The live compute panel's figures: the shards' steps, proofs, escapes and outcomes so far. */
function liveCompute(c: ComputeReport): LiveSnapshot['compute'] {
  return {
    r: c.r,
    bound: c.bound,
    steps: c.steps,
    reexecuted: c.reexecuted,
    proofsAccepted: c.proofsAccepted,
    bans: c.bans,
    trials: c.trials,
    escapes: c.escapes,
    theoreticalEscape: c.theoreticalEscape,
    latencyP99: c.executorLatencyMs.count > 0 ? c.executorLatencyMs.p99 : null,
    outcomesApplied: c.outcomesApplied,
    outcomesAnnounced: c.outcomesAnnounced,
    hpTaken: c.hpTaken,
    goldGiven: c.goldGiven,
  };
}

function liveStorage(samples: readonly ShardSample[]): LiveSnapshot['storage'] {
  const report = storageReport(samples);
  if (!report) return null;
  const { permanent: p, ephemeral: e } = report;
  return {
    houses: p && { stored: p.stored, lost: p.finalChecked > 0 ? p.lost : null, audits: p.audits, misses: p.auditMisses },
    areas: e && { stored: e.stored, lost: e.lost, restored: e.restoredByReset, resets: e.resets },
    putP99: report.putLatencyMs.p99,
    getP99: report.getLatencyMs.p99,
  };
}

/** The shards' house and area audits summed, their latency histograms merged; null in a run without storage. */
function storageReport(samples: readonly ShardSample[], malicious: readonly { readonly share: number; readonly behaviour: 'drop' | 'tamper' | 'stale' }[] | null = null): RunReport['storage'] {
  const houses = mergeHouseAuditFigures(samples.flatMap((s) => (s.storage ? [s.storage] : [])));
  const areas = mergeEphemeralFigures(samples.flatMap((s) => (s.ephemeral ? [s.ephemeral] : [])));
  const characters = mergeCharacterFigures(samples.flatMap((s) => (s.characters ? [withoutColluding(s.characters)] : [])));
  const engagements = mergeEngagementFigures(samples.flatMap((s) => (s.engagements ? [s.engagements] : [])));
  if (!houses && !areas && !characters && !engagements) return null;
  const puts = createLatencyHistogram();
  const gets = createLatencyHistogram();
  for (const encoded of [houses?.saveLatency, areas?.writeLatency]) if (encoded) puts.merge(decodeLatencyHistogram(encoded));
  for (const encoded of [houses?.readLatency, areas?.fetchLatency]) if (encoded) gets.merge(decodeLatencyHistogram(encoded));
  const holders = samples.flatMap((s) => (s.maliciousHolders ? [s.maliciousHolders] : []));
  const sum = (k: 'nodes' | 'storesDropped' | 'lookupsDropped' | 'valuesTampered' | 'staleServed' | 'staleRepaired') => holders.reduce((a, h) => a + h[k], 0);
  return {
    permanent: houses && withoutLatencies(houses, 'saveLatency', 'readLatency'),
    ephemeral: areas && withoutLatencies(areas, 'writeLatency', 'fetchLatency'),
    characters,
    engagements,
    putLatencyMs: latencyFigures(puts),
    getLatencyMs: latencyFigures(gets),
    maliciousHolders: malicious && {
      share: malicious.reduce((a, m) => a + m.share, 0),
      behaviour: malicious.length === 1 ? (malicious[0] as (typeof malicious)[number]).behaviour : 'mixed',
      behaviours: malicious.map((m) => ({ share: m.share, behaviour: m.behaviour })),
      nodes: sum('nodes'),
      storesDropped: sum('storesDropped'),
      lookupsDropped: sum('lookupsDropped'),
      valuesTampered: sum('valuesTampered'),
      staleServed: sum('staleServed'),
      staleRepaired: sum('staleRepaired'),
    },
  };
}

/** A shard's character figures without its colluding witnesses' friends (they go to attacks[]). */
function withoutColluding<T extends { readonly colluding: unknown }>(figures: T): Omit<T, 'colluding'> {
  const { colluding: _friends, ...rest } = figures;
  return rest;
}

/** A component's figures without its encoded histograms: the counts report.json shows. */
function withoutLatencies<T extends object, K extends keyof T>(figures: T, ...latencies: K[]): Omit<T, K> {
  const counts = { ...figures };
  for (const k of latencies) delete counts[k];
  return counts;
}

/** The shards' zone-event figures summed, their latency histograms merged; null in a run without a world. */
function zoneEventReport(samples: readonly ShardSample[]): RunReport['zones'] {
  const trees = samples.flatMap((s) => (s.groups.quadtree ? [s.groups.quadtree] : []));
  if (trees.length === 0) return null;
  const figures = trees.flatMap((t) => (t.events ? [t.events] : []));
  const latency = createLatencyHistogram();
  for (const f of figures) latency.merge(decodeLatencyHistogram(f.latency));
  const sum = (k: 'raised' | 'unraised' | 'expected' | 'delivered' | 'duplicated' | 'ended') => figures.reduce((a, f) => a + f[k], 0);
  return {
    eventsRaised: sum('raised'),
    eventsUnraised: sum('unraised'),
    eventsExpected: sum('expected'),
    eventsDelivered: sum('delivered'),
    eventsDuplicated: sum('duplicated'),
    groupsEnded: sum('ended'),
    eventLatencyMs: latencyFigures(latency),
  };
}

type QuadtreeTotals = Omit<NonNullable<ShardSample['groups']['quadtree']>, 'events'>;

/** The shards' quadtree figures summed; null in a run without a world. */
function quadtreeTotals(samples: readonly ShardSample[]): QuadtreeTotals | null {
  const trees = samples.flatMap((s) => (s.groups.quadtree ? [s.groups.quadtree] : []));
  if (trees.length === 0) return null;
  const gaps: Record<string, number> = {};
  for (const t of trees) addCounts(gaps, t.handoverGaps);
  const sum = (k: 'splits' | 'merges' | 'handovers' | 'founded' | 'leafGroups' | 'aoiKnown' | 'aoiExisting') => trees.reduce((a, t) => a + t[k], 0);
  const zone: Record<string, number> = {};
  for (const t of trees) addCounts(zone, t.zone);
  return { splits: sum('splits'), merges: sum('merges'), handovers: sum('handovers'), founded: sum('founded'), leafGroups: sum('leafGroups'), handoverGaps: gaps, aoiKnown: sum('aoiKnown'), aoiExisting: sum('aoiExisting'), zone };
}

/** Adds each count of `from` to the same key of `into`: shard counters merged by name. */
function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Exact percentiles of a small integer measure (hand-over gaps, failover rounds) from its counts by value: no histogram needed. */
export function countFigures(counts: Readonly<Record<string, number>>): { count: number; p50: number; p99: number; max: number } {
  const sorted = Object.entries(counts).map(([gap, n]) => [Number(gap), n] as const).sort((a, b) => a[0] - b[0]);
  const count = sorted.reduce((a, [, n]) => a + n, 0);
  const at = (q: number) => {
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (const [gap, n] of sorted) if ((seen += n) >= rank) return gap;
    return 0;
  };
  return { count, p50: count ? at(0.5) : 0, p99: count ? at(0.99) : 0, max: sorted.length ? (sorted[sorted.length - 1] as readonly [number, number])[0] : 0 };
}

/**
 * Each host's health from its shards' own figures (docs/agents.md): the event-loop delay and timer
 * lateness of its threads (their HdrHistograms merged), its sockets' kernel drops, and whether those
 * saturate it by the same rule as the run's.
 */
function hostHealth(results: readonly ShardResult[], shards: LiveFigures['shards'], firstSamples: LiveFigures['firstSamples']): NonNullable<RunReport['harness']['hosts']> {
  const byHost = new Map<string, ShardResult[]>();
  for (const r of results) {
    const host = shards[r.shardIndex]?.host ?? 'local';
    byHost.set(host, [...(byHost.get(host) ?? []), r]);
  }
  return [...byHost].map(([host, rs]) => {
    const loop = createLatencyHistogram().mergeEncoded(rs.map((r) => r.eventLoop)).summary().p99;
    const late = createLatencyHistogram().mergeEncoded(rs.map((r) => r.lateness)).summary().p99;
    const drops = rs.some((r) => r.sample.kernelDrops === null) ? null : rs.reduce((n, r) => n + (r.sample.kernelDrops ?? 0), 0);
    const reasons = saturation(loop, late, drops);
    return { host, shards: rs.map((r) => r.shardIndex), eventLoopDelayMsP99: loop, timerLatenessMsP99: late, udpKernelDrops: drops, cpuCores: hostCpuCores(rs, firstSamples), saturated: reasons.length > 0, saturationReasons: reasons };
  });
}

/**
 * The cores a host's process used between the first and the last samples of its shards (every
 * thread of the process: an agent's shards, or this process with its own threads), read from the
 * shard that reported longest. Null when no shard sent two samples with CPU.
 */
function hostCpuCores(results: readonly ShardResult[], firstSamples: LiveFigures['firstSamples']): number | null {
  let best: { cpuMs: number; spanMs: number } | null = null;
  for (const r of results) {
    const first = firstSamples.get(r.shardIndex);
    const last = r.sample;
    if (first?.processCpuMs === undefined || last.processCpuMs === undefined || last.atMs <= first.atMs) continue;
    const span = { cpuMs: last.processCpuMs - first.processCpuMs, spanMs: last.atMs - first.atMs };
    if (!best || span.spanMs > best.spanMs) best = span;
  }
  return best ? best.cpuMs / best.spanMs : null;
}

function saturation(loopP99: number, latenessP99: number, kernelDrops: number | null): string[] {
  const reasons: string[] = [];
  if (loopP99 > SATURATION.eventLoopDelayMsP99) reasons.push(`event-loop delay p99 ${loopP99.toFixed(1)} ms > ${SATURATION.eventLoopDelayMsP99} ms`);
  if (latenessP99 > SATURATION.timerLatenessMsP99) reasons.push(`timer lateness p99 ${latenessP99.toFixed(1)} ms > ${SATURATION.timerLatenessMsP99} ms`);
  if (kernelDrops !== null && kernelDrops > 0) reasons.push(`${kernelDrops} datagrams dropped by the kernel (receive buffers full)`);
  return reasons;
}
