import type { UpdateOutcome } from '../neo/index.js';
import { byteKey, toHex } from '../crypto/index.js';

/**
 * The attack statistics of SPEC §8, kept apart from both the attacks and the honest code: attack
 * behaviours report what they tried, honest members report what they decided and what they
 * proved, and the ledger judges each attempt against the honest replicas' decisions. Nothing here
 * feeds back into the protocol.
 */

/**
 * No `timestamp` kind: a NEO round message's only time claim is its round number, which is also
 * its signing context and the round it belongs to; receivers judge timeliness by their own votes
 * on receipt, never by a claim. "A message that claims round r but goes out late" is a late
 * round-r message, which `fixed-delay` already is (docs/attacks.md).
 */
export const ATTACK_KINDS = [
  'fixed-delay',
  'suppress-correct',
  'lookahead',
  'inconsistency',
  'replay',
  'key-withholding',
  'false-votes',
  'colluding-majority',
  'bad-signature',
  // Witnessed characters (docs/storage.md): an edited character brought to a group's door, and a forged change witnessed by colluders.
  'tampered-character',
  'colluding-witnesses',
  // Replicated computation (docs/compute.md): executors returning one wrong result together, and a cheater alone in its area running its monsters itself.
  'colluding-executors',
  'isolated-executor',
  'forged-certificate',
  'expired-certificate',
  'banned-certificate',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/**
 * What an attempt tries to do to the honest state, and so what "prevented" means for it:
 * - `accepted`: get an update accepted that the rules should drop (late, looked-ahead, copied);
 *   prevented iff every honest replica that decided it dropped it.
 * - `split`: make honest replicas decide differently; prevented iff they all decided the same:
 *   all dropped it, or all accepted the same update (the same bytes, not merely "accepted").
 * An attempt no honest replica decided is `excluded` when the honest replicas' own views show the
 * attacker was already out of the group at that round (it sent into a view they had replaced), and
 * `unobserved` otherwise; neither is ever counted as prevented.
 */
export type AttackGoal = 'accepted' | 'split';

export interface AttackAttempt {
  readonly kind: AttackKind;
  /** The attacking peer's key. */
  readonly attacker: Uint8Array;
  /** The update the attempt is about: (session, view, round, member index in that view). */
  readonly sessionId: Uint8Array;
  readonly view: number;
  readonly round: number;
  readonly target: number;
  readonly goal: AttackGoal;
  /**
   * The round of the attacker's signed message the attack altered, when it is not the update's own
   * (a key reveal); default `round`. Evidence about the attempt names this round: two versions or
   * a bad signature of that message, or the bad reveal of the update it carries.
   */
  readonly messageRound?: number;
}

/** A view as an observer reports it: enough to name members by key. */
export interface ObservedView {
  readonly sessionId: Uint8Array;
  readonly number: number;
  readonly startRound: number;
  readonly members: readonly { readonly publicKey: Uint8Array }[];
}

/** Plugs into GroupMemberDeps.onDecided. */
export type DecisionObserver = (view: ObservedView, round: number, outcomes: readonly UpdateOutcome[], stateHash: string) => void;

export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly max: number | null;
}

/** One row of report.json `attacks[]` (the contract's fields first). */
export interface AttackKindSummary {
  readonly kind: AttackKind;
  readonly attempts: number;
  /** Attempts with no effect on the honest state, judged on what honest replicas decided (see AttackGoal); never an unobserved or unjudged one. */
  readonly prevented: number;
  /** Attempts (not excluded) about whose own message an honest member holds evidence against the attacker; identity attempts refused at the door. */
  readonly detected: number;
  /** Attempts judged on fewer honest replicas than the honest members of their view (the others never decided the update); counted in their verdict all the same. */
  readonly partial: number;
  /**
   * Messages of another member the attacker sent again as if new (replay). Not attempts: the bytes
   * are the victim's own, so they cannot change the victim's update, cannot be attributed, and
   * only the receivers' replay windows and duplicate checks (their drop counters) see them.
   */
  readonly resent: number;
  /** Accusations of honest players (evidence, accepted proofs, bans): every kind reports the same global count. */
  readonly falsePositives: number;
  /** Offending round (the attacker's first attempt) → the round its exclusion by ban took effect. */
  readonly detectionLatencyRounds: LatencySummary;
  readonly attackers: number;
  /** Attempts into a view the honest replicas had already replaced by one without the attacker (at the attempt's round): no honest replica plays them; not counted as prevented. */
  readonly excluded: number;
  /** Attempts no honest replica decided, for no reason the honest views show: neither prevented nor not (expected 0). */
  readonly unobserved: number;
  /** Attempts past the ledger's record cap, which it could not follow: neither prevented nor not. */
  readonly unjudged: number;
  readonly proofsAccepted: number;
  /** Attackers of this kind banned by the authority. */
  readonly bans: number;
  /** Attackers of this kind no longer in any honest member's view (banned or evicted). */
  readonly exclusions: number;
  /** The latencies behind detectionLatencyRounds, so summaries of several ledgers (worker shards) merge exactly. */
  readonly detectionLatencies: readonly number[];
}

export interface AttackLedgerSummary {
  readonly kinds: readonly AttackKindSummary[];
  /** Rounds where two honest replicas' state hashes after the round differ: 0 unless an attack succeeded in splitting them. */
  readonly honestDivergentRounds: number;
  readonly honestRoundsCompared: number;
  readonly falsePositives: number;
}

export interface AttackLedger {
  /** An attacking peer and the kind it runs; anything honest members hold against any other key is a false positive. */
  registerAttacker(kind: AttackKind, publicKey: Uint8Array): void;
  /** Attack behaviours: one attempt per round message the attack altered (or per update it is about). */
  attempt(attempt: AttackAttempt): void;
  /** Attack behaviours: a message of another member sent again as if new (AttackKindSummary.resent). */
  resent(kind: AttackKind, attacker: Uint8Array): void;
  /** For an honest member (GroupMemberDeps.onDecided): its decisions and state hashes. */
  observer(publicKey: Uint8Array): DecisionObserver;
  /**
   * A player with a forged, expired or banned identity tries to join a group (one attempt per
   * player). Prevented iff it never appears in an honest member's view; detected iff an honest
   * member refused it (`joinRefused`).
   */
  joinAttempt(kind: AttackKind, publicKey: Uint8Array): void;
  /**
   * An attempt the harness judged itself, outside any group: a forged character version shown to an
   * honest door (colluding witnesses). Prevented iff the door did not accept it; detected iff it
   * refused it with a reason.
   */
  judgedAttempt(kind: AttackKind, attacker: Uint8Array, outcome: { readonly prevented: boolean; readonly detected: boolean }): void;
  /** An honest member refused a join request for the joiner's identity (GroupMemberDeps.onJoinRefused) or its character (onCharacterRefused). */
  joinRefused(observer: Uint8Array, publicKey: Uint8Array, verdict: string): void;
  /**
   * An honest member holds evidence against `offender` about `round`: signed (a cheat-proof
   * candidate), or its own observation of a bad content signature behind a good envelope MAC.
   */
  evidence(accuser: Uint8Array, offender: Uint8Array, round: number): void;
  /** The authority accepted a proof against `offender` and signed a ban. */
  proofAccepted(accuser: Uint8Array, offender: Uint8Array): void;
  summary(): AttackLedgerSummary;
}

/** Attempted updates followed at most (one small record each): the ledger is a test and harness aid, bounded like everything else; attempts past it are `unjudged`. */
const MAX_RECORDS = 200_000;
/** Rounds of state hashes kept per session for comparison: far more than any replica lags (d + maxWait). */
const HASH_WINDOW_ROUNDS = 256;

interface AttemptRecord {
  readonly kind: AttackKind;
  readonly attacker: string;
  readonly session: string;
  readonly view: number;
  readonly key: string;
  readonly round: number;
  readonly messageRound: number;
  readonly goal: AttackGoal;
  /** Past the record cap: no decision about it is kept. */
  readonly unjudged: boolean;
}

/** What the honest replicas decided about one attempted update: counts and the accepted versions, not a row per replica. */
interface DecisionRecord {
  dropped: number;
  accepted: number;
  /** The accepted payloads (byteKey), distinct. */
  readonly versions: Set<string>;
}

export interface AttackLedgerOptions {
  /** Attempted updates followed at most (default MAX_RECORDS); attempts past it are `unjudged`. */
  readonly maxRecords?: number;
}

export function createAttackLedger(options: AttackLedgerOptions = {}): AttackLedger {
  const maxRecords = options.maxRecords ?? MAX_RECORDS;
  const attackers = new Map<string, Set<AttackKind>>();
  const attempts: AttemptRecord[] = [];
  /** (session/view/round/member) of every update someone attempted something about → what honest replicas decided. */
  const decisions = new Map<string, DecisionRecord>();
  /** session → round → distinct honest state hashes after that round; only recent rounds are kept (replicas play within maxWait rounds of each other). */
  const hashes = new Map<string, Map<number, Set<string>>>();
  let divergent = 0;
  let compared = 0;
  /** Offender → rounds with evidence. */
  const evidenceRounds = new Map<string, Set<number>>();
  const firstAttempt = new Map<string, number>();
  const proofs = new Map<string, number>();
  const banned = new Set<string>();
  /** Attacker → round its exclusion took effect (first honest view without it, after one with it). */
  const excludedAt = new Map<string, number>();
  /** session → view number → (start round, member keys) of every view an honest replica ran. */
  const honestViews = new Map<string, Map<number, { readonly startRound: number; readonly members: ReadonlySet<string> }>>();
  /** session → attacker keys seen in some honest view of it. */
  const seenIn = new Map<string, Set<string>>();
  const accused = new Set<string>();
  /** Identity attempts: kind and key; which of those keys an honest view ever held, which an honest member refused. */
  const joins: { kind: AttackKind; id: string }[] = [];
  const resentBy = new Map<AttackKind, number>();
  const judged = new Map<AttackKind, { attempts: number; prevented: number; detected: number }>();
  const joinKeys = new Set<string>();
  const admitted = new Set<string>();
  const refused = new Set<string>();

  const updateKey = (session: string, view: number, round: number, member: number) => `${session}/${view}/${round}/${member}`;
  const accuse = (offender: string, what: string) => {
    if (!attackers.has(offender)) accused.add(`${what}:${offender}`);
  };

  const registerAttacker = (kind: AttackKind, publicKey: Uint8Array) => {
    const id = toHex(publicKey);
    const kinds = attackers.get(id) ?? new Set<AttackKind>();
    kinds.add(kind);
    attackers.set(id, kinds);
  };

  /** Exclusions: an attacker seen in an earlier view of this session and absent from this one. */
  function noteExclusions(session: string, view: ObservedView): void {
    const seen = seenIn.get(session) ?? new Set<string>();
    seenIn.set(session, seen);
    const present = new Set(view.members.map((m) => toHex(m.publicKey)));
    let views = honestViews.get(session);
    if (!views) honestViews.set(session, (views = new Map()));
    if (!views.has(view.number)) views.set(view.number, { startRound: view.startRound, members: present });
    for (const id of present) if (joinKeys.has(id)) admitted.add(id);
    for (const id of present) if (attackers.has(id)) seen.add(id);
    for (const id of seen) {
      if (present.has(id)) continue;
      const at = excludedAt.get(id);
      if (at === undefined || view.startRound < at) excludedAt.set(id, view.startRound);
    }
  }

  return {
    registerAttacker,

    attempt(a) {
      if (!ATTACK_KINDS.includes(a.kind)) throw new RangeError(`attack ledger: unknown attack kind ${String(a.kind)}`);
      const attacker = toHex(a.attacker);
      if (!attackers.get(attacker)?.has(a.kind)) registerAttacker(a.kind, a.attacker);
      const session = toHex(a.sessionId);
      const key = updateKey(session, a.view, a.round, a.target);
      const followed = decisions.has(key) || decisions.size < maxRecords;
      if (followed && !decisions.has(key)) decisions.set(key, { dropped: 0, accepted: 0, versions: new Set() });
      attempts.push({ kind: a.kind, attacker, session, view: a.view, key, round: a.round, messageRound: a.messageRound ?? a.round, goal: a.goal, unjudged: !followed });
      const first = firstAttempt.get(`${a.kind}:${attacker}`);
      if (first === undefined || a.round < first) firstAttempt.set(`${a.kind}:${attacker}`, a.round);
    },

    resent(kind, attacker) {
      if (!ATTACK_KINDS.includes(kind)) throw new RangeError(`attack ledger: unknown attack kind ${String(kind)}`);
      const id = toHex(attacker);
      if (!attackers.get(id)?.has(kind)) registerAttacker(kind, attacker);
      resentBy.set(kind, (resentBy.get(kind) ?? 0) + 1);
    },

    observer(publicKey) {
      const me = toHex(publicKey);
      // Per view, not per round: a view's session key and the exclusions it shows are the same every round.
      let lastView: ObservedView | null = null;
      let session = '';
      return (view, round, outcomes, stateHash) => {
        if (attackers.has(me)) return;
        if (view !== lastView) {
          lastView = view;
          session = toHex(view.sessionId);
          noteExclusions(session, view);
        }
        // Honest runs watch no update: the per-member keys are built only when some attack is on.
        if (decisions.size > 0) {
          outcomes.forEach((o, member) => {
            const row = decisions.get(updateKey(session, view.number, round, member));
            if (!row || o.kind === 'pending') return;
            if (o.kind === 'accepted') {
              row.accepted++;
              row.versions.add(byteKey(o.payload));
            } else row.dropped++;
          });
        }
        let rounds = hashes.get(session);
        if (!rounds) hashes.set(session, (rounds = new Map()));
        let set = rounds.get(round);
        if (!set) {
          rounds.set(round, (set = new Set()));
          compared++;
          // Insertion order is about round order: drop the oldest beyond a window no replica lags behind.
          while (rounds.size > HASH_WINDOW_ROUNDS) rounds.delete(rounds.keys().next().value as number);
        }
        if (!set.has(stateHash)) {
          set.add(stateHash);
          if (set.size === 2) divergent++;
        }
      };
    },

    joinAttempt(kind, publicKey) {
      if (!ATTACK_KINDS.includes(kind)) throw new RangeError(`attack ledger: unknown attack kind ${String(kind)}`);
      const id = toHex(publicKey);
      registerAttacker(kind, publicKey);
      joins.push({ kind, id });
      joinKeys.add(id);
    },

    judgedAttempt(kind, attacker, outcome) {
      if (!ATTACK_KINDS.includes(kind)) throw new RangeError(`attack ledger: unknown attack kind ${String(kind)}`);
      if (!attackers.get(toHex(attacker))?.has(kind)) registerAttacker(kind, attacker);
      const row = judged.get(kind) ?? { attempts: 0, prevented: 0, detected: 0 };
      judged.set(kind, { attempts: row.attempts + 1, prevented: row.prevented + Number(outcome.prevented), detected: row.detected + Number(outcome.detected) });
    },

    joinRefused(observer, publicKey, verdict) {
      if (attackers.has(toHex(observer))) return;
      const id = toHex(publicKey);
      // Refusing an honest player is a false positive like any other accusation.
      accuse(id, `refused-${verdict}`);
      refused.add(id);
    },

    evidence(accuser, offender, round) {
      if (attackers.has(toHex(accuser))) return;
      const id = toHex(offender);
      accuse(id, 'evidence');
      const rounds = evidenceRounds.get(id) ?? new Set<number>();
      rounds.add(round);
      evidenceRounds.set(id, rounds);
    },

    proofAccepted(accuser, offender) {
      if (attackers.has(toHex(accuser))) return;
      const id = toHex(offender);
      accuse(id, 'proof');
      proofs.set(id, (proofs.get(id) ?? 0) + 1);
      banned.add(id);
    },

    summary() {
      const falsePositives = accused.size;
      const kinds = ATTACK_KINDS.flatMap((kind): AttackKindSummary[] => {
        const mine = attempts.filter((a) => a.kind === kind);
        const ids = [...attackers].filter(([, ks]) => ks.has(kind)).map(([id]) => id);
        /** Honest members of a view, by its member keys. */
        const honestMembers = (members: ReadonlySet<string> | undefined) => [...(members ?? [])].filter((id) => !attackers.has(id)).length;
        if (mine.length === 0 && ids.length === 0) return [];
        const myJoins = joins.filter((j) => j.kind === kind);
        const myJudged = judged.get(kind) ?? { attempts: 0, prevented: 0, detected: 0 };
        let prevented = myJoins.filter((j) => !admitted.has(j.id)).length + myJudged.prevented;
        let excluded = 0;
        let unobserved = 0;
        let unjudged = 0;
        let partial = 0;
        let detected = myJoins.filter((j) => refused.has(j.id)).length + myJudged.detected;
        for (const a of mine) {
          const decided = decisions.get(a.key);
          const views = honestViews.get(a.session);
          const verdict = judge(a, decided, views);
          if (verdict === 'unjudged') unjudged++;
          else if (verdict === 'excluded') excluded++;
          else if (verdict === 'unobserved') unobserved++;
          else if (verdict === 'prevented') prevented++;
          if (verdict === 'excluded') continue;
          const deciders = decided ? decided.accepted + decided.dropped : 0;
          if (deciders > 0 && deciders < honestMembers(views?.get(a.view)?.members)) partial++;
          // Evidence about this very attempt's message, and no other: two signed versions of it, a
          // bad signature on it, or (for a message carrying its own round's update) a reveal that
          // does not open that update, reported for the same round.
          if (evidenceRounds.get(a.attacker)?.has(a.messageRound)) detected++;
        }
        const latencies: number[] = [];
        for (const id of ids) {
          const at = excludedAt.get(id);
          const first = firstAttempt.get(`${kind}:${id}`);
          if (banned.has(id) && at !== undefined && first !== undefined) latencies.push(at - first);
        }
        return [
          {
            kind,
            attempts: mine.length + myJoins.length + myJudged.attempts,
            prevented,
            detected,
            partial,
            resent: resentBy.get(kind) ?? 0,
            falsePositives,
            detectionLatencyRounds: latencySummary(latencies),
            attackers: ids.length,
            excluded,
            unobserved,
            unjudged,
            proofsAccepted: ids.reduce((n, id) => n + (proofs.get(id) ?? 0), 0),
            bans: ids.filter((id) => banned.has(id)).length,
            exclusions: ids.filter((id) => excludedAt.has(id)).length,
            detectionLatencies: latencies,
          },
        ];
      });
      return { kinds, honestDivergentRounds: divergent, honestRoundsCompared: compared, falsePositives };
    },
  };
}

type HonestViews = ReadonlyMap<number, { readonly startRound: number; readonly members: ReadonlySet<string> }>;

/** An attempt's outcome from what honest replicas decided about its update (AttackGoal), or why none decided it. */
function judge(a: AttemptRecord, decided: DecisionRecord | undefined, views: HonestViews | undefined): 'prevented' | 'succeeded' | 'excluded' | 'unobserved' | 'unjudged' {
  if (a.unjudged || !decided) return 'unjudged';
  if (decided.accepted + decided.dropped === 0) {
    // A later honest view without the attacker had begun by the attempt's round: it sent into a view nobody honest played any more.
    for (const [number, v] of views ?? []) if (number > a.view && v.startRound <= a.round && !v.members.has(a.attacker)) return 'excluded';
    return 'unobserved';
  }
  if (decided.accepted === 0) return 'prevented';
  // Accepted somewhere: an 'accepted' goal reached; a split avoided only if every replica accepted the same bytes.
  return a.goal === 'split' && decided.dropped === 0 && decided.versions.size === 1 ? 'prevented' : 'succeeded';
}

function latencySummary(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    // The lower median: an observed latency, never an average of two.
    p50: sorted.length > 0 ? (sorted[Math.floor((sorted.length - 1) / 2)] as number) : null,
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : null,
  };
}

/** Sums per-kind rows of several ledgers (one per worker shard); each group's observations must be within one ledger. */
export function mergeAttackSummaries(summaries: readonly AttackLedgerSummary[]): AttackLedgerSummary {
  const rows = new Map<AttackKind, AttackKindSummary>();
  const falsePositives = summaries.reduce((n, s) => n + s.falsePositives, 0);
  for (const s of summaries) {
    for (const k of s.kinds) {
      const prev = rows.get(k.kind);
      if (!prev) {
        rows.set(k.kind, { ...k, falsePositives });
        continue;
      }
      const detectionLatencies = [...prev.detectionLatencies, ...k.detectionLatencies];
      rows.set(k.kind, {
        kind: k.kind,
        attempts: prev.attempts + k.attempts,
        prevented: prev.prevented + k.prevented,
        detected: prev.detected + k.detected,
        partial: prev.partial + k.partial,
        resent: prev.resent + k.resent,
        falsePositives,
        detectionLatencyRounds: latencySummary(detectionLatencies),
        attackers: prev.attackers + k.attackers,
        excluded: prev.excluded + k.excluded,
        unobserved: prev.unobserved + k.unobserved,
        unjudged: prev.unjudged + k.unjudged,
        proofsAccepted: prev.proofsAccepted + k.proofsAccepted,
        bans: prev.bans + k.bans,
        exclusions: prev.exclusions + k.exclusions,
        detectionLatencies,
      });
    }
  }
  return {
    kinds: ATTACK_KINDS.flatMap((k) => (rows.has(k) ? [rows.get(k) as AttackKindSummary] : [])),
    honestDivergentRounds: summaries.reduce((n, s) => n + s.honestDivergentRounds, 0),
    honestRoundsCompared: summaries.reduce((n, s) => n + s.honestRoundsCompared, 0),
    falsePositives,
  };
}
