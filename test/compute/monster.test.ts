import { describe, expect, it } from 'vitest';
import { AGGRO_TILES, MAX_BITE, PLAYER_BLOW, decodeStepResult, encodeStepResult, spawnMonsters, stepMonsters, stepResultDigest, type Monster } from '../../src/compute/index.js';

const SEED = 'area-seed';

describe('monster AI steps', () => {
  it('spawns the same monsters from the same seed, inside the area', () => {
    const a = spawnMonsters(SEED, 8, { x: 100, y: 200, w: 16, h: 16 });
    expect(spawnMonsters(SEED, 8, { x: 100, y: 200, w: 16, h: 16 })).toEqual(a);
    expect(spawnMonsters('another seed', 8, { x: 100, y: 200, w: 16, h: 16 })).not.toEqual(a);
    for (const m of a) {
      expect(m.x).toBeGreaterThanOrEqual(100);
      expect(m.x).toBeLessThan(116);
      expect(m.y).toBeGreaterThanOrEqual(200);
      expect(m.y).toBeLessThan(216);
      expect(m.hp).toBeGreaterThan(0);
    }
    expect(() => spawnMonsters(SEED, 33, { x: 0, y: 0, w: 4, h: 4 })).toThrow(RangeError);
  });

  it('gives every executor the same bytes for the same inputs, and other bytes for other inputs', () => {
    const monsters = spawnMonsters(SEED, 6, { x: 0, y: 0, w: 10, h: 10 });
    const inputs = { epoch: 4, players: [{ seat: 2, x: 5, y: 5, attacks: 0 }, { seat: 0, x: 1, y: 9, attacks: 1 }] };
    const one = stepMonsters(SEED, monsters, inputs);
    const two = stepMonsters(SEED, [...monsters].reverse(), { ...inputs, players: [...inputs.players].reverse() });
    expect(encodeStepResult(two)).toEqual(encodeStepResult(one));
    const moved = { ...inputs, players: [{ seat: 2, x: 2, y: 2, attacks: 0 }, { seat: 0, x: 1, y: 9, attacks: 1 }] };
    expect(stepResultDigest(stepMonsters(SEED, monsters, moved))).not.toEqual(stepResultDigest(one));
  });

  it('chases the nearest player within reach, bites one beside it, and ignores players far away', () => {
    const m: Monster = { id: 0, x: 10, y: 10, hp: 40, treasure: 50 };
    const walk = stepMonsters(SEED, [m], { epoch: 1, players: [{ seat: 1, x: 14, y: 7, attacks: 0 }, { seat: 3, x: 10 + AGGRO_TILES + 1, y: 10, attacks: 0 }] });
    expect(walk.monsters[0]).toMatchObject({ x: 11, y: 9 });
    expect(walk.events).toEqual([]);
    const bite = stepMonsters(SEED, [m], { epoch: 1, players: [{ seat: 1, x: 11, y: 11, attacks: 0 }] });
    expect(bite.monsters[0]).toMatchObject({ x: 10, y: 10 });
    expect(bite.events).toHaveLength(1);
    const event = bite.events[0] as (typeof bite.events)[number];
    expect(event).toMatchObject({ kind: 'bite', monster: 0, seat: 1 });
    expect(event.amount).toBeGreaterThanOrEqual(1);
    expect(event.amount).toBeLessThanOrEqual(MAX_BITE);
    const far = stepMonsters(SEED, [m], { epoch: 1, players: [{ seat: 1, x: 30, y: 30, attacks: 0 }] });
    expect(far.monsters[0]).toEqual(m);
  });

  it('dies under the blows of the players beside it and drops its treasure to the one whose blow killed it', () => {
    const m: Monster = { id: 3, x: 10, y: 10, hp: PLAYER_BLOW * 2, treasure: 77 };
    const players = [{ seat: 4, x: 11, y: 10, attacks: 4 }, { seat: 2, x: 9, y: 9, attacks: 4 }, { seat: 6, x: 15, y: 15, attacks: 4 }];
    const result = stepMonsters(SEED, [m], { epoch: 9, players });
    expect(result.monsters).toEqual([]);
    // Seats strike in seat order: 2 first, then 4, whose blow kills; 6 is too far to strike.
    expect(result.events).toEqual([{ kind: 'drop', monster: 3, seat: 4, amount: 77 }]);
    const wounded = stepMonsters(SEED, [m], { epoch: 9, players: players.slice(0, 1) });
    expect(wounded.monsters[0]).toMatchObject({ hp: PLAYER_BLOW });
  });

  it('decodes a step result back from its bytes and refuses other bytes without throwing', () => {
    const monsters = spawnMonsters('run-1/field', 4, { x: 0, y: 0, w: 8, h: 8 });
    const result = stepMonsters('run-1/field', monsters, { epoch: 2, players: monsters.map((m, seat) => ({ seat, x: m.x, y: m.y, attacks: m.id + 1 })) });
    expect(result.events.length).toBeGreaterThan(0);
    const bytes = encodeStepResult(result);
    expect(decodeStepResult(bytes)).toEqual({ monsters: [...result.monsters], events: [...result.events] });
    expect(decodeStepResult(bytes.subarray(0, bytes.length - 1))).toBeNull();
    expect(decodeStepResult(new Uint8Array([...bytes, 0]))).toBeNull();
    // An event kind past 'drop' is not a step result.
    const badKind = encodeStepResult({ monsters: [], events: [{ kind: 'bite', monster: 0, seat: 0, amount: 1 }] });
    badKind[badKind.length - 6] = 7;
    expect(decodeStepResult(badKind)).toBeNull();
  });
});
