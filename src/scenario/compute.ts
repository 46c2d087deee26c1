import { z } from 'zod';
import { MAX_MONSTERS } from '../compute/index.js';
import { expandOrNull } from './characters.js';

/** Peers named by index, as profile.ts validates them: "0-3,7" or a list of indexes. */
type PeerSet = string | number[];

/**
 * The profile's replicated computation (docs/profiles.md, "Computation"; docs/compute.md): every
 * group's area has monsters that step every `everyS`, each step run by r executors drawn from the
 * shard's certified players, r the smallest with C(c, r) / C(n, r) < `tolerance` for
 * `assumedColluders` c among the n candidates (src/controller/run-plan.ts, computeDraw). Kept apart from profile.ts, which composes it.
 */
export const computeSchema = z.strictObject({
  everyS: z.number().min(0.2).max(60).default(1),
  monsters: z.number().int().min(1).max(MAX_MONSTERS).default(8),
  tolerance: z.number().gt(0).max(1).default(0.01),
  assumedColluders: z.number().int().min(0).default(0),
});

/** What a colluder does when drawn: lie every time (`always`: caught on a draw with an honest executor), or only when every executor drawn is a colluder (`all-drawn`: never caught, escapes at the formula's rate). */
export const COLLUDER_STRATEGIES = ['always', 'all-drawn'] as const;

/**
 * `colluding-executors`: from `fromS` to `toS` the `colluders` (peer indexes) return one wrong result
 * together when drawn. `isolated-executor`: from `fromS` to `toS` the `player`, alone in an area of
 * its own, signs its monsters' step itself (every monster dead, its treasure to it) and offers it to
 * the cross-check beside the drawn executors' answers.
 */
export const computeAttacksSchema = (peerSet: z.ZodType<PeerSet>) =>
  z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('colluding-executors'), colluders: peerSet, fromS: z.number().min(0).default(0), toS: z.number().positive(), strategy: z.enum(COLLUDER_STRATEGIES).default('always') }),
        z.strictObject({ kind: z.literal('isolated-executor'), player: z.number().int().min(0), fromS: z.number().min(0).default(0), toS: z.number().positive() }),
      ]),
    )
    .default([]);

export type ComputeSpec = z.infer<typeof computeSchema>;
export type ComputeAttackSpec = z.infer<ReturnType<typeof computeAttacksSchema>>[number];
export type ColludingExecutorsSpec = Extract<ComputeAttackSpec, { kind: 'colluding-executors' }>;
export type IsolatedExecutorSpec = Extract<ComputeAttackSpec, { kind: 'isolated-executor' }>;

/** What the rules across fields look at. */
export interface ComputeProfileView {
  readonly peers: number;
  readonly durationS: number;
  readonly compute?: ComputeSpec | undefined;
  readonly computeAttacks: readonly ComputeAttackSpec[];
}

/** Rules across fields: attacks need computation, name existing peers, fall within the run; colluders assumed fit among the peers. */
export function computeIssues(profile: ComputeProfileView, expand: (set: PeerSet) => number[]): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (profile.compute && profile.compute.assumedColluders >= profile.peers) {
    issues.push({ path: 'compute.assumedColluders', message: `must be below the peers (${profile.peers}): with every candidate a colluder no number of executors helps` });
  }
  const players = new Set<number>();
  profile.computeAttacks.forEach((a, i) => {
    const path = `computeAttacks[${i}]`;
    if (!profile.compute) issues.push({ path, message: 'needs compute: only players that run game processes can collude as executors or run their monsters themselves' });
    if (a.fromS >= a.toS) issues.push({ path: `${path}.toS`, message: `must be after fromS (${a.fromS}), got ${a.toS}` });
    if (a.fromS >= profile.durationS) issues.push({ path: `${path}.fromS`, message: `must be before the run ends (durationS ${profile.durationS}), got ${a.fromS}` });
    const named = a.kind === 'isolated-executor' ? (a.player < profile.peers ? [a.player] : null) : expandOrNull(a.colluders, profile.peers, expand);
    if (!named) {
      issues.push({ path: `${path}.${a.kind === 'isolated-executor' ? 'player' : 'colluders'}`, message: `peer indexes must be within 0-${profile.peers - 1}${a.kind === 'isolated-executor' ? '' : ', lower first'}` });
      return;
    }
    for (const p of named) {
      if (players.has(p)) issues.push({ path, message: `peer ${p} already attacks computation in another entry: one computation attack per player` });
      players.add(p);
    }
  });
  return issues;
}
