import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createFounder, type GroupDivision, type GroupEvent, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createRng } from '../../src/random/index.js';
import { startSeededPeers } from '../support/peers.js';

/** Quarters of the 64-tile game world, as a quadtree leaf of depth 0 holding at most four players divides. */
const quarters = (maxMembers: number): GroupDivision => ({
  shouldDivide: (members) => members > maxMembers,
  partOf: (x, y) => (x >= 32 ? 1 : 0) + (y >= 32 ? 2 : 0),
  divided: () => undefined,
});

type Divided = Extract<GroupEvent, { type: 'divided' }>;

/**
 * A group over its division limit divides, agreed inside NEO, on real UDP: every member switches
 * at the same round to the part its agreed position gives, the parts keep playing (a part of one
 * plays alone), and no replica's game forks: members of a part end with one state hash, in which
 * the other parts' players are out of play.
 */
describe('group division (quadtree split)', () => {
  it('every member divides at the same round into the part of its agreed position, and parts stay consistent', async () => {
    const root = createRng('division-test');
    const size = 6;
    const population = await startSeededPeers(root, size, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const lastRound = 80;
    const config = { seats: 8, gameSeed: 'division', neo: { roundMs: 50, lastRound, stateHashEvery: 5 } };
    const events: Divided[][] = peers.map(() => []);
    const view = { sessionId: root.fork('session').bytes(16), number: 1, startRound: 0, members: peers.map((p, i) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat: i })) };
    const members: GroupMember[] = peers.map((peer, i) =>
      createFounder(view, config, {
        peer,
        neo: installNeo(peer.transport),
        clock,
        scheduler,
        botRng: root.fork(`bot:${i}`),
        division: quarters(4),
        onEvent: (e) => (e.type === 'divided' ? (events[i] as Divided[]).push(e) : undefined),
      }),
    );
    const startMs = clock.nowMs() + 100;
    for (const m of members) m.begin(startMs);
    await Promise.all(members.map((m) => m.done));

    // One division, decided by every replica alike.
    for (const e of events) expect(e).toHaveLength(1);
    const first = (events[0] as Divided[])[0] as Divided;
    for (const e of events) {
      const d = e[0] as Divided;
      expect(d.round).toBe(first.round);
      expect(d.parts).toEqual(first.parts);
      expect(toHex(d.parent)).toBe(toHex(view.sessionId));
    }
    expect(first.parts.reduce((a, b) => a + b, 0)).toBe(size);
    expect(first.parts.filter((n) => n > 0).length).toBeGreaterThan(1);

    // Members of a part share its session and its game; the other parts' players are out of its play.
    const byPart = new Map<number, number[]>();
    events.forEach((e, i) => byPart.set((e[0] as Divided).part, [...(byPart.get((e[0] as Divided).part) ?? []), i]));
    for (const [part, indexes] of byPart) {
      expect(indexes.length).toBe(first.parts[part]);
      const sessions = new Set(indexes.map((i) => toHex(((events[i] as Divided[])[0] as Divided).sessionId)));
      expect(sessions.size).toBe(1);
      const hashes = new Set(indexes.map((i) => (members[i] as GroupMember).playedHashAt(lastRound)));
      expect(hashes.size).toBe(1);
      expect([...hashes][0]).toBeDefined();
      const snapshot = (members[indexes[0] as number] as GroupMember).game?.snapshot();
      snapshot?.members.forEach((m, seat) => expect(m.alive).toBe(indexes.includes(seat)));
    }
    for (const m of members) {
      expect(m.state).toBe('finished');
      expect(m.neoCounters().stateHashMismatches).toBe(0);
      expect(m.counters().divergencesDetected).toBe(0);
    }
    await population.close();
  }, 30_000);
});
