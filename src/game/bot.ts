import type { Rng } from '../random/index.js';
import { ATTACK_RANGE, CHEST_RANGE, MAX_STEP, chebyshev, clamp } from './rules.js';
import type { GameSnapshot } from './state.js';
import type { GameUpdate } from './update.js';

export interface BotOptions {
  /** The member this bot plays. */
  readonly member: number;
  /** The bot's own stream (e.g. `root.fork('bot').fork(String(member))`); the bot owns it. */
  readonly rng: Rng;
  /** Chance, in percent, of attacking when another living member is in reach; default 25. */
  readonly attackPercent?: number;
  /** Chance, in percent, of picking a new wandering heading each round; default 25. */
  readonly turnPercent?: number;
  /**
   * A movement model's destination for a round (src/scenario/movement.ts), or null to roam: when
   * given, the bot walks there instead of seeking chests or wandering, and still fights on the way.
   */
  readonly steer?: (round: number) => { readonly x: number; readonly y: number } | null;
}

export interface Bot {
  readonly member: number;
  /**
   * The update this bot sends in `round`, given the latest state it has seen. Depends only on the
   * views passed so far and the bot's rng stream, so the same seed and views give the same updates.
   */
  nextUpdate(view: GameSnapshot, round: number): GameUpdate;
}

const IDLE: GameUpdate = Object.freeze({ dx: 0, dy: 0, action: Object.freeze({ kind: 'none' }) });

function checkPercent(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) {
    throw new RangeError(`createBot: ${name} must be an integer in [0, 100], got ${String(v)}`);
  }
  return v;
}

function step(delta: number): number {
  return clamp(delta, -MAX_STEP, MAX_STEP);
}

export function createBot(options: BotOptions): Bot {
  if (typeof options !== 'object' || options === null) throw new TypeError('createBot: expected an options object');
  const { member, rng } = options;
  if (typeof member !== 'number' || !Number.isInteger(member) || member < 0) {
    throw new RangeError(`createBot: member must be an integer >= 0, got ${String(member)}`);
  }
  if (typeof rng !== 'object' || rng === null || typeof rng.int !== 'function') throw new TypeError('createBot: rng must be an Rng');
  const attackPercent = checkPercent('attackPercent', options.attackPercent ?? 25);
  const turnPercent = checkPercent('turnPercent', options.turnPercent ?? 25);
  // Wandering keeps a heading for a while so bots roam the world instead of jittering in place.
  let headingX = 0;
  let headingY = 0;
  // A steered bot's own moves sent but not yet in the view it is given (the view lags a few rounds):
  // it walks from where they will have taken it, so it stops at its destination instead of
  // overshooting it by those rounds' steps and swinging back and forth around it.
  const inFlight = new Map<number, { readonly dx: number; readonly dy: number }>();
  const drawHeading = (): void => {
    headingX = rng.int(2 * MAX_STEP + 1) - MAX_STEP;
    headingY = rng.int(2 * MAX_STEP + 1) - MAX_STEP;
  };

  return Object.freeze({
    member,
    nextUpdate(view: GameSnapshot, round: number): GameUpdate {
      if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0) {
        throw new RangeError(`Bot.nextUpdate: round must be a safe integer >= 0, got ${String(round)}`);
      }
      const me = view.members[member];
      if (me === undefined) throw new RangeError(`Bot.nextUpdate: member ${member} is not in a view of ${view.members.length}`);
      if (!me.alive) return IDLE;
      const edge = view.worldSize - 1;

      const destination = options.steer?.(round) ?? null;
      let target: { x: number; y: number } | undefined;
      let best = Infinity;
      // A bot sent somewhere by its movement model goes there; only a roaming bot seeks chests.
      for (const c of destination === null ? view.chests : []) {
        if (c.owner !== -1) continue;
        const d = chebyshev(me.x, me.y, c.x, c.y);
        if (d < best) {
          best = d;
          target = c;
        }
      }

      let dx: number;
      let dy: number;
      if (destination !== null) {
        let ahead = { x: me.x, y: me.y };
        for (const [r, move] of inFlight) {
          if (r <= view.round || r >= round) inFlight.delete(r);
          else ahead = { x: clamp(ahead.x + move.dx, 0, edge), y: clamp(ahead.y + move.dy, 0, edge) };
        }
        dx = step(destination.x - ahead.x);
        dy = step(destination.y - ahead.y);
        inFlight.set(round, { dx, dy });
      } else if (target !== undefined) {
        dx = step(target.x - me.x);
        dy = step(target.y - me.y);
      } else {
        // A heading that runs into the edge would leave the bot pinned there; turn instead.
        const blocked = clamp(me.x + headingX, 0, edge) === me.x && clamp(me.y + headingY, 0, edge) === me.y;
        if (blocked || rng.int(100) < turnPercent) drawHeading();
        dx = headingX;
        dy = headingY;
      }
      const nx = clamp(me.x + dx, 0, edge);
      const ny = clamp(me.y + dy, 0, edge);

      // The game moves before it acts, so a bot that ends its step beside the chest can take it now.
      if (target !== undefined && chebyshev(nx, ny, target.x, target.y) <= CHEST_RANGE) {
        return { dx, dy, action: { kind: 'take-chest' } };
      }
      const inReach: number[] = [];
      view.members.forEach((m, i) => {
        if (i !== member && m.alive && chebyshev(nx, ny, m.x, m.y) <= ATTACK_RANGE) inReach.push(i);
      });
      if (inReach.length > 0 && rng.int(100) < attackPercent) {
        return { dx, dy, action: { kind: 'attack', target: rng.pick(inReach) } };
      }
      return { dx, dy, action: { kind: 'none' } };
    },
  });
}
