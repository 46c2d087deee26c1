import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGame, type Game, type GameSnapshot, type RoundUpdate } from '../../src/game/index.js';
import { attack, hex, idle, take, tilesAround, upd, walkTo } from './helpers.js';

/** The state encoding exactly as docs/game.md spells it, written independently of the code. */
function documentedHash(s: GameSnapshot): string {
  const tag = Buffer.from('p2p-mmog/game-state/v1', 'ascii');
  const size = tag.length + (s.round < 0 ? 1 : 9) + 2 + 2 + 10 * s.members.length + 1 + 6 * s.chests.length;
  const buf = Buffer.alloc(size);
  let o = tag.copy(buf, 0);
  if (s.round < 0) o = buf.writeUInt8(0, o);
  else o = buf.writeBigUInt64BE(BigInt(s.round), buf.writeUInt8(1, o));
  o = buf.writeUInt16BE(s.worldSize, o);
  o = buf.writeUInt16BE(s.members.length, o);
  for (const m of s.members) {
    o = buf.writeUInt16BE(m.x, o);
    o = buf.writeUInt16BE(m.y, o);
    o = buf.writeUInt8(m.hp, o);
    o = buf.writeUInt8(m.alive ? 1 : 0, o);
    o = buf.writeUInt32BE(m.gold, o);
  }
  o = buf.writeUInt8(s.chests.length, o);
  for (const c of s.chests) {
    o = buf.writeUInt16BE(c.x, o);
    o = buf.writeUInt16BE(c.y, o);
    o = buf.writeUInt16BE(c.owner + 1, o);
  }
  expect(o).toBe(size);
  return createHash('sha256').update(buf).digest('hex');
}

/** Two members on tiles beside the first chest, ready to contest it; returns the next round. */
function besideChest(game: Game, a: number, b: number, round: number): number {
  const s = game.snapshot();
  const chest = s.chests[0]!;
  const [ta, tb] = tilesAround(chest.x, chest.y, 1, s.worldSize).filter((t) => t.x !== chest.x || t.y !== chest.y);
  return walkTo(game, new Map([[a, ta!], [b, tb!]]), round);
}

describe('createGame', () => {
  it('places members and chests from the seed alone', () => {
    const a = createGame({ members: 8, seed: 42 });
    expect(createGame({ members: 8, seed: '42' }).snapshot()).toEqual(a.snapshot());
    expect(createGame({ members: 8, seed: 42n }).stateHash()).toEqual(a.stateHash());
    expect(createGame({ members: 8, seed: 43 }).snapshot()).not.toEqual(a.snapshot());
    // Separate streams: the member count does not move the chests.
    expect(createGame({ members: 3, seed: 42 }).snapshot().chests).toEqual(a.snapshot().chests);
  });

  it('starts everyone alive at full hp with no gold, inside the world, chests free on distinct tiles', () => {
    const s = createGame({ members: 20, seed: 'start', worldSize: 5, chests: 25 }).snapshot();
    expect(s.round).toBe(-1);
    expect(s.worldSize).toBe(5);
    for (const m of s.members) {
      expect(m).toMatchObject({ hp: 100, alive: true, gold: 0 });
      expect(m.x >= 0 && m.x < 5 && m.y >= 0 && m.y < 5).toBe(true);
    }
    expect(s.chests.every((c) => c.owner === -1)).toBe(true);
    expect(new Set(s.chests.map((c) => `${c.x},${c.y}`)).size).toBe(25);
    expect(createGame({ members: 1, seed: 1 }).snapshot()).toMatchObject({ worldSize: 64, chests: [{ owner: -1 }] });
  });

  it('refuses bad options as programmer errors', () => {
    expect(() => createGame({ members: 0, seed: 1 })).toThrow(RangeError);
    expect(() => createGame({ members: 65536, seed: 1 })).toThrow(RangeError);
    expect(() => createGame({ members: 1.5, seed: 1 })).toThrow(TypeError);
    expect(() => createGame({ members: 2, seed: 1, worldSize: 0 })).toThrow(RangeError);
    expect(() => createGame({ members: 2, seed: 1, worldSize: 65536 })).toThrow(RangeError);
    expect(() => createGame({ members: 2, seed: 1, chests: -1 })).toThrow(RangeError);
    expect(() => createGame({ members: 2, seed: 1, chests: 256 })).toThrow(RangeError);
    expect(() => createGame({ members: 2, seed: 1, worldSize: 2, chests: 5 })).toThrow(/do not fit/);
    expect(() => createGame({ members: 2, seed: 1.5 })).toThrow(RangeError);
  });

  it('cannot be reshaped from outside', () => {
    const g = createGame({ members: 2, seed: 1 });
    expect(() => {
      (g as { members: number }).members = 5;
    }).toThrow(TypeError);
    expect(() => {
      (g as { malformedUpdates: number }).malformedUpdates = 5;
    }).toThrow(TypeError);
  });
});

describe('state hash', () => {
  it('is SHA-256 over the documented encoding, before and after rounds', () => {
    const g = createGame({ members: 3, seed: 'doc', worldSize: 10, chests: 2 });
    expect(hex(g.stateHash())).toBe(documentedHash(g.snapshot()));
    let r = besideChest(g, 0, 2, 0);
    g.applyRound(r++, [{ member: 2, payload: take() }]);
    g.applyRound(r + 1000, [{ member: 0, payload: attack(2) }]);
    expect(g.snapshot().chests.some((c) => c.owner === 2)).toBe(true);
    expect(hex(g.stateHash())).toBe(documentedHash(g.snapshot()));
  });

  it('is pinned for a fixed seed, so a change to the encoding or the rules cannot go unnoticed', () => {
    const g = createGame({ members: 4, seed: 7 });
    g.applyRound(0, [0, 1, 2, 3].map((member) => ({ member, payload: upd(1, -1) })));
    expect(hex(g.stateHash())).toBe('ceb67d2e24c8ecaf2858294df23cdde5f86ae438effe5cd04d45ea8d56315cd0');
  });

  it('covers the round: an empty round changes the hash and nothing else', () => {
    const g = createGame({ members: 2, seed: 1 });
    const before = g.snapshot();
    const h0 = hex(g.stateHash());
    g.applyRound(0, []);
    expect(hex(g.stateHash())).not.toBe(h0);
    expect({ ...g.snapshot(), round: -1 }).toEqual(before);
  });

  it('hands out copies', () => {
    const g = createGame({ members: 2, seed: 1 });
    const h = g.stateHash();
    h.fill(0);
    expect(hex(g.stateHash())).not.toBe(hex(h));
    const s = g.snapshot() as unknown as { members: { hp: number }[] };
    s.members[0]!.hp = 1;
    expect(g.snapshot().members[0]!.hp).toBe(100);
  });
});

describe('applyRound', () => {
  it('gives the same state whatever order the updates are passed in', () => {
    const a = createGame({ members: 5, seed: 'order', worldSize: 6, chests: 3 });
    const b = createGame({ members: 5, seed: 'order', worldSize: 6, chests: 3 });
    for (let r = 0; r < 30; r++) {
      const updates: RoundUpdate[] = [0, 1, 2, 3, 4].map((member) => {
        const k = (r * 7 + member * 3) % 5;
        const payload = k === 0 ? take(1, 0) : k === 1 ? attack((member + 1) % 5, -1, 1) : k === 2 ? take(0, -1) : upd(k - 3, 2);
        return { member, payload };
      });
      a.applyRound(r, updates);
      b.applyRound(r, [...updates].reverse());
      expect(hex(b.stateHash())).toBe(hex(a.stateHash()));
    }
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('clamps moves at every edge of the world', () => {
    const g = createGame({ members: 1, seed: 1, worldSize: 6 });
    let r = walkTo(g, new Map([[0, { x: 1, y: 4 }]]), 0);
    g.applyRound(r++, [{ member: 0, payload: upd(-4, 4) }]);
    expect(g.snapshot().members[0]).toMatchObject({ x: 0, y: 5 });
    g.applyRound(r++, [{ member: 0, payload: upd(4, -4) }]);
    expect(g.snapshot().members[0]).toMatchObject({ x: 4, y: 1 });
    g.applyRound(r++, [{ member: 0, payload: upd(4, -4) }]);
    expect(g.snapshot().members[0]).toMatchObject({ x: 5, y: 0 });
    const one = createGame({ members: 1, seed: 1, worldSize: 1 });
    one.applyRound(0, [{ member: 0, payload: upd(4, -4) }]);
    expect(one.snapshot().members[0]).toMatchObject({ x: 0, y: 0 });
  });

  it('lands an attack on a living member within distance 2, for 10 hp', () => {
    const g = createGame({ members: 3, seed: 2, worldSize: 20 });
    let r = walkTo(g, new Map([[0, { x: 5, y: 5 }], [1, { x: 7, y: 3 }], [2, { x: 8, y: 5 }]]), 0);
    g.applyRound(r++, [{ member: 0, payload: attack(1) }]);
    g.applyRound(r++, [{ member: 0, payload: attack(2) }]); // distance 3: misses
    expect(g.snapshot().members.map((m) => m.hp)).toEqual([100, 90, 100]);
    // The attacker moves first, then strikes from where it stands.
    g.applyRound(r++, [{ member: 0, payload: attack(2, 1, 0) }]);
    expect(g.snapshot().members.map((m) => m.hp)).toEqual([100, 90, 90]);
  });

  it('kills at 0 hp and ignores the dead member from then on', () => {
    const g = createGame({ members: 2, seed: 3, worldSize: 8, chests: 1 });
    const chest = g.snapshot().chests[0]!;
    let r = walkTo(g, new Map([[0, chest], [1, chest]]), 0);
    for (let i = 0; i < 9; i++) g.applyRound(r++, [{ member: 0, payload: attack(1) }]);
    expect(g.snapshot().members[1]).toMatchObject({ hp: 10, alive: true });
    // Member 0 plays first: member 1 dies before its turn, so its attack and move are dropped.
    g.applyRound(r++, [
      { member: 1, payload: attack(0, 1, 1) },
      { member: 0, payload: attack(1) },
    ]);
    const dead = g.snapshot().members[1]!;
    expect(dead).toMatchObject({ hp: 0, alive: false, x: chest.x, y: chest.y });
    expect(g.snapshot().members[0]!.hp).toBe(100);
    expect(g.deadMemberUpdates).toBe(1);
    g.applyRound(r++, [{ member: 1, payload: take(2, 2) }]);
    g.applyRound(r++, [{ member: 0, payload: attack(1) }]); // the dead take no more damage
    const s = g.snapshot();
    expect(s.members[1]).toEqual(dead);
    expect(s.chests[0]!.owner).toBe(-1);
    expect(g.deadMemberUpdates).toBe(2);
    expect(g.malformedUpdates).toBe(0);
  });

  it('takes a free chest within distance 1 for 100 gold, once', () => {
    const g = createGame({ members: 2, seed: 4, worldSize: 12 });
    const chest = g.snapshot().chests[0]!;
    const far = tilesAround(chest.x, chest.y, 2, 12).find((t) => Math.max(Math.abs(t.x - chest.x), Math.abs(t.y - chest.y)) === 2)!;
    let r = walkTo(g, new Map([[0, far]]), 0);
    g.applyRound(r++, [{ member: 0, payload: take() }]);
    expect(g.snapshot().chests[0]!.owner).toBe(-1);
    // Move then act: one step closer and the chest is in reach in the same update.
    g.applyRound(r++, [{ member: 0, payload: take(Math.sign(chest.x - far.x), Math.sign(chest.y - far.y)) }]);
    expect(g.snapshot().chests[0]!.owner).toBe(0);
    expect(g.snapshot().members[0]!.gold).toBe(100);
    r = walkTo(g, new Map([[1, chest]]), r);
    g.applyRound(r++, [{ member: 0, payload: take() }, { member: 1, payload: take() }]);
    expect(g.snapshot().members.map((m) => m.gold)).toEqual([100, 0]);
    expect(g.snapshot().chests[0]!.owner).toBe(0);
  });

  it('gives a contested chest to the lower member index, in every replica', () => {
    for (const seed of ['c1', 'c2', 'c3', 'c4', 'c5']) {
      const replicas = [0, 1, 2].map(() => createGame({ members: 6, seed, worldSize: 10 }));
      const [low, high] = [2, 5];
      for (const g of replicas) {
        const r = besideChest(g, high, low, 0);
        expect(r).toBeLessThan(10);
      }
      const round = replicas[0]!.lastRound + 1;
      const entries = [{ member: high, payload: take() }, { member: 0, payload: idle() }, { member: low, payload: take() }];
      replicas[0]!.applyRound(round, entries);
      replicas[1]!.applyRound(round, [...entries].reverse());
      replicas[2]!.applyRound(round, [entries[2]!, entries[0]!, entries[1]!]);
      for (const g of replicas) {
        const s = g.snapshot();
        expect(s.chests[0]!.owner).toBe(low);
        expect(s.members.map((m) => m.gold)).toEqual([0, 0, 100, 0, 0, 0]);
        expect(hex(g.stateHash())).toBe(hex(replicas[0]!.stateHash()));
      }
    }
  });

  it('takes the lowest-index chest when several are in reach', () => {
    const g = createGame({ members: 1, seed: 9, worldSize: 2, chests: 4 });
    g.applyRound(0, [{ member: 0, payload: take() }]);
    g.applyRound(1, [{ member: 0, payload: take() }]);
    expect(g.snapshot().chests.map((c) => c.owner)).toEqual([0, 0, -1, -1]);
    expect(g.snapshot().members[0]!.gold).toBe(200);
  });

  it('counts malformed payloads and ignores them the same way in every replica', () => {
    const replicas = [createGame({ members: 3, seed: 5 }), createGame({ members: 3, seed: 5 })];
    const bad: RoundUpdate[][] = [
      [{ member: 0, payload: new Uint8Array(0) }, { member: 1, payload: upd(1, 1) }],
      [{ member: 1, payload: Uint8Array.of(9, 9, 9, 9, 9) }, { member: 2, payload: Uint8Array.of(4, 4, 0, 0, 0, 0) }],
      [{ member: 0, payload: attack(3) }], // no member 3
      [{ member: 2, payload: attack(2, 4, 4) }], // attacking oneself
    ];
    const before = replicas[0]!.snapshot();
    bad.forEach((entries, r) => {
      replicas[0]!.applyRound(r, entries);
      replicas[1]!.applyRound(r, [...entries].reverse());
    });
    for (const g of replicas) {
      expect(g.malformedUpdates).toBe(5);
      const s = g.snapshot();
      // Only member 1's one good move happened; a malformed update is dropped whole, move included.
      expect(s.members[0]).toEqual(before.members[0]);
      expect(s.members[2]).toEqual(before.members[2]);
      expect(s.members[1]).not.toEqual(before.members[1]);
      expect(hex(g.stateHash())).toBe(hex(replicas[0]!.stateHash()));
    }
  });

  it('applies rounds in increasing order, each at most once', () => {
    const g = createGame({ members: 2, seed: 6 });
    g.applyRound(3, [{ member: 0, payload: upd(1, 0) }]);
    const h = hex(g.stateHash());
    expect(() => g.applyRound(3, [])).toThrow(RangeError);
    expect(() => g.applyRound(2, [{ member: 0, payload: upd(1, 0) }])).toThrow(/not after the last applied round 3/);
    expect(hex(g.stateHash())).toBe(h);
    g.applyRound(10, []); // gaps are empty rounds
    expect(g.lastRound).toBe(10);
    expect(() => g.applyRound(-1, [])).toThrow(RangeError);
    expect(() => g.applyRound(11.5, [])).toThrow(RangeError);
    expect(() => g.applyRound(2 ** 53, [])).toThrow(RangeError);
  });

  it('refuses duplicate or unknown members and leaves the state untouched', () => {
    const g = createGame({ members: 3, seed: 7 });
    const h = hex(g.stateHash());
    const move = { member: 0, payload: upd(1, 1) };
    expect(() => g.applyRound(0, [move, { member: 1, payload: idle() }, { member: 0, payload: idle() }])).toThrow(/appears twice/);
    expect(() => g.applyRound(0, [move, { member: 3, payload: idle() }])).toThrow(RangeError);
    expect(() => g.applyRound(0, [move, { member: -1, payload: idle() }])).toThrow(RangeError);
    expect(() => g.applyRound(0, [move, { member: 1, payload: [1, 2] as unknown as Uint8Array }])).toThrow(TypeError);
    expect(() => g.applyRound(0, null as unknown as RoundUpdate[])).toThrow(TypeError);
    expect(hex(g.stateHash())).toBe(h);
    expect(g.lastRound).toBe(-1);
    g.applyRound(0, [move]);
    expect(g.lastRound).toBe(0);
  });
});

describe('Game.setSeat', () => {
  it('seats a player handed over from another group where its avatar stands, with its hp and gold', () => {
    const game = createGame({ members: 3, seed: 9, worldSize: 512 });
    game.setSeat(1, false);
    expect(game.snapshot().members[1]).toMatchObject({ alive: false, hp: 0 });
    game.setSeat(1, true, { x: 300, y: 411, hp: 37, gold: 250 });
    expect(game.snapshot().members[1]).toEqual({ x: 300, y: 411, hp: 37, alive: true, gold: 250 });
    const fresh = createGame({ members: 3, seed: 9, worldSize: 512 });
    fresh.setSeat(1, false);
    fresh.setSeat(1, true, { x: 300, y: 411, hp: 37, gold: 250 });
    expect(hex(fresh.stateHash())).toBe(hex(game.stateHash()));
  });

  it('refuses an avatar off the map or dead as a programmer error, changing nothing', () => {
    const game = createGame({ members: 2, seed: 9 });
    const before = hex(game.stateHash());
    expect(() => game.setSeat(0, true, { x: 64, y: 0, hp: 10, gold: 0 })).toThrow(RangeError);
    expect(() => game.setSeat(0, true, { x: 0, y: 0, hp: 0, gold: 0 })).toThrow(RangeError);
    expect(hex(game.stateHash())).toBe(before);
  });
});
