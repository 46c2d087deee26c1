import { describe, expect, it } from 'vitest';
import { createBot, createGame, encodeUpdate, type Bot, type GameSnapshot, type GameUpdate } from '../../src/game/index.js';
import { createRng } from '../../src/random/index.js';
import { hex, walkTo } from './helpers.js';

/** A whole game played by bots that see the state after every round, as a replica would. */
function botGame(seed: string, members: number, rounds: number, worldSize = 64) {
  const game = createGame({ members, seed, worldSize });
  const root = createRng(seed).fork('bot');
  const bots = Array.from({ length: members }, (_, member) => createBot({ member, rng: root.fork(String(member)) }));
  const sent: GameUpdate[][] = [];
  const hashes: string[] = [];
  let chestRound = -1;
  for (let r = 0; r < rounds; r++) {
    const view = game.snapshot();
    const updates = bots.map((b) => b.nextUpdate(view, r));
    sent.push(updates);
    game.applyRound(r, updates.map((u, member) => ({ member, payload: encodeUpdate(u) })));
    hashes.push(hex(game.stateHash()));
    if (chestRound < 0 && game.snapshot().chests[0]!.owner !== -1) chestRound = r;
  }
  return { game, sent, hashes, chestRound };
}

function viewWith(base: GameSnapshot, patch: Partial<GameSnapshot>): GameSnapshot {
  return { ...base, ...patch };
}

const person = (x: number, y: number, alive = true) => ({ x, y, hp: alive ? 100 : 0, alive, gold: 0 });

describe('bot', () => {
  it('gives the same updates for the same seed and views', () => {
    const a = botGame('bots', 8, 200);
    const b = botGame('bots', 8, 200);
    expect(b.sent).toEqual(a.sent);
    expect(b.hashes).toEqual(a.hashes);
    expect(botGame('other', 8, 200).sent).not.toEqual(a.sent);
  });

  it('finds and takes the chest, and fights along the way', () => {
    const { game, sent, chestRound } = botGame('treasure', 8, 200);
    expect(chestRound).toBeGreaterThanOrEqual(0);
    expect(chestRound).toBeLessThan(40);
    const owner = game.snapshot().chests[0]!.owner;
    expect(game.snapshot().members[owner]!.gold).toBe(100);
    expect(sent.flat().some((u) => u.action.kind === 'attack')).toBe(true);
    expect(game.malformedUpdates).toBe(0);
    expect(game.snapshot().members.some((m) => m.hp < 100)).toBe(true);
  });

  it('walks straight at the nearest free chest and takes it once it ends beside it', () => {
    const base = createGame({ members: 2, seed: 1, worldSize: 32 }).snapshot();
    const bot = createBot({ member: 0, rng: createRng(1), attackPercent: 0 });
    const chests = [
      { x: 20, y: 20, owner: -1 },
      { x: 3, y: 9, owner: -1 },
      { x: 1, y: 1, owner: 1 },
    ];
    const at = (x: number, y: number) => viewWith(base, { members: [person(x, y), person(30, 30)], chests });
    expect(bot.nextUpdate(at(0, 0), 0)).toEqual({ dx: 3, dy: 4, action: { kind: 'none' } });
    expect(bot.nextUpdate(at(3, 4), 1)).toEqual({ dx: 0, dy: 4, action: { kind: 'take-chest' } });
    expect(bot.nextUpdate(at(2, 9), 2)).toEqual({ dx: 1, dy: 0, action: { kind: 'take-chest' } });
  });

  it('attacks a living member in reach only as often as it is told to', () => {
    const base = createGame({ members: 3, seed: 1, worldSize: 32 }).snapshot();
    const view = viewWith(base, {
      members: [person(10, 10), person(11, 10), person(10, 12, false)],
      chests: [{ x: 0, y: 0, owner: 2 }],
    });
    const count = (bot: Bot) => {
      let attacks = 0;
      for (let r = 0; r < 200; r++) {
        const u = bot.nextUpdate(view, r);
        if (u.action.kind === 'attack') {
          attacks++;
          expect(u.action.target).toBe(1); // never itself, never the dead
        }
      }
      return attacks;
    };
    expect(count(createBot({ member: 0, rng: createRng('a'), attackPercent: 0 }))).toBe(0);
    const some = count(createBot({ member: 0, rng: createRng('a') }));
    expect(some).toBeGreaterThan(10);
    expect(some).toBeLessThan(150);
  });

  it('stays within the world while wandering and idles once dead', () => {
    const game = createGame({ members: 1, seed: 'wander', worldSize: 6 });
    let r = walkTo(game, new Map([[0, game.snapshot().chests[0]!]]), 0);
    game.applyRound(r++, [{ member: 0, payload: encodeUpdate({ dx: 0, dy: 0, action: { kind: 'take-chest' } }) }]);
    const bot = createBot({ member: 0, rng: createRng('wander') });
    const visited = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const u = bot.nextUpdate(game.snapshot(), r);
      game.applyRound(r++, [{ member: 0, payload: encodeUpdate(u) }]);
      const m = game.snapshot().members[0]!;
      visited.add(`${m.x},${m.y}`);
    }
    // Turning when blocked keeps it from pinning itself against an edge.
    expect(visited.size).toBeGreaterThan(10);
    const dead = viewWith(game.snapshot(), { members: [person(3, 3, false)] });
    expect(bot.nextUpdate(dead, r)).toEqual({ dx: 0, dy: 0, action: { kind: 'none' } });
  });

  it('stops at its movement model\'s destination though the view it is given lags two rounds', () => {
    const game = createGame({ members: 1, seed: 'steer', worldSize: 64 });
    const start = game.snapshot().members[0]!;
    const destination = { x: start.x < 32 ? start.x + 21 : start.x - 21, y: start.y };
    const bot = createBot({ member: 0, rng: createRng('steer'), attackPercent: 0, steer: () => destination });
    const views: GameSnapshot[] = [game.snapshot(), game.snapshot()];
    const xs: number[] = [];
    for (let r = 0; r < 30; r++) {
      // As under NEO: the update for round r is chosen from the state two rounds behind.
      const u = bot.nextUpdate(views[r] as GameSnapshot, r);
      game.applyRound(r, [{ member: 0, payload: encodeUpdate(u) }]);
      views.push(game.snapshot());
      xs.push(game.snapshot().members[0]!.x);
    }
    // Its moves still in flight count: it never walks past the destination, and stays there.
    const past = xs.map((x) => (destination.x - start.x) * (x - destination.x));
    expect(Math.max(...past)).toBe(0);
    expect(xs.slice(-10).every((x) => x === destination.x)).toBe(true);
  });

  it('refuses bad arguments', () => {
    const rng = createRng(1);
    expect(() => createBot({ member: -1, rng })).toThrow(RangeError);
    expect(() => createBot({ member: 0, rng: {} as never })).toThrow(TypeError);
    expect(() => createBot({ member: 0, rng, attackPercent: 101 })).toThrow(RangeError);
    const bot = createBot({ member: 3, rng });
    const view = createGame({ members: 2, seed: 1 }).snapshot();
    expect(() => bot.nextUpdate(view, 0)).toThrow(RangeError);
    expect(() => createBot({ member: 0, rng }).nextUpdate(view, -1)).toThrow(RangeError);
  });
});
