import { colludingStep, type AttackLedger } from '../attacks/index.js';
import type { AuthClient, BanCertificate, KeyCertificate } from '../auth/index.js';
import {
  AGGRO_TILES,
  chooseExecutors,
  drawAllColludersProbability,
  encodeComputeWrongResultProof,
  monsterInputsDigest,
  encodeStepResult,
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
  type ExecutorDraw,
  escapeFigures,
  judgeOutcome,
  isOutcomeVote,
  outcomeVoteRound,
  OUTCOME_LEAD_MS,
  tallyOutcomeVotes,
  MAX_OUTCOME_EFFECTS,
  MAX_OUTCOME_SIGNERS,
  ComputeOutcome,
  type ComputeOutcomeBody,
  type StepResult,
} from '../compute/index.js';
import { LruCache, equalBytes, sha256, toHex, type Signer } from '../crypto/index.js';
import type { GameSnapshot } from '../game/index.js';
import type { GroupMemberDeps } from '../groups/index.js';
import { createLatencyHistogram, decodeLatencyHistogram, latencyFigures } from '../metrics/index.js';
import type { ComputeReport } from '../report/model.js';
import { MAX_AUTHENTICATED_BODY_BYTES, encodeWith } from '../wire/index.js';
import type { Endpoint, SignatureVerifier } from '../net/index.js';
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
  /** Its member of group session `session` as a voter on that group's outcomes; null outside it. */
  voter(session: Uint8Array): OutcomeVoter | null;
}

export interface HostGroup {
  readonly session: Uint8Array;
  readonly members: readonly { readonly publicKey: Uint8Array; readonly endpoint: Endpoint }[];
  readonly seat: number;
  readonly game: { readonly lastRound: number; snapshot(): GameSnapshot; stateHash(): Uint8Array };
  /** The round in progress on this member's schedule and the round length; null before it holds a view. */
  schedule(): { readonly roundNow: number; readonly roundMs: number } | null;
}

/** A player's member of one group as it votes on an outcome announced there (GroupMember: playedHashAt, voteAt). */
export interface OutcomeVoter {
  readonly publicKey: Uint8Array;
  /** Its agreed view's members (only they announce to it; the draw ranks them last) and its game's seats. */
  readonly members: readonly Uint8Array[];
  readonly seats: number;
  /** The last round its game played, and its round schedule. */
  lastRound(): number;
  schedule(): ReturnType<HostGroup['schedule']>;
  playedHashAt(round: number): string | undefined;
  voteAt(round: number, notice: Uint8Array): boolean;
}

export interface ShardComputeDeps extends ShardComponentDeps {
  readonly runSeed: number;
  readonly draw: ComputeDraw;
  readonly ledger: AttackLedger;
  readonly keyOf: (id: number) => Uint8Array;
  /** The players this shard hosts: it registers only its own attackers with the (per-shard) ledger. */
  readonly hosted: ReadonlySet<number>;
  readonly expand: (set: string | number[]) => number[];
  readonly verify: SignatureVerifier;
}

/** The counts a shard keeps: report.json's, and the two the merge turns into rates (theoreticalSum, candidateSeconds). */
const FIGURE_COUNTS = ['processes', 'steps', 'skipped', 'agreed', 'reexecuted', 'incomplete', 'redraws', 'silentExecutors', 'wrongTaken', 'wrongNamed', 'honestNamed', 'proofsSubmitted', 'proofsAccepted', 'proofsRefused', 'trials', 'escapes', 'executions', 'bites', 'drops', 'outcomesAnnounced', 'outcomesUnannounced', 'outcomesApplied', 'votes', 'votesRefused', 'votesLate', 'hpTaken', 'goldGiven', 'theoreticalSum', 'candidateSeconds'] as const;
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
  /** An outcome announced to a player (PlayerDeps.onComputeOutcome): checked, and voted for in its group's update of the round named. */
  onOutcome(voter: (session: Uint8Array) => OutcomeVoter | null, outcome: ComputeOutcomeBody, from: Uint8Array): void;
  /** The groups' tally of outcome votes (GroupMemberDeps.votes), counting what the groups applied. */
  readonly votes: NonNullable<GroupMemberDeps['votes']>;
  figures(): ComputeFigures;
}

/** Votes and applied outcomes remembered against repeats: far more than a shard's groups vote on in the seconds a repeat can come. */
const MAX_REMEMBERED_OUTCOMES = 8192;

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

/** One step to run: the process, its epoch, who coordinates it for which group, the players it sees and affects, and an isolated cheater offering its own result. */
interface StepContext {
  readonly process: Process;
  readonly epoch: number;
  readonly coordinator: ComputeHost;
  readonly group: HostGroup;
  readonly players: readonly StepPlayer[];
  readonly affected: readonly Uint8Array[];
  readonly cheater: ComputeHost | null;
}

/**
 * The scheduled computation attacks of a shard: who attacks, when a colluder lies, and the draws
 * whose every executor is a colluder (what `all-drawn` colluders agree on out of band: the draw is
 * public, so they can know). Colluders stop lying once banned.
 */
function createComputeAttacks(attacks: readonly ComputeAttackSpec[], deps: Pick<ShardComputeDeps, 'clock' | 'ledger' | 'keyOf' | 'hosted' | 'expand'>) {
  const colluding = attacks.filter((a): a is ColludingExecutorsSpec => a.kind === 'colluding-executors');
  const isolated = attacks.filter((a): a is IsolatedExecutorSpec => a.kind === 'isolated-executor');
  const colluderSpec = new Map(colluding.flatMap((a) => deps.expand(a.colluders).map((id) => [id, a] as const)));
  const attackerIds = new Set([...colluderSpec.keys(), ...isolated.map((a) => a.player)]);
  const colluderKeys = new Map([...colluderSpec.keys()].map((id) => [toHex(deps.keyOf(id)), id]));
  const attackerKeys = new Set([...attackerIds].map((id) => toHex(deps.keyOf(id))));
  for (const id of colluderSpec.keys()) if (deps.hosted.has(id)) deps.ledger.registerAttacker('colluding-executors', deps.keyOf(id));
  for (const a of isolated) if (deps.hosted.has(a.player)) deps.ledger.registerAttacker('isolated-executor', deps.keyOf(a.player));
  const allColludersDrawn = new Set<string>();
  const banned = new Set<string>();
  let startAtMs = 0;
  const stepKey = (inputs: MonsterStepInputs) => `${inputs.seed}|${inputs.inputs.epoch}`;
  const windowOpen = (a: { fromS: number; toS: number }) => {
    const tS = (deps.clock.nowMs() - startAtMs) / 1000;
    return tS >= a.fromS && tS < a.toS;
  };
  const colludes = (hex: string) => {
    const id = colluderKeys.get(hex);
    const a = id === undefined ? undefined : colluderSpec.get(id);
    return a !== undefined && !banned.has(hex) && windowOpen(a);
  };
  return {
    isolated,
    started: (at: number) => void (startAtMs = at),
    windowOpen,
    colludes,
    colluding: () => colluding.some(windowOpen),
    isAttacker: (id: number) => attackerIds.has(id),
    isAttackerKey: (key: Uint8Array) => attackerKeys.has(toHex(key)),
    isColluderKey: (key: Uint8Array) => colluderKeys.has(toHex(key)),
    banned: (key: Uint8Array) => banned.has(toHex(key)),
    ban: (key: Uint8Array) => void banned.add(toHex(key)),
    /** The draw of a step's inputs, as the colluders learn it; a redraw replaces it. */
    drawn(inputs: MonsterStepInputs, allColluders: boolean) {
      if (allColluders) allColludersDrawn.add(stepKey(inputs));
      else allColludersDrawn.delete(stepKey(inputs));
    },
    stepHook(id: number): ComputeServiceDeps['step'] | undefined {
      const a = colluderSpec.get(id);
      if (!a) return undefined;
      const hex = toHex(deps.keyOf(id));
      return (honest) => {
        const lie = colludingStep(0)(honest);
        return (inputs) => (colludes(hex) && (a.strategy === 'always' || allColludersDrawn.has(stepKey(inputs))) ? lie(inputs) : honest(inputs));
      };
    },
  };
}

export function createShardCompute(spec: ComputeSpec, attackSpecs: readonly ComputeAttackSpec[], deps: ShardComputeDeps): ShardCompute {
  const everyMs = spec.everyS * 1000;
  const r = deps.draw.r;
  const attacks = createComputeAttacks(attackSpecs, deps);
  const proofsInFlight = new Set<string>();
  const processes = new Map<string, Process>();
  const latency = createLatencyHistogram();
  const counts = zeroCounts();
  /** Votes cast (per voter, process and epoch), outcomes a voter waits to check until it has played their round, outcomes applied (per group and round). */
  const waiting = new Set<string>();
  const voted = new LruCache<string, true>(MAX_REMEMBERED_OUTCOMES);
  const applied = new LruCache<string, true>(MAX_REMEMBERED_OUTCOMES);
  let startAtMs = 0;
  let hostsNow: () => readonly ComputeHost[] = () => [];
  const candidateHosts = () => hostsNow().filter((h) => h.candidate && !attacks.banned(h.publicKey));

  const processOf = (session: Uint8Array, label = 'monsters'): Process => {
    const key = `${label}/${toHex(session).slice(0, 32)}`;
    let p = processes.get(key);
    if (!p) {
      const id = new TextEncoder().encode(key);
      processes.set(key, (p = { id, seed: `${deps.runSeed}/${key}`, monsters: [], generation: 0, busy: false, offsetShare: deps.rng.fork(key).float() }));
    }
    return p;
  };

  /** One step: draw, ask, cross-check (once more without silent executors), then what came of it. */
  const step = async (scheduled: StepContext) => {
    const ctx = current(scheduled);
    const { process, group } = ctx;
    if (process.monsters.length === 0) process.monsters = spawnMonsters(`${process.seed}#${process.generation++}`, spec.monsters, spawnArea(ctx.players, group.game.snapshot().worldSize));
    const inputs: MonsterStepInputs = { seed: process.seed, monsters: process.monsters, inputs: { epoch: ctx.epoch, players: withAttacks(ctx.players, process.monsters) } };
    const draw: ExecutorDraw = { processId: process.id, epoch: ctx.epoch, stateHash: group.game.stateHash() };
    const stateRound = group.game.lastRound;
    const offered = ctx.cheater ? [isolatedResult(ctx.cheater, draw, inputs)] : [];
    const startedMs = deps.clock.nowMs();
    let candidates = candidateHosts();
    let asked = await ask(ctx, draw, candidates, inputs, offered);
    let redrawn = false;
    if (asked && asked.outcome.check.outcome === 'incomplete' && asked.outcome.silent.length > 0) {
      // Silent executors (crashed, or gone) are left out and the step drawn again from the rest.
      counts.redraws++;
      redrawn = true;
      const silent = new Set(asked.outcome.silent.map(toHex));
      candidates = candidates.filter((h) => !silent.has(toHex(h.publicKey)));
      asked = await ask(ctx, draw, candidates, inputs, offered);
    }
    latency.recordMs(deps.clock.nowMs() - startedMs);
    counts.steps++;
    if (!asked || !asked.outcome.taken) return void counts.incomplete++;
    const { outcome, chance } = asked;
    counts.silentExecutors += outcome.silent.length;
    counts[outcome.check.outcome === 'agreed' ? 'agreed' : 'reexecuted']++;
    const taken = outcome.taken as NonNullable<typeof outcome.taken>;
    const takenDigest = stepResultDigest(taken);
    // The ground truth: the honest step on the same inputs, run here whatever the protocol saw.
    const wrong = !equalBytes(takenDigest, runMonsterStep(inputs));
    if (wrong) counts.wrongTaken++;
    process.monsters = [...taken.monsters];
    for (const e of taken.events) counts[e.kind === 'bite' ? 'bites' : 'drops']++;
    const named = outcome.check.outcome === 're-executed' ? outcome.check.wrong : [];
    judge(ctx, outcome.results, named, wrong, chance);
    if (outcome.check.outcome === 'agreed' && taken.events.length > 0) {
      // A redraw's executors are not the members' own draw (they do not know who was silent).
      if (redrawn) counts.outcomesUnannounced++;
      else announce(ctx, stateRound, outcome.check.resultDigest, outcome.results, taken);
    }
    if (ctx.cheater) deps.ledger.judgedAttempt('isolated-executor', ctx.cheater.publicKey, { prevented: !equalBytes(takenDigest, (offered[0] as SignedResult).statement.resultDigest), detected: false });
    for (const w of named) void prove(ctx.coordinator, w, inputs);
  };

  /**
   * The step's group as its coordinator holds it when the step runs (the epoch began up to 0.8
   * everyS before): the inputs are its agreed positions now, and the draw ranks last the members of
   * the view that will check it.
   */
  const current = (ctx: StepContext): StepContext => {
    const now = ctx.coordinator.group();
    if (!now || !equalBytes(now.session, ctx.group.session)) return ctx;
    return { ...ctx, group: now, affected: now.members.map((m) => m.publicKey), players: ctx.cheater ? ctx.players : livePlayers(now) };
  };

  /**
   * The agreed result to the group's members with r of its signatures, and the coordinator's own
   * vote: each member checks it and votes for its effects in the round the draw's state gives
   * (src/compute/outcome.ts). A re-executed step is not announced (its members would need the
   * inputs to check it: docs/compute.md, "Limits"), nor one too late for its round.
   */
  const announce = (ctx: StepContext, stateRound: number, digest: Uint8Array, results: readonly SignedResult[], taken: StepResult) => {
    const signers = results.filter((res) => equalBytes(res.statement.resultDigest, digest)).slice(0, r);
    // The members of the group now: those who joined since the epoch began vote too.
    const group = ctx.coordinator.group();
    const schedule = group?.schedule();
    // Before its group's first round a step has no played state for the members to check.
    const round = schedule ? outcomeVoteRound(stateRound, schedule.roundMs) : -1;
    const fits = taken.events.length <= MAX_OUTCOME_EFFECTS && signers.length === r && r <= MAX_OUTCOME_SIGNERS;
    if (!group || !schedule || !equalBytes(group.session, ctx.group.session) || stateRound < 0 || !fits || schedule.roundNow + 1 >= round) return void counts.outcomesUnannounced++;
    const body: ComputeOutcomeBody = { session: ctx.group.session, round, stateRound, statement: (signers[0] as SignedResult).statement, signers: signers.map((res) => ({ executor: res.executor, signature: res.signature })), result: encodeStepResult(taken) };
    if (encodeWith(ComputeOutcome.body, body).length > MAX_AUTHENTICATED_BODY_BYTES) return void counts.outcomesUnannounced++;
    ctx.coordinator.compute.announce(body, group.members.filter((m) => !equalBytes(m.publicKey, ctx.coordinator.publicKey)).map((m) => m.endpoint));
    counts.outcomesAnnounced++;
    onOutcome((session) => ctx.coordinator.voter(session), body, ctx.coordinator.publicKey);
  };

  /**
   * A member's check of an announced outcome and its vote, once per process and epoch (a repeat or a
   * replay gets none). A member a round or two behind the announcer has not played the draw's round
   * yet: it looks again each round until the round it would vote in (once per outcome, and only for
   * a draw at most the lead ahead of it). The draw is checked against the candidates this member's
   * host knows (the shard's players, as the coordinator drew from).
   */
  const onOutcome = (voterIn: (session: Uint8Array) => OutcomeVoter | null, outcome: ComputeOutcomeBody, from: Uint8Array) => {
    const voter = voterIn(outcome.session);
    if (!voter || !voter.members.some((key) => equalBytes(key, from))) return void counts.votesRefused++;
    const { statement } = outcome;
    const key = `${toHex(voter.publicKey)}|${toHex(sha256(statement.processId))}|${statement.epoch}`;
    if (voted.get(key) || waiting.has(key)) return;
    const schedule = voter.schedule();
    if (!schedule) return void counts.votesRefused++;
    const behind = voter.lastRound() < outcome.stateRound && outcome.stateRound <= voter.lastRound() + Math.ceil(OUTCOME_LEAD_MS / schedule.roundMs);
    if (behind && schedule.roundNow < outcome.round) {
      waiting.add(key);
      deps.scheduler.schedule(deps.clock.nowMs() + schedule.roundMs, () => {
        waiting.delete(key);
        onOutcome(voterIn, outcome, from);
      });
      return;
    }
    let chosen: Set<string> | null = null;
    const drawn = (executor: Uint8Array) => {
      if (!chosen) {
        const keys = candidateHosts().map((h) => h.publicKey);
        chosen = new Set(chooseExecutors({ processId: statement.processId, epoch: statement.epoch, stateHash: statement.stateHash }, keys, Math.min(r, keys.length), voter.members).map(toHex));
      }
      return chosen.has(toHex(executor));
    };
    const judged = judgeOutcome(outcome, { r, seats: voter.seats, roundMs: schedule.roundMs, verify: deps.verify, stateHashAt: (round) => voter.playedHashAt(round), drawn });
    if (!judged.ok) return void counts.votesRefused++;
    voted.set(key, true);
    counts[voter.voteAt(outcome.round, judged.vote) ? 'votes' : 'votesLate']++;
  };

  /** The tally every replica runs (tallyOutcomeVotes); an outcome applied is counted once per group and round. */
  const votes: ShardCompute['votes'] = {
    isVote: isOutcomeVote,
    decide(cast, context) {
      const effects = tallyOutcomeVotes(cast, context.members, context.seats);
      const key = `${toHex(context.session)}|${context.round}`;
      if (effects.length > 0 && !applied.get(key)) {
        applied.set(key, true);
        counts.outcomesApplied++;
        for (const e of effects) counts[e.kind === 'hurt' ? 'hpTaken' : 'goldGiven'] += e.amount;
      }
      return effects;
    },
  };

  /** The draw from `candidates`, told to the colluders, and the coordinator's exchange; null with nobody to ask. The chance that the draw named only colluders is taken at the draw. */
  const ask = async (ctx: StepContext, draw: ExecutorDraw, candidates: readonly ComputeHost[], inputs: MonsterStepInputs, offered: readonly SignedResult[]) => {
    if (candidates.length === 0) return null;
    const keys = candidates.map((h) => h.publicKey);
    const drawn = Math.min(r, keys.length);
    const chosen = new Set(chooseExecutors(draw, keys, drawn, ctx.affected).map(toHex));
    const executors = candidates.filter((h) => chosen.has(toHex(h.publicKey)));
    attacks.drawn(inputs, executors.every((h) => attacks.colludes(toHex(h.publicKey))));
    const chance = allColludersChance(candidates, ctx.affected, drawn);
    const outcome = await ctx.coordinator.compute.compute({ draw, candidates: keys, r: drawn, affected: ctx.affected, executors: executors.map((h) => ({ publicKey: h.publicKey, endpoint: h.endpoint })), inputs, offered });
    return { outcome, chance };
  };

  /** The chance a draw of `drawn` from these candidates names only colluders (drawAllColludersProbability: outside the area first). */
  const allColludersChance = (candidates: readonly ComputeHost[], affected: readonly Uint8Array[], drawn: number) => {
    const inArea = new Set(affected.map(toHex));
    const side = (within: boolean) => {
      const hosts = candidates.filter((h) => inArea.has(toHex(h.publicKey)) === within);
      return { n: hosts.length, c: hosts.filter((h) => attacks.colludes(toHex(h.publicKey))).length };
    };
    return drawAllColludersProbability(side(false), side(true), drawn);
  };

  /** The trial's figures, the evidence against every wrong signer, and the colluders' attempt as the attack ledger sees it. */
  const judge = (ctx: StepContext, results: readonly SignedResult[], named: readonly SignedResult[], wrong: boolean, chance: number) => {
    for (const w of named) {
      counts.wrongNamed++;
      if (!attacks.isAttackerKey(w.executor)) counts.honestNamed++;
      deps.ledger.evidence(ctx.coordinator.publicKey, w.executor, ctx.group.game.lastRound);
    }
    if (attacks.colluding()) {
      counts.trials++;
      if (wrong) counts.escapes++;
      counts.theoreticalSum += chance;
    }
    const liar = results.find((res) => attacks.isColluderKey(res.executor) && (wrong || named.includes(res)));
    if (liar) deps.ledger.judgedAttempt('colluding-executors', liar.executor, { prevented: !wrong, detected: named.length > 0 });
  };

  /** A signed wrong result to the authority, once per offender; a ban excludes it from its group and the candidates. */
  const prove = async (coordinator: ComputeHost, wrong: SignedResult, inputs: MonsterStepInputs) => {
    const hex = toHex(wrong.executor);
    if (attacks.banned(wrong.executor) || proofsInFlight.has(hex)) return;
    proofsInFlight.add(hex);
    try {
      const lookup = await coordinator.auth.lookup({ publicKey: wrong.executor });
      if (!lookup.ok || !lookup.keyCertificate) return;
      counts.proofsSubmitted++;
      const result = await coordinator.auth.submitProof(encodeComputeWrongResultProof(lookup.keyCertificate, wrong, inputs));
      if (!result.ok) return void counts.proofsRefused++;
      counts.proofsAccepted++;
      attacks.ban(wrong.executor);
      deps.ledger.proofAccepted(coordinator.publicKey, wrong.executor);
      exclude(wrong.executor, result.ban, lookup.keyCertificate);
    } catch (e) {
      deps.onError(e);
    } finally {
      proofsInFlight.delete(hex);
    }
  };

  /** An honest member of the offender's group proposes its exclusion on the ban. */
  const exclude = (offender: Uint8Array, ban: BanCertificate, cert: KeyCertificate) => {
    for (const h of hostsNow()) {
      const g = h.candidate && !attacks.isAttacker(h.id) ? h.group() : null;
      if (g?.members.some((m) => equalBytes(m.publicKey, offender)) && h.exclude(ban, cert)) return;
    }
  };

  /** The cheater's own step of its own area: every monster dead, the treasure to it, signed by it. */
  const isolatedResult = (cheater: ComputeHost, draw: ExecutorDraw, inputs: MonsterStepInputs): SignedResult => {
    const own = colludingStep(0)(() => ({ monsters: [], events: [] }))(inputs);
    return signResult(cheater.signer, { processId: draw.processId, epoch: draw.epoch, stateHash: draw.stateHash, inputsDigest: monsterInputsDigest(inputs), resultDigest: stepResultDigest(own) });
  };

  const epoch = (n: number) => {
    const hosts = hostsNow();
    counts.candidateSeconds += candidateHosts().length * spec.everyS;
    const coordinators = coordinatorsOf(hosts, (h) => attacks.isAttacker(h.id) || h.cheats);
    const epochStartMs = startAtMs + n * everyMs;
    for (const { host, group } of coordinators.values()) {
      schedule(processOf(group.session), epochStartMs, (process) => step({ process, epoch: n, coordinator: host, group, players: livePlayers(group), affected: group.members.map((m) => m.publicKey), cheater: null }));
    }
    for (const a of attacks.isolated) {
      const cheater = hosts.find((h) => h.id === a.player && h.candidate);
      const group = cheater?.group();
      const me = group?.game.snapshot().members[group.seat];
      if (!cheater || !group || !me || !attacks.windowOpen(a)) continue;
      // Its area is its own, but its group's coordinator asks for it: the cheater offers its result like any member could.
      const coordinator = coordinators.get(toHex(group.session))?.host ?? cheater;
      schedule(processOf(cheater.publicKey, 'isolated'), epochStartMs, (process) => step({ process, epoch: n, coordinator, group, players: [{ seat: group.seat, x: me.x, y: me.y, attacks: 0 }], affected: group.members.map((m) => m.publicKey), cheater }));
    }
  };

  /** A process steps at its offset in the epoch; an epoch whose previous step is still under way is skipped (counted). */
  const schedule = (process: Process, epochStartMs: number, run: (process: Process) => Promise<void>) => {
    deps.scheduler.schedule(epochStartMs + Math.floor(process.offsetShare * EPOCH_SPREAD * everyMs), () => {
      if (process.busy) return void counts.skipped++;
      process.busy = true;
      run(process)
        .catch(deps.onError)
        .finally(() => (process.busy = false));
    });
  };

  return {
    stepHook: (id) => attacks.stepHook(id),
    onOutcome,
    votes,
    attacks: (id) => attacks.isAttacker(id),
    start(at, endAtMs, hosts) {
      startAtMs = at;
      attacks.started(at);
      hostsNow = hosts;
      const epochs = Math.floor((endAtMs - at) / everyMs);
      // Epoch 0 is left to the groups' first rounds; each later epoch is scheduled at its start.
      for (let n = 1; n < epochs; n++) deps.scheduler.schedule(at + n * everyMs, () => epoch(n));
    },
    figures: () => ({ ...counts, processes: processes.size, executions: sumExecutions(hostsNow()), latency: latency.encode() }),
  };
}

/** Each group's coordinator: its lowest seat hosted here, a player `suspect` does not flag before one it does. */
function coordinatorsOf(hosts: readonly ComputeHost[], suspect: (h: ComputeHost) => boolean): Map<string, { host: ComputeHost; group: HostGroup }> {
  const best = new Map<string, { host: ComputeHost; group: HostGroup; rank: number }>();
  for (const h of hosts) {
    const g = h.candidate ? h.group() : null;
    if (!g) continue;
    const key = toHex(g.session);
    const rank = (suspect(h) ? 1 << 16 : 0) + g.seat;
    const current = best.get(key);
    if (!current || rank < current.rank) best.set(key, { host: h, group: g, rank });
  }
  return best;
}

function sumExecutions(hosts: readonly ComputeHost[]): number {
  let n = 0;
  for (const h of hosts) n += h.compute.counters().executed;
  return n;
}

/** The live seats of a group's agreed game and where they stand: the players a step of its area sees. */
function livePlayers(group: HostGroup): StepPlayer[] {
  return group.game.snapshot().members.flatMap((m, seat): StepPlayer[] => (m.alive ? [{ seat, x: m.x, y: m.y, attacks: 0 }] : []));
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
  const line = `computation: r = ${draw.r} executors per step, the smallest r with C(c, r) / C(n, r) < T for n = ${draw.candidates} candidates, c = ${Math.min(spec.assumedColluders, draw.candidates)} assumed colluders, T = ${spec.tolerance}: bound ${draw.bound.toPrecision(3)}`;
  return draw.r > MAX_OUTCOME_SIGNERS ? `${line}; outcomes not fed into the game (an announcement carries at most ${MAX_OUTCOME_SIGNERS} signatures)` : line;
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
    // Each proof accepted is one ban (the authority answers a proof with the ban it signed).
    bans: counts.proofsAccepted,
    stepsPerS: durationS > 0 ? sum.steps / durationS : 0,
    executionsPerPlayerPerS: candidateSeconds > 0 ? sum.executions / candidateSeconds : 0,
    escapeRate: escape.escapeRate,
    theoreticalEscape: escape.theoreticalEscape,
    interval95: escape.interval95,
    formulaInside: escape.formulaInside,
    executorLatencyMs: latencyFigures(latency),
  };
}
