import { LruCache, equalBytes, sha256, toHex, type Signer } from '../crypto/index.js';
import type { Endpoint, Incoming, SignatureVerifier, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { askUntil } from '../time/ask-until.js';
import { SenderRateLimiter, type RateLimit } from '../time/rate-limit.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { type ExecutorDraw } from './executors.js';
import { ComputeOutcome, ComputeRequest, ComputeResult, type ComputeOutcomeBody, type ComputeRequestBody, type ComputeResultBody } from './messages.js';
import { decodeStepResult, encodeStepResult, type StepResult } from './monster.js';
import { crossCheck, type CrossCheck } from './results.js';
import { monsterInputsDigest, monsterStep, resultSigningBytes, signResult, type MonsterStepInputs, type ResultStatement, type SignedResult } from './statements.js';

/**
 * The computation's exchange on a peer's transport (docs/compute.md, "The exchange"): every player
 * is an executor that runs a step when a group asks it, and a group member asks the executors its
 * draw chose and cross-checks their answers. One install per transport.
 */

export interface ComputeServiceConfig {
  /** How long a group waits for its executors' answers. Default 2000 ms. */
  readonly answerTimeoutMs?: number;
  /** How often it asks again the executors that have not answered (lost datagrams). Default 500 ms. */
  readonly retryMs?: number;
  /**
   * New steps an executor runs per requester (a repeated request is answered from its cache, free).
   * Default 20 a second, bursts of 40: a group asks a few steps a second.
   */
  readonly perRequester?: RateLimit;
}

/** Requesters an executor keeps a bucket for, and answers it keeps to send again (a request repeated because its answer was lost). */
const MAX_REQUESTERS = 1024;
const MAX_CACHED_ANSWERS = 256;

export interface ComputeServiceDeps {
  readonly transport: Transport;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly clock: Clock;
  /**
   * What this node returns as an executor, given the honest step: the step itself by default. The
   * harness puts a colluding executor's step here (src/attacks), so the honest composition has no
   * attack branch.
   */
  readonly step?: (honest: (inputs: MonsterStepInputs) => StepResult) => (inputs: MonsterStepInputs) => StepResult;
  /**
   * An outcome a group's coordinator announced (compute-outcome), with its sender's key: the player's
   * host hands it to its member of that group, which checks it and votes (src/compute/outcome.ts).
   */
  readonly onOutcome?: (outcome: ComputeOutcomeBody, from: Uint8Array) => void;
}

/** One process step to have computed: the draw, its r executors (as the draw chose them, with where they listen) and the inputs. */
export interface StepRequest {
  readonly draw: ExecutorDraw;
  readonly candidates: readonly Uint8Array[];
  readonly r: number;
  readonly affected?: readonly Uint8Array[];
  readonly executors: readonly { readonly publicKey: Uint8Array; readonly endpoint: Endpoint }[];
  readonly inputs: MonsterStepInputs;
  /**
   * Signed results the group holds from elsewhere (a member that ran the process itself, say): they
   * go to the cross-check with the answers, which counts only the draw's executors' (`ignored` otherwise).
   */
  readonly offered?: readonly SignedResult[];
}

export interface StepOutcome {
  readonly check: CrossCheck;
  /** Every valid-looking answer received, for proofs against the wrong ones. */
  readonly results: readonly SignedResult[];
  /** Executors asked that gave no answer in time. */
  readonly silent: readonly Uint8Array[];
  /** The result the group takes (the agreed one, or its own on a disagreement); null when incomplete. */
  readonly taken: StepResult | null;
}

export interface ComputeCounters {
  /** As an executor: steps run and answered; repeated requests answered again from the cache; requests refused past the requester's rate. */
  readonly executed: number;
  readonly answeredAgain: number;
  readonly rateLimited: number;
  /** As a group: steps asked, executors asked, answers received, answers whose result bytes do not hash to the digest signed, steps that needed re-execution. */
  readonly asked: number;
  readonly executorsAsked: number;
  readonly answers: number;
  readonly badAnswers: number;
  readonly reexecuted: number;
  /** Outcomes announced to members, and received from coordinators. */
  readonly outcomesSent: number;
  readonly outcomesReceived: number;
}

export interface ComputeService {
  /** Asks `request.executors` to run the step, waits for their answers, and cross-checks them (re-running the step here on a disagreement). */
  compute(request: StepRequest): Promise<StepOutcome>;
  /** Sends an outcome to the group's other members (compute-outcome); the sender votes through its own member. */
  announce(outcome: ComputeOutcomeBody, members: readonly Endpoint[]): void;
  counters(): ComputeCounters;
}

interface Pending {
  readonly request: StepRequest;
  readonly inputsDigest: Uint8Array;
  readonly answers: Map<string, SignedResult & { readonly result: Uint8Array }>;
  readonly done: () => void;
}

export function installComputeService(config: ComputeServiceConfig, deps: ComputeServiceDeps): ComputeService {
  const answerTimeoutMs = config.answerTimeoutMs ?? 2000;
  const retryMs = config.retryMs ?? 500;
  for (const [name, v] of Object.entries({ answerTimeoutMs, retryMs })) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`compute config: ${name} must be a finite number > 0, got ${v}`);
  }
  const step = deps.step?.(monsterStep) ?? monsterStep;
  const count = { executed: 0, answeredAgain: 0, rateLimited: 0, asked: 0, executorsAsked: 0, answers: 0, badAnswers: 0, reexecuted: 0, outcomesSent: 0, outcomesReceived: 0 };
  const limiter = new SenderRateLimiter(config.perRequester ?? { perSecond: 20, burst: 40 }, MAX_REQUESTERS, deps.clock);
  const answered = new LruCache<string, ComputeResultBody>(MAX_CACHED_ANSWERS);
  const pending = new Map<number, Pending>();
  let nextRequestId = 1;

  deps.transport.handle(ComputeRequest, (m: Incoming<ComputeRequestBody>) => {
    // Requests come authenticated (a MAC or a signature): the requester is its key.
    if (!m.senderKey) return;
    const requester = toHex(m.senderKey);
    const inputs = m.body.inputs;
    const statement = { processId: m.body.processId, epoch: m.body.epoch, stateHash: m.body.stateHash, inputsDigest: monsterInputsDigest(inputs) };
    // A request asked again (its answer was lost) gets the same answer, not a second run and signature;
    // the same id for another step (a requester that started over) is a new request.
    const key = `${requester}/${m.body.requestId}`;
    const again = answered.get(key);
    if (again && sameStep(again.statement, statement)) {
      count.answeredAgain++;
      deps.transport.send(m.from, ComputeResult, again);
      return;
    }
    if (!limiter.take(requester)) {
      count.rateLimited++;
      return;
    }
    const encoded = encodeStepResult(step(inputs));
    const signed = signResult(deps.signer, { ...statement, resultDigest: sha256(encoded) });
    count.executed++;
    const answer = { requestId: m.body.requestId, statement: signed.statement, signature: signed.signature, result: encoded };
    answered.set(key, answer);
    deps.transport.send(m.from, ComputeResult, answer);
  });

  deps.transport.handle(ComputeResult, (m: Incoming<ComputeResultBody>) => {
    const p = pending.get(m.body.requestId);
    if (!m.senderKey || !p || !p.request.executors.some((e) => equalBytes(e.publicKey, m.senderKey as Uint8Array))) return;
    const hex = toHex(m.senderKey);
    if (p.answers.has(hex)) return;
    count.answers++;
    // The result bytes must be what the signature's digest names, or the answer is of no use to anyone.
    if (!equalBytes(sha256(m.body.result), m.body.statement.resultDigest) || !deps.verify(m.body.signature, resultSigningBytes(m.body.statement), m.senderKey)) {
      count.badAnswers++;
      return;
    }
    p.answers.set(hex, { executor: m.senderKey, statement: m.body.statement, signature: m.body.signature, result: m.body.result });
    if (p.answers.size === p.request.executors.length) p.done();
  });

  deps.transport.handle(ComputeOutcome, (m: Incoming<ComputeOutcomeBody>) => {
    if (!m.senderKey) return;
    count.outcomesReceived++;
    deps.onOutcome?.(m.body, m.senderKey);
  });

  return {
    announce(outcome, members) {
      for (const to of members) {
        count.outcomesSent++;
        deps.transport.send(to, ComputeOutcome, outcome);
      }
    },
    async compute(request) {
      const requestId = nextRequestId++;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const p: Pending = { request, inputsDigest: monsterInputsDigest(request.inputs), answers: new Map(), done };
      pending.set(requestId, p);
      count.asked++;
      count.executorsAsked += request.executors.length;
      const body = { requestId, processId: request.draw.processId, epoch: request.draw.epoch, stateHash: request.draw.stateHash, inputs: { seed: request.inputs.seed, monsters: [...request.inputs.monsters], inputs: request.inputs.inputs } };
      const ask = () => {
        for (const e of request.executors) if (!p.answers.has(toHex(e.publicKey))) deps.transport.send(e.endpoint, ComputeRequest, body);
      };
      if (request.executors.length === 0) done();
      try {
        await askUntil(deps, { retryMs, timeoutMs: answerTimeoutMs }, ask, finished, done);
      } finally {
        pending.delete(requestId);
      }
      const answers = [...p.answers.values()];
      const results = answers.map(({ executor, statement, signature }) => ({ executor, statement, signature }));
      // Answers were verified as they arrived; only what the group holds from elsewhere is verified here.
      const checked = new Set(results.map((r) => toHex(r.signature)));
      let own: Uint8Array | null = null;
      const runHere = () => {
        count.reexecuted++;
        own = encodeStepResult(monsterStep(request.inputs));
        return own;
      };
      const check = crossCheck({ draw: request.draw, candidates: request.candidates, r: request.r, affected: request.affected ?? [], inputsDigest: p.inputsDigest }, [...results, ...(request.offered ?? [])], {
        verify: (signature, message, key) => checked.has(toHex(signature)) || deps.verify(signature, message, key),
        reexecute: () => sha256(runHere()),
      });
      const silent = request.executors.filter((e) => !p.answers.has(toHex(e.publicKey))).map((e) => e.publicKey);
      return { check, results, silent, taken: takenResult(check, answers, own) ?? (check.outcome === 'incomplete' ? null : decodeStepResult(runHere())) };
    },
    counters: () => ({ ...count }),
  };
}

/** Whether a cached answer is for the step now asked: same process, epoch, state and inputs. */
function sameStep(a: Omit<ResultStatement, 'resultDigest'>, b: Omit<ResultStatement, 'resultDigest'>): boolean {
  return a.epoch === b.epoch && equalBytes(a.processId, b.processId) && equalBytes(a.stateHash, b.stateHash) && equalBytes(a.inputsDigest, b.inputsDigest);
}

/**
 * The result bytes the cross-check took, decoded: the agreed answers' or the group's own; null when
 * no answer holds the agreed bytes (the agreeing results were offered, not answered), and the group
 * then runs the step itself.
 */
function takenResult(check: CrossCheck, answers: readonly { readonly statement: { readonly resultDigest: Uint8Array }; readonly result: Uint8Array }[], own: Uint8Array | null): StepResult | null {
  if (check.outcome === 'incomplete') return null;
  if (check.outcome === 're-executed' && own) return decodeStepResult(own);
  const agreed = answers.find((a) => equalBytes(a.statement.resultDigest, check.resultDigest));
  return agreed ? decodeStepResult(agreed.result) : null;
}
