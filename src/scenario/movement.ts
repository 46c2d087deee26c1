import { createRng, type Rng } from '../random/index.js';

/**
 * Movement models (SPEC §9): where a player heads in each round. A model is a pure function of the
 * profile seed, the player and the round number, never of timing, so a run repeats exactly and a
 * replica can be recomputed by anyone. The bot walks toward the destination at most MAX_STEP tiles
 * per axis per round and fights on the way (src/game/bot.ts); null lets it roam after chests.
 */
export type MovementModel =
  | { readonly model: 'roam' }
  /** Each player walks from waypoint to waypoint, spending legRounds on each (arrive, then wait). */
  | { readonly model: 'random-waypoint'; readonly minLegRounds: number; readonly maxLegRounds: number }
  /**
   * Everyone roams until `startRound`, then walks to one point (hotspot convergence); from
   * `endRound` on, the crowd disperses: each player walks its own random waypoints, legs of
   * minLegRounds…maxLegRounds (default DISPERSE_LEG_ROUNDS).
   */
  | {
      readonly model: 'hotspot';
      readonly x: number;
      readonly y: number;
      readonly startRound: number;
      /** Each player heads to its own point within this many tiles of the spot (per axis, drawn from the seed): a crowd, not a stack. Default 0. */
      readonly radius?: number;
      readonly endRound?: number;
      readonly minLegRounds?: number;
      readonly maxLegRounds?: number;
    }
  /** The players of a group share one waypoint sequence: the group travels together. */
  | { readonly model: 'group-travel'; readonly minLegRounds: number; readonly maxLegRounds: number }
  /** Listed players follow fixed points in order (legRounds each), staying at the last; others roam. */
  | { readonly model: 'scripted'; readonly paths: readonly { readonly players: readonly number[]; readonly points: readonly (readonly [number, number])[]; readonly legRounds: number }[] };

/** Dispersal legs when a hotspot model names none: random-waypoint's default 2-6 s at 100 ms rounds. */
export const DISPERSE_LEG_ROUNDS = { min: 20, max: 60 } as const;

export type Steer = (round: number) => { readonly x: number; readonly y: number } | null;

export interface MovementContext {
  readonly seed: number | string;
  /** The player's id in the run's schedule (peer index for the initial players). */
  readonly player: number;
  readonly group: number;
  readonly worldSize: number;
}

/** Waypoints drawn lazily from one stream; a leg's length is drawn with its point, so any round's target is fixed. */
function waypointWalk(rng: Rng, worldSize: number, minLeg: number, maxLeg: number): Steer {
  const legs: { untilRound: number; x: number; y: number }[] = [];
  return (round) => {
    while (legs.length === 0 || (legs[legs.length - 1] as { untilRound: number }).untilRound <= round) {
      const from = legs.length === 0 ? 0 : (legs[legs.length - 1] as { untilRound: number }).untilRound;
      legs.push({ untilRound: from + minLeg + rng.int(maxLeg - minLeg + 1), x: rng.int(worldSize), y: rng.int(worldSize) });
    }
    // Rounds are asked in increasing order in practice; a binary search keeps a stray early one exact.
    let lo = 0;
    let hi = legs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((legs[mid] as { untilRound: number }).untilRound > round) hi = mid;
      else lo = mid + 1;
    }
    const leg = legs[lo] as { x: number; y: number };
    return { x: leg.x, y: leg.y };
  };
}

/** Converge on the spot from startRound; from endRound, each player's own waypoints, the first leg starting then. */
function hotspotSteer(model: Extract<MovementModel, { model: 'hotspot' }>, ctx: MovementContext, spot: { x: number; y: number }): Steer {
  const r = model.radius ?? 0;
  const offset = createRng(ctx.seed).fork('movement').fork('crowd').fork(`player:${ctx.player}`);
  const edge = ctx.worldSize - 1;
  const mine = r === 0 ? spot : { x: Math.min(edge, Math.max(0, spot.x - r + offset.int(2 * r + 1))), y: Math.min(edge, Math.max(0, spot.y - r + offset.int(2 * r + 1))) };
  const converge: Steer = (round) => (round >= model.startRound ? mine : null);
  const { endRound } = model;
  if (endRound === undefined) return converge;
  const rng = createRng(ctx.seed).fork('movement').fork('disperse').fork(`player:${ctx.player}`);
  const disperse = waypointWalk(rng, ctx.worldSize, model.minLegRounds ?? DISPERSE_LEG_ROUNDS.min, model.maxLegRounds ?? DISPERSE_LEG_ROUNDS.max);
  return (round) => (round >= endRound ? disperse(round - endRound) : converge(round));
}

export function createSteer(model: MovementModel, ctx: MovementContext): Steer | null {
  const edge = ctx.worldSize - 1;
  const clampPoint = (x: number, y: number) => ({ x: Math.min(edge, Math.max(0, x)), y: Math.min(edge, Math.max(0, y)) });
  switch (model.model) {
    case 'roam':
      return null;
    case 'random-waypoint':
      return waypointWalk(createRng(ctx.seed).fork('movement').fork(`player:${ctx.player}`), ctx.worldSize, model.minLegRounds, model.maxLegRounds);
    case 'group-travel':
      return waypointWalk(createRng(ctx.seed).fork('movement').fork(`group:${ctx.group}`), ctx.worldSize, model.minLegRounds, model.maxLegRounds);
    case 'hotspot':
      return hotspotSteer(model, ctx, clampPoint(model.x, model.y));
    case 'scripted': {
      const path = model.paths.find((p) => p.players.includes(ctx.player));
      if (!path || path.points.length === 0) return null;
      const points = path.points.map(([x, y]) => clampPoint(x, y));
      return (round) => points[Math.min(points.length - 1, Math.floor(round / path.legRounds))] ?? null;
    }
  }
}
