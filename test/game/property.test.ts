import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGame, encodeUpdate, type GameSnapshot, type RoundUpdate } from '../../src/game/index.js';
import { createRng } from '../../src/random/index.js';
import { arbitraryUpdate } from './arbitrary.js';
import { hex } from './helpers.js';

interface Scenario {
  members: number;
  worldSize: number;
  chests: number;
  seed: number;
  rounds: { gap: number; shuffle: number; entries: (Uint8Array | null)[] }[];
}

// Small worlds so that members meet, fight and contest chests; targets up to members+1 and some
// raw bytes so that malformed payloads are in the mix.
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    members: fc.integer({ min: 1, max: 7 }),
    worldSize: fc.integer({ min: 1, max: 8 }),
    chests: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer(),
  })
  .filter((c) => c.chests <= c.worldSize * c.worldSize)
  .chain((c) => {
    // Attacks aimed mostly at members 0 and 1, so that some of them actually die.
    const step = fc.integer({ min: -4, max: 4 });
    const focused = fc.record({
      dx: step,
      dy: step,
      action: fc.integer({ min: 0, max: Math.min(1, c.members) }).map((target) => ({ kind: 'attack', target }) as const),
    });
    const payload = fc.oneof(
      { weight: 8, arbitrary: arbitraryUpdate(c.members + 1).map(encodeUpdate) },
      { weight: 6, arbitrary: focused.map(encodeUpdate) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
    );
    const round = fc.record({
      gap: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }) }),
      shuffle: fc.integer(),
      entries: fc.array(fc.option(payload, { freq: 4 }), { minLength: c.members, maxLength: c.members }),
    });
    return fc.record({ rounds: fc.array(round, { minLength: 1, maxLength: 80 }) }).map((r) => ({ ...c, ...r }));
  });

function checkInvariants(prev: GameSnapshot, s: GameSnapshot, chestCount: number): void {
  expect(s.chests.length).toBe(chestCount);
  for (let i = 0; i < s.members.length; i++) {
    const m = s.members[i]!;
    const p = prev.members[i]!;
    expect(Number.isInteger(m.x) && m.x >= 0 && m.x < s.worldSize).toBe(true);
    expect(Number.isInteger(m.y) && m.y >= 0 && m.y < s.worldSize).toBe(true);
    expect(m.hp >= 0 && m.hp <= 100 && m.hp % 10 === 0).toBe(true);
    expect(m.alive).toBe(m.hp > 0);
    expect(m.hp).toBeLessThanOrEqual(p.hp);
    if (!p.alive) expect(m).toEqual(p); // the dead neither move nor change
    // Gold comes only from chests.
    expect(m.gold).toBe(100 * s.chests.filter((c) => c.owner === i).length);
  }
  for (let j = 0; j < s.chests.length; j++) {
    const c = s.chests[j]!;
    const p = prev.chests[j]!;
    expect([c.x, c.y]).toEqual([p.x, p.y]);
    expect(c.owner >= -1 && c.owner < s.members.length).toBe(true);
    if (p.owner !== -1) expect(c.owner).toBe(p.owner); // once taken, kept
  }
  const owned = s.chests.filter((c) => c.owner !== -1).length;
  expect(owned).toBeLessThanOrEqual(s.chests.length);
  expect(s.members.reduce((sum, m) => sum + m.gold, 0)).toBe(100 * owned);
}

/** The payload as docs/game.md describes it, parsed by hand; null when malformed for this member. */
function parse(payload: Uint8Array, member: number, members: number): { dx: number; dy: number; kind: number; target: number } | null {
  if (payload.length !== 5) return null;
  const [dx, dy, kind, hi, lo] = payload as unknown as [number, number, number, number, number];
  const target = hi * 256 + lo;
  if (dx > 8 || dy > 8 || kind > 2) return null;
  if (kind === 1 ? target >= members || target === member : target !== 0) return null;
  return { dx: dx - 4, dy: dy - 4, kind, target };
}

/** A second, naive implementation of the documented rules to hold the real one to. */
function modelRound(s: GameSnapshot, round: number, updates: readonly RoundUpdate[]): { next: GameSnapshot; malformed: number; contested: number; kills: number } {
  const members = s.members.map((m) => ({ ...m }));
  const chests = s.chests.map((c) => ({ ...c }));
  const edge = s.worldSize - 1;
  const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y));
  let malformed = 0;
  let kills = 0;
  const takers = new Map<number, number>();
  for (const { member, payload } of [...updates].sort((a, b) => a.member - b.member)) {
    const u = parse(payload, member, members.length);
    if (u === null) {
      malformed++;
      continue;
    }
    const me = members[member]!;
    if (!me.alive) continue;
    me.x = Math.min(edge, Math.max(0, me.x + u.dx));
    me.y = Math.min(edge, Math.max(0, me.y + u.dy));
    if (u.kind === 1) {
      const t = members[u.target]!;
      if (t.alive && dist(me, t) <= 2) {
        t.hp -= 10;
        if (t.hp <= 0) {
          t.hp = 0;
          t.alive = false;
          kills++;
        }
      }
    } else if (u.kind === 2) {
      chests.forEach((c, j) => {
        if (dist(me, c) <= 1 && (c.owner === -1 || takers.has(j))) takers.set(j, (takers.get(j) ?? 0) + 1);
      });
      const c = chests.find((c) => c.owner === -1 && dist(me, c) <= 1);
      if (c !== undefined) {
        c.owner = member;
        me.gold += 100;
      }
    }
  }
  const contested = [...takers.values()].filter((n) => n > 1).length;
  return { next: { round, worldSize: s.worldSize, members, chests }, malformed, contested, kills };
}

describe('replicas fed random accepted updates', () => {
  it('agree on every state hash, follow the documented rules and keep the hp and gold invariants', () => {
    const seen = { contested: 0, kills: 0, taken: 0 };
    fc.assert(
      fc.property(scenario, (sc) => {
        const make = () => createGame({ members: sc.members, seed: sc.seed, worldSize: sc.worldSize, chests: sc.chests });
        const replicas = [make(), make(), make()];
        let prev = replicas[0]!.snapshot();
        let round = -1;
        let model = prev;
        let expectedMalformed = 0;
        for (const { gap, shuffle, entries } of sc.rounds) {
          round += gap;
          const updates: RoundUpdate[] = [];
          entries.forEach((payload, member) => {
            if (payload !== null) updates.push({ member, payload });
          });
          replicas[0]!.applyRound(round, updates);
          replicas[1]!.applyRound(round, [...updates].reverse());
          replicas[2]!.applyRound(round, createRng(shuffle).shuffle([...updates]));
          const s = replicas[0]!.snapshot();
          checkInvariants(prev, s, sc.chests);
          const h = hex(replicas[0]!.stateHash());
          for (const g of replicas) {
            expect(hex(g.stateHash())).toBe(h);
            expect(g.snapshot()).toEqual(s);
            expect(g.lastRound).toBe(round);
          }
          prev = s;
          const step = modelRound(model, round, updates);
          expect(s).toEqual(step.next);
          model = step.next;
          expectedMalformed += step.malformed;
          seen.contested += step.contested;
          seen.kills += step.kills;
          seen.taken += s.chests.filter((c) => c.owner !== -1).length;
        }
        for (const g of replicas) {
          expect(g.malformedUpdates).toBe(expectedMalformed);
          expect(g.deadMemberUpdates).toBe(replicas[0]!.deadMemberUpdates);
        }
      }),
      { numRuns: 300 },
    );
    // The streams must actually exercise the interesting rules, not just movement.
    expect(seen.kills).toBeGreaterThan(0);
    expect(seen.contested).toBeGreaterThan(0);
    expect(seen.taken).toBeGreaterThan(0);
  });
});
