import { createHash } from 'node:crypto';
import { createRng, type Rng } from '../random/index.js';

/**
 * The run's schedule (SPEC §9): phases, and who joins and leaves which group when. Computed once,
 * up front, from the profile and its seed alone, so two runs with the same seed get the same
 * schedule whatever the machine does; the controller sends its entries to the shards as commands.
 */
export type Lifetime =
  | { readonly kind: 'exponential'; readonly meanS: number }
  | { readonly kind: 'pareto'; readonly scaleS: number; readonly shape: number }
  | { readonly kind: 'weibull'; readonly scaleS: number; readonly shape: number };

export interface ChurnSettings {
  readonly lifetime: Lifetime;
  /** Share of departures that are crashes (no goodbye; the group removes the silent member). */
  readonly crashFraction: number;
  /** Every departure is followed by a new player joining the same group after this delay; null: none. */
  readonly replaceAfterS: number | null;
}

export interface ScheduleInput {
  readonly seed: number;
  readonly durationS: number;
  /** Members per group by peer index, as the controller planned them. */
  readonly groups: readonly (readonly number[])[];
  readonly rampUpS: number;
  readonly rampDownS: number;
  readonly churn: ChurnSettings | null;
  /** Members a group keeps whatever the churn model draws: NEO needs a majority of the view alive. */
  readonly minGroupMembers: number;
}

export type PhaseName = 'ramp-up' | 'steady' | 'ramp-down';

export interface SchedulePhase {
  readonly name: PhaseName;
  readonly startS: number;
  readonly endS: number;
}

export type ScheduleEntry =
  | { readonly tS: number; readonly type: 'join'; readonly player: number; readonly group: number }
  | { readonly tS: number; readonly type: 'leave'; readonly player: number; readonly group: number; readonly mode: 'graceful' | 'crash' };

export interface RunSchedule {
  readonly phases: readonly SchedulePhase[];
  /** Players present when round 0 starts, per group (each group's founders). */
  readonly founders: readonly (readonly number[])[];
  /** Sorted by time, then player. */
  readonly entries: readonly ScheduleEntry[];
  /** Players ever in the run (initial peers, then replacements numbered on). */
  readonly players: number;
  /** SHA-256 of the canonical schedule: equal digests, equal schedules. */
  readonly digest: string;
}

function drawLifetime(rng: Rng, l: Lifetime): number {
  switch (l.kind) {
    case 'exponential':
      return rng.exponential(l.meanS);
    case 'pareto':
      return rng.pareto(l.scaleS, l.shape);
    case 'weibull':
      return rng.weibull(l.scaleS, l.shape);
  }
}

const ms = (s: number) => Math.round(s * 1000) / 1000;

export function buildSchedule(input: ScheduleInput): RunSchedule {
  const { durationS, rampUpS, rampDownS } = input;
  if (rampUpS + rampDownS > durationS) throw new RangeError(`buildSchedule: ramp-up ${rampUpS} s + ramp-down ${rampDownS} s exceed the duration ${durationS} s`);
  const steadyStart = rampUpS;
  const steadyEnd = durationS - rampDownS;
  const phases: SchedulePhase[] = [];
  if (rampUpS > 0) phases.push({ name: 'ramp-up', startS: 0, endS: rampUpS });
  phases.push({ name: 'steady', startS: steadyStart, endS: steadyEnd });
  if (rampDownS > 0) phases.push({ name: 'ramp-down', startS: steadyEnd, endS: durationS });

  const root = createRng(input.seed).fork('schedule');
  const entries: ScheduleEntry[] = [];
  const founders = input.groups.map((members) => (rampUpS > 0 ? members.slice(0, 2) : [...members]));
  // Ramp-up: the rest join one by one, spread evenly over the ramp-up, in peer order.
  const late = input.groups.flatMap((members, group) => (rampUpS > 0 ? members.slice(2).map((player) => ({ player, group })) : []));
  late.sort((a, b) => a.player - b.player);
  late.forEach(({ player, group }, k) => entries.push({ tS: ms((rampUpS * (k + 1)) / (late.length + 1)), type: 'join', player, group }));

  let nextPlayer = input.groups.reduce((n, m) => n + m.length, 0);
  // Steady-phase churn, simulated in time order so the group-size floor sees who is really there.
  if (input.churn) {
    const churn = input.churn;
    const rng = root.fork('churn');
    type Pending = { tS: number; kind: 'leave' | 'join'; player: number; group: number };
    const queue: Pending[] = [];
    const alive = input.groups.map((m) => m.length);
    const arrive = (player: number, group: number, atS: number) => {
      const life = drawLifetime(rng.fork(`player:${player}`), churn.lifetime);
      const leaveAt = Math.max(atS, steadyStart) + life;
      if (leaveAt < steadyEnd) queue.push({ tS: leaveAt, kind: 'leave', player, group });
    };
    input.groups.forEach((members, group) => members.forEach((p) => arrive(p, group, 0)));
    while (queue.length > 0) {
      queue.sort((a, b) => a.tS - b.tS || a.player - b.player);
      const next = queue.shift() as Pending;
      if (next.kind === 'join') {
        entries.push({ tS: ms(next.tS), type: 'join', player: next.player, group: next.group });
        alive[next.group] = (alive[next.group] as number) + 1;
        arrive(next.player, next.group, next.tS);
        continue;
      }
      // The floor: a group this small keeps its member (it lives on past its drawn lifetime).
      if ((alive[next.group] as number) <= input.minGroupMembers) continue;
      const mode = rng.fork(`mode:${next.player}`).bool(churn.crashFraction) ? 'crash' : 'graceful';
      entries.push({ tS: ms(next.tS), type: 'leave', player: next.player, group: next.group, mode });
      alive[next.group] = (alive[next.group] as number) - 1;
      if (churn.replaceAfterS !== null && next.tS + churn.replaceAfterS < steadyEnd) {
        queue.push({ tS: next.tS + churn.replaceAfterS, kind: 'join', player: nextPlayer++, group: next.group });
      }
    }
  }

  // Ramp-down: everyone but each group's last two leaves gracefully, spread over the ramp-down.
  if (rampDownS > 0) {
    const present = new Map<number, number>();
    input.groups.forEach((members, group) => members.forEach((p) => present.set(p, group)));
    for (const e of [...entries].sort((a, b) => a.tS - b.tS)) {
      if (e.type === 'join') present.set(e.player, e.group);
      else present.delete(e.player);
    }
    const byGroup = new Map<number, number[]>();
    for (const [player, group] of present) byGroup.set(group, [...(byGroup.get(group) ?? []), player]);
    const leaving = [...byGroup.entries()].flatMap(([group, players]) => players.sort((a, b) => a - b).slice(0, Math.max(0, players.length - 2)).map((player) => ({ player, group })));
    leaving.sort((a, b) => a.player - b.player);
    leaving.forEach(({ player, group }, k) => entries.push({ tS: ms(steadyEnd + (rampDownS * (k + 1)) / (leaving.length + 1)), type: 'leave', player, group, mode: 'graceful' }));
  }

  entries.sort((a, b) => a.tS - b.tS || a.player - b.player);
  const digest = createHash('sha256').update(JSON.stringify({ phases, founders, entries })).digest('hex');
  return { phases, founders, entries, players: nextPlayer, digest };
}

/** The phase at `tS` seconds into the run. */
export function phaseAt(schedule: RunSchedule, tS: number): PhaseName {
  for (const p of schedule.phases) if (tS < p.endS) return p.name;
  return (schedule.phases[schedule.phases.length - 1] as SchedulePhase).name;
}
