import type { AttackLedger } from '../attacks/index.js';
import { colludingStep } from '../attacks/colluding-executor.js';
import type { AuthClient, BanCertificate, KeyCertificate } from '../auth/index.js';
import {
  AGGRO_TILES,
  chooseExecutors,
  drawAllColludersProbability,
  encodeComputeWrongResultProof,
  monsterInputsDigest,
  runMonsterStep,
  signResult,
  spawnMonsters,
  stepResultDigest,
  type ComputeService,
  type ComputeServiceDeps,
  type Monster,
  type MonsterStepInputs,
  type SignedResult,
  type StepPlayer,
  escapeFigures,
} from '../compute/index.js';
import { equalBytes, toHex, type Signer } from '../crypto/index.js';
import type { GameSnapshot } from '../game/index.js';
import { createLatencyHistogram, decodeLatencyHistogram, latencyFigures } from '../metrics/index.js';
import type { ComputeReport } from '../report/model.js';
import type { Endpoint } from '../net/index.js';
import type { ColludingExecutorsSpec, ComputeAttackSpec, ComputeSpec, IsolatedExecutorSpec } from '../scenario/compute.js';
import type { ShardComponentDeps } from './shard-component.js';

/**
 * Replicated computation in a shard (docs/compute.md, "In the harness"): every group's area has
 * monsters that step every `everyS`; the group's coordinator (its lowest seat hosted here) draws r
 * executors from the shard's certified players, asks them over UDP, and cross-checks their signed
 * results; wrong results become cheat proofs at the authority, and a ban excludes the offender from
 * its group and from the candidates. The component also runs the scheduled computation attacks
 * (colluding executors as the players' step hook, an isolated player's own step offered to the
 * cross-check) and keeps the ground truth: it runs every step itself to know whether the result
 * taken was the honest one, so escapes are measured, not inferred.
 */

/** r for the run and the formula's bound (src/controller/run-plan.ts). */
export interface ComputeDraw {
  readonly r: number;
  readonly bound: number;
  /** n in the formula: the candidates a draw takes from (over the shards, the fewest players outside the shard's largest planned group). */
  readonly candidates: number;
}

/** A player as the computation sees it. */
export interface ComputeHost {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
  readonly endpoint: Endpoint;
  readonly compute: ComputeService;
  readonly auth: Pick<AuthClient, 'lookup' | 'submitProof'>;
  /** Registered, socket open, playing or waiting: it can execute. */
  readonly candidate: boolean;
  /** Cheats in its group (a NEO attack): never chosen to coordinate where an honest member can. */
  readonly cheats: boolean;
  /** Its group now: the agreed view's session and members, its seat, and the game as it played it; null outside one. */
  group(): HostGroup | null;
  /** A member of the offender's group proposes its exclusion on the ban (GroupMember.exclude). */
  exclude(ban: BanCertificate, keyCertificate: KeyCertificate): boolean;
}

export interface HostGroup {
  readonly session: Uint8Array;
  readonly members: readonly { readonly publicKey: Uint8Array }[];
  readonly seat: number;
  readonly game: { snapshot(): GameSnapshot; stateHash(): Uint8Array };
}

export interface ShardComputeDeps extends ShardComponentDeps {
  readonly runSeed: number;
  readonly draw: ComputeDraw;
  readonly ledger: AttackLedger;
  readonly keyOf: (id: number) => Uint8Array;
  /** The players this shard hosts: it registers only its own attackers with the (per-shard) ledger. */
  readonly hosted: ReadonlySet<number>;
  readonly expand: (set: string | number[]) => number[];
}

/** The counts a shard keeps: report.json's, and the two the merge turns into rates (theoreticalSum, candidateSeconds). */
const FIGURE_COUNTS = ['processes', 'steps', 'agreed', 'reexecuted', 'incomplete', 'redraws', 'silentExecutors', 'wrongTaken', 'wrongNamed', 'honestNamed', 'proofsSubmitted', 'proofsAccepted', 'proofsRefused', 'bans', 'trials', 'escapes', 'executions', 'bites', 'drops', 'theoreticalSum', 'candidateSeconds'] as const;
type FigureCount = (typeof FIGURE_COUNTS)[number];

/** What one shard measured (merged by computeReport): report.json's counts, documented there. */
export type ComputeFigures = Pick<ComputeReport, Exclude<FigureCount, 'theoreticalSum' | 'candidateSeconds'>> & {
  /** The formula's chance (drawAllColludersProbability) summed over the trials' draws. */
  readonly theoreticalSum: number;
  /** Candidates at each epoch × everyS: the denominator of executions per player per second. */
  readonly candidateSeconds: number;
  /** Step latency (ask → cross-check done), encoded HdrHistogram. */
  readonly latency: string;
};

const zeroCounts = (): Record<FigureCount, number> => Object.fromEntries(FIGURE_COUNTS.map((k) => [k, 0])) as Record<FigureCount, number>;

export interface ShardCompute {
  /** The executor's step a player is given (PlayerDeps.computeStep): a colluder's, or undefined for the honest one. */
  stepHook(id: number): ComputeServiceDeps['step'] | undefined;
  /** Whether player `id` attacks the computation (never a coordinator, never counted honest). */
  attacks(id: number): boolean;
  start(startAtMs: number, endAtMs: number, hosts: () => readonly ComputeHost[]): void;
  figures(): ComputeFigures;
}

/** Within an epoch, a process steps at its own offset (hashed from its id), so a shard's steps do not all fall in one instant. */
const EPOCH_SPREAD = 0.8;

interface Process {
  readonly id: Uint8Array;
  readonly seed: string;
  monsters: Monster[];
  generation: number;
  busy: boolean;
  readonly offsetShare: number;
}

export function createShardCompute(spec: ComputeSpec, attacks: readonly ComputeAttackSpec[], deps: ShardComputeDeps): ShardCompute {
  const everyMs = spec.everyS * 1000;
  const r = deps.draw.r;
  const colluding = attacks.filter((a): a is ColludingExecutorsSpec => a.kind === 'colluding-executors');
  const isolated = attacks.filter((a): a is IsolatedExecutorSpec => a.kind === 'isolated-executor');
  const colluderSpec = new Map(colluding.flatMap((a) => deps.expand(a.colluders).map((id) => [id, a] as const)));
  const attackers = new Set([...colluderSpec.keys(), ...isolated.map((a) => a.player)]);
  const colluderKeys = new Map([...colluderSpec.keys()].map((id) => [toHex(deps.keyOf(id)), id]));
  for (const id of colluderSpec.keys()) if (deps.hosted.has(id)) deps.ledger.registerAttacker('colluding-executors', deps.keyOf(id));
  for (const a of isolated) if (deps.hosted.has(a.player)) deps.ledger.registerAttacker('isolated-executor', deps.keyOf(a.player));
  /** Steps whose every drawn executor is a colluder: what `all-drawn` colluders agree on out of band (the draw is public, so they can). */
  const allColludersDrawn = new Set<string>();
  const banned = new Set<string>();
  const proofsInFlight = new Set<string>();
  const processes = new Map<string, Process>();
  const latency = createLatencyHistogram();
  const f = zeroCounts();
  let startAtMs = 0;
  let hostsNow: () => readonly ComputeHost[] = () => [];

  const windowOpen = (a: { fromS: number; toS: number }) => {
    const tS = (deps.clock.nowMs() - startAtMs) / 1000;
    return tS >= a.fromS && tS < a.toS;
  };
  const colludes = (hex: string) => {
    const id = colluderKeys.get(hex);
    const a = id === undefined ? undefined : colluderSpec.get(id);
    return a !== undefined && !banned.has(hex) && windowOpen(a);
  };
  const stepKey = (inputs: MonsterStepInputs) => `${inputs.seed}|${inputs.inputs.epoch}`;

  const processOf = (session: Uint8Array, label = 'monsters'): Process => {
    const key = `${label}/${toHex(session).slice(0, 32)}`;
    let p = processes.get(key);
    if (!p) {
      const id = new TextEncoder().encode(key);
      processes.set(key, (p = { id, seed: `${deps.runSeed}/${key}`, monsters: [], generation: 0, busy: false, offsetShare: deps.rng.fork(key).float() }));
    }
    return p;
  };

  /** One step of `process` coordinated by `coordinator` for the players `players` (seats of its group, or its own for an isolated area). */
  const step = async (process: Process, epoch: number, coordinator: ComputeHost, group: HostGroup, players: StepPlayer[], affected: readonly Uint8Array[], cheater: ComputeHost | null) => {
    if (process.monsters.length === 0) process.monsters = spawnMonsters(`${process.seed}#${process.generation++}`, spec.monsters, spawnArea(players, group.game.snapshot().worldSize));
    const inputs: MonsterStepInputs = { seed: process.seed, monsters: process.monsters, inputs: { epoch, players: withAttacks(players, process.monsters) } };
    const draw = { processId: process.id, epoch, stateHash: group.game.stateHash() };
    const truth = runMonsterStep(inputs);
    const offered = cheater ? [isolatedResult(cheater, draw, inputs)] : [];
    let candidates = candidateHosts();
    const startedMs = deps.clock.nowMs();
    let outcome = await ask(coordinator, draw, candidates, affected, inputs, offered);
    if (outcome.check.outcome === 'incomplete' && outcome.silent.length > 0) {
      // Silent executors (crashed, or gone) are left out and the step drawn again from the rest.
      f.redraws++;
      const silent = new Set(outcome.silent.map(toHex));
      candidates = candidates.filter((h) => !silent.has(toHex(h.publicKey)));
      outcome = await ask(coordinator, draw, candidates, affected, inputs, offered);
    }
    latency.recordMs(deps.clock.nowMs() - startedMs);
    f.steps++;
    f.silentExecutors += outcome.silent.length;
    f[outcome.check.outcome === 'incomplete' ? 'incomplete' : outcome.check.outcome === 'agreed' ? 'agreed' : 'reexecuted']++;
    if (!outcome.taken) return;
    const takenDigest = stepResultDigest(outcome.taken);
    const wrong = !equalBytes(takenDigest, truth);
    if (wrong) f.wrongTaken++;
    process.monsters = [...outcome.taken.monsters];
    for (const e of outcome.taken.events) f[e.kind === 'bite' ? 'bites' : 'drops']++;
    const named = outcome.check.outcome === 're-executed' ? outcome.check.wrong : [];
    judge(outcome.results, named, wrong, candidates, affected, coordinator);
    if (cheater) deps.ledger.judgedAttempt('isolated-executor', cheater.publicKey, { prevented: !equalBytes(takenDigest, offered[0]?.statement.resultDigest ?? truth), detected: false });
    for (const w of named) void prove(coordinator, w, inputs);
  };

  const ask = (coordinator: ComputeHost, draw: { processId: Uint8Array; epoch: number; stateHash: Uint8Array }, candidates: readonly ComputeHost[], affected: readonly Uint8Array[], inputs: MonsterStepInputs, offered: readonly SignedResult[]) => {
    const keys = candidates.map((h) => h.publicKey);
    const chosen = new Set(chooseExecutors(draw, keys, Math.min(r, keys.length), affected).map(toHex));
    const executors = candidates.filter((h) => chosen.has(toHex(h.publicKey)));
    if (executors.length > 0 && executors.every((h) => colludes(toHex(h.publicKey)))) allColludersDrawn.add(stepKey(inputs));
    return coordinator.compute.compute({ draw, candidates: keys, r: Math.min(r, keys.length), affected, executors: executors.map((h) => ({ publicKey: h.publicKey, endpoint: h.endpoint })), inputs, offered });
  };

  /** The trial's figures, and the colluders' attempt as the attack ledger sees it. */
  const judge = (results: readonly SignedResult[], named: readonly SignedResult[], wrong: boolean, candidates: readonly ComputeHost[], affected: readonly Uint8Array[], coordinator: ComputeHost) => {
    for (const w of named) {
      f.wrongNamed++;
      const hex = toHex(w.executor);
      if (!colluderKeys.has(hex)) f.honestNamed++;
      deps.ledger.evidence(coordinator.publicKey, w.executor, f.steps);
    }
    if (colluding.some(windowOpen)) {
      f.trials++;
      if (wrong) f.escapes++;
      f.theoreticalSum += allColludersChance(candidates, affected);
    }
    const liar = results.find((res) => colluderKeys.has(toHex(res.executor)) && (wrong || named.includes(res)));
    if (liar) deps.ledger.judgedAttempt('colluding-executors', liar.executor, { prevented: !wrong, detected: named.length > 0 });
  };

  /** The chance this draw named only colluders: C(c, r) / C(n, r) over the candidates outside the area (drawAllColludersProbability). */
  const allColludersChance = (candidates: readonly ComputeHost[], affected: readonly Uint8Array[]) => {
    const inArea = new Set(affected.map(toHex));
    const side = (within: boolean) => {
      const hosts = candidates.filter((h) => inArea.has(toHex(h.publicKey)) === within);
      return { n: hosts.length, c: hosts.filter((h) => colludes(toHex(h.publicKey))).length };
    };
    const others = side(false);
    const area = side(true);
    return others.n + area.n < r ? 0 : drawAllColludersProbability(others, area, r);
  };

  /** A signed wrong result to the authority, once per offender; a ban excludes it from its group and the candidates. */
  const prove = async (coordinator: ComputeHost, wrong: SignedResult, inputs: MonsterStepInputs) => {
    const hex = toHex(wrong.executor);
    if (banned.has(hex) || proofsInFlight.has(hex)) return;
    proofsInFlight.add(hex);
    try {
      const lookup = await coordinator.auth.lookup({ publicKey: wrong.executor });
      if (!lookup.ok || !lookup.keyCertificate) return;
      f.proofsSubmitted++;
      const result = await coordinator.auth.submitProof(encodeComputeWrongResultProof(lookup.keyCertificate, wrong, inputs));
      if (!result.ok) {
        f.proofsRefused++;
        return;
      }
      f.proofsAccepted++;
      f.bans++;
      banned.add(hex);
      deps.ledger.proofAccepted(coordinator.publicKey, wrong.executor);
      const cert = lookup.keyCertificate;
      const ban = result.ban;
      for (const h of hostsNow()) {
        const g = h.group();
        if (h.candidate && !attackers.has(h.id) && g?.members.some((m) => equalBytes(m.publicKey, wrong.executor)) && h.exclude(ban, cert)) break;
      }
    } catch (e) {
      deps.onError(e);
    } finally {
      proofsInFlight.delete(hex);
    }
  };

  const candidateHosts = () => hostsNow().filter((h) => h.candidate && !banned.has(toHex(h.publicKey)));

  /** The cheater's own step of its own area: every monster dead, the treasure to it, signed by it. */
  const isolatedResult = (cheater: ComputeHost, draw: { processId: Uint8Array; epoch: number; stateHash: Uint8Array }, inputs: MonsterStepInputs): SignedResult => {
    const own = colludingStep(0)(() => ({ monsters: [], events: [] }))(inputs);
    return signResult(cheater.signer, { processId: draw.processId, epoch: draw.epoch, stateHash: draw.stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest: stepResultDigest(own) });
  };

  const epoch = (n: number) => {
    const hosts = hostsNow();
    f.candidateSeconds += candidateHosts().length * spec.everyS;
    // A group's coordinator: its lowest seat hosted here, an honest player before any attacker.
    const coordinators = new Map<string, { host: ComputeHost; group: HostGroup; rank: number }>();
    for (const h of hosts) {
      const g = h.candidate ? h.group() : null;
      if (!g) continue;
      const key = toHex(g.session);
      const rank = (attackers.has(h.id) || h.cheats ? 1 << 16 : 0) + g.seat;
      const best = coordinators.get(key);
      if (!best || rank < best.rank) coordinators.set(key, { host: h, group: g, rank });
    }
    const epochStartMs = startAtMs + n * everyMs;
    for (const { host, group } of coordinators.values()) {
      const process = processOf(group.session);
      const snapshot = group.game.snapshot();
      const players = snapshot.members.flatMap((m, seat): StepPlayer[] => (m.alive ? [{ seat, x: m.x, y: m.y, attacks: 0 }] : []));
      schedule(process, epochStartMs, () => step(process, n, host, group, players, group.members.map((m) => m.publicKey), null));
    }
    for (const a of isolated) {
      const cheater = hosts.find((h) => h.id === a.player && h.candidate);
      const group = cheater?.group();
      if (!cheater || !group || !windowOpen(a)) continue;
      const process = processOf(cheater.publicKey, 'isolated');
      const me = group.game.snapshot().members[group.seat];
      if (!me) continue;
      schedule(process, epochStartMs, () => step(process, n, cheater, group, [{ seat: 0, x: me.x, y: me.y, attacks: 0 }], [cheater.publicKey], cheater));
    }
  };

  const schedule = (process: Process, epochStartMs: number, run: () => Promise<void>) => {
    deps.scheduler.schedule(epochStartMs + Math.floor(process.offsetShare * EPOCH_SPREAD * everyMs), () => {
      if (process.busy) return;
      process.busy = true;
      run()
        .catch(deps.onError)
        .finally(() => (process.busy = false));
    });
  };

  return {
    stepHook(id) {
      const a = colluderSpec.get(id);
      if (!a) return undefined;
      const hex = toHex(deps.keyOf(id));
      return (honest) => {
        const lie = colludingStep(0)(honest);
        return (inputs) => (colludes(hex) && (a.strategy === 'always' || allColludersDrawn.has(stepKey(inputs))) ? lie(inputs) : honest(inputs));
      };
    },
    attacks: (id) => attackers.has(id),
    start(at, endAtMs, hosts) {
      startAtMs = at;
      hostsNow = hosts;
      const epochs = Math.floor((endAtMs - at) / everyMs);
      // Epoch 0 is left to the groups' first rounds; each later epoch is scheduled at its start.
      for (let n = 1; n < epochs; n++) deps.scheduler.schedule(at + n * everyMs, () => epoch(n));
    },
    figures: () => ({ ...f, processes: processes.size, executions: sumExecutions(hostsNow()), latency: latency.encode() }),
  };
}

function sumExecutions(hosts: readonly ComputeHost[]): number {
  let n = 0;
  for (const h of hosts) n += h.compute.counters().executed;
  return n;
}

/** Players attack the monster beside them (Chebyshev 1), the lowest id first: their blows, as the step's inputs. */
function withAttacks(players: readonly StepPlayer[], monsters: readonly Monster[]): StepPlayer[] {
  return players.map((p) => {
    const target = monsters.find((m) => m.hp > 0 && Math.max(Math.abs(m.x - p.x), Math.abs(m.y - p.y)) <= 1);
    return { ...p, attacks: target ? target.id + 1 : 0 };
  });
}

/** Where an area's monsters spawn: around its players (their bounding box widened by the chase distance), inside the world. */
function spawnArea(players: readonly StepPlayer[], worldSize: number): { x: number; y: number; w: number; h: number } {
  if (players.length === 0) return { x: 0, y: 0, w: worldSize, h: worldSize };
  const xs = players.map((p) => p.x);
  const ys = players.map((p) => p.y);
  const x = Math.max(0, Math.min(...xs) - AGGRO_TILES);
  const y = Math.max(0, Math.min(...ys) - AGGRO_TILES);
  return { x, y, w: Math.min(worldSize, Math.max(...xs) + AGGRO_TILES + 1) - x, h: Math.min(worldSize, Math.max(...ys) + AGGRO_TILES + 1) - y };
}

/** The draw as the run prints it at the start: r, and the formula that chose it. */
export function describeComputeDraw(draw: ComputeDraw, spec: ComputeSpec): string {
  return `computation: r = ${draw.r} executors per step, the smallest r with C(c, r) / C(n, r) < T for n = ${draw.candidates} candidates, c = ${Math.min(spec.assumedColluders, draw.candidates)} assumed colluders, T = ${spec.tolerance}: bound ${draw.bound.toPrecision(3)}`;
}

/**
 * report.json `compute` from every shard's figures: sums, the step latency merged from the shards'
 * HdrHistograms, and the escape rate beside the formula (escapeFigures: Wilson interval).
 */
export function computeReport(all: readonly ComputeFigures[], draw: ComputeDraw, spec: ComputeSpec, durationS: number): ComputeReport {
  const sum = zeroCounts();
  const latency = createLatencyHistogram();
  for (const fig of all) {
    for (const k of FIGURE_COUNTS) sum[k] += fig[k];
    latency.merge(decodeLatencyHistogram(fig.latency));
  }
  const { theoreticalSum, candidateSeconds, ...counts } = sum;
  const escape = escapeFigures(sum.trials, sum.escapes, sum.trials > 0 ? theoreticalSum / sum.trials : 0);
  return {
    r: draw.r,
    bound: draw.bound,
    candidates: draw.candidates,
    assumedColluders: spec.assumedColluders,
    tolerance: spec.tolerance,
    ...counts,
    stepsPerS: durationS > 0 ? sum.steps / durationS : 0,
    executionsPerPlayerPerS: candidateSeconds > 0 ? sum.executions / candidateSeconds : 0,
    escapeRate: escape.escapeRate,
    theoreticalEscape: escape.theoreticalEscape,
    interval95: escape.interval95,
    formulaInside: escape.formulaInside,
    executorLatencyMs: latencyFigures(latency),
  };
}
