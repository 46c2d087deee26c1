import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, leafKey, type WorldDefinition, type ZoneEvent, type ZonePlayer } from '../../src/zones/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { startSeededPeers } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

const world: WorldDefinition = { width: 64, height: 64, aoiRadius: 4, zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 4, minGroup: 1, maxDepth: 1, zones: [] }] };

type Handover = Extract<ZoneEvent, { type: 'handover' }>;

/**
 * Walking across a leaf boundary on real UDP: a player joins the group of the leaf it walks into
 * before it leaves the old one (no round in which no group plays its updates), carrying its
 * position, hp and gold; a player walking into a leaf nobody holds founds that leaf's group.
 */
describe('hand-over between quadtree leaves', () => {
  it('joins the new leaf before leaving the old one, with no gap, founds an empty leaf alone, and lets a newcomer in through the directory', async () => {
    const root = createRng('handover-test');
    // Leaf 0 (x < 32, y < 32): players 0, 1, 2; leaf 1 (x >= 32, y < 32): players 3, 4.
    const spots = [
      { x: 10, y: 10, to: { x: 50, y: 10 } }, // walks into leaf 1 (held)
      { x: 20, y: 20, to: { x: 50, y: 50 } }, // walks into leaf 3 (nobody holds it)
      { x: 5, y: 25, to: { x: 5, y: 25 } },
      { x: 40, y: 5, to: { x: 40, y: 5 } },
      { x: 55, y: 20, to: { x: 55, y: 20 } },
    ];
    const population = await startSeededPeers(root, spots.length, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const lastRound = 160;
    const group = { seats: 8, gameSeed: 'handover', worldSize: 64, neo: { roundMs: 50, lastRound, stateHashEvery: 5 } };
    const directory = createLocalDirectory(world);
    const events: ZoneEvent[][] = peers.map(() => []);
    const bed = { clock, scheduler, root, directory };
    const players: ZonePlayer[] = peers.map((peer, i) =>
      testZonePlayer({ world, group }, bed, peer, String(i), {
        // Walk once the groups run: the hand-over must happen while both groups play.
        steer: (round) => (round < 10 ? (spots[i] as { x: number; y: number }) : (spots[i] as { to: { x: number; y: number } }).to),
        onEvent: (e) => (events[i] as ZoneEvent[]).push(e),
      }),
    );
    const seat = (i: number, s: number) => ({ publicKey: (peers[i] as PeerNode).publicKey, endpoint: (peers[i] as PeerNode).transport.local, seat: s });
    const avatar = (i: number) => ({ x: (spots[i] as { x: number }).x, y: (spots[i] as { y: number }).y, hp: 100, gold: 7 * i });
    const leaf0 = { sessionId: root.fork('leaf0').bytes(16), number: 1, startRound: 0, members: [seat(0, 0), seat(1, 1), seat(2, 2)] };
    const leaf1 = { sessionId: root.fork('leaf1').bytes(16), number: 1, startRound: 0, members: [seat(3, 0), seat(4, 1)] };
    [0, 1, 2].forEach((i) => (players[i] as ZonePlayer).found({ zoneId: 'field', path: '0' }, leaf0, new Map([0, 1, 2].map((s) => [s, avatar(s)]))));
    [3, 4].forEach((i) => (players[i] as ZonePlayer).found({ zoneId: 'field', path: '1' }, leaf1, new Map([[0, avatar(3)], [1, avatar(4)]])));
    const startMs = clock.nowMs() + 100;
    for (const p of players) p.begin(startMs);
    // A sixth player arrives mid-run in leaf 1, through the directory.
    const late = await population.add(root.fork('id:late').bytes(32));
    const arrival = testZonePlayer({ world, group }, bed, late, 'late', { steer: () => ({ x: 45, y: 20 }) });
    setTimeout(() => arrival.enter({ x: 45, y: 20, hp: 90, gold: 3 }, { roundAt: (now) => Math.floor((now - startMs) / 50), startOfRound: (r) => startMs + r * 50 }), 1000);
    await Promise.race([Promise.all([...players, arrival].map((p) => p.done)), new Promise((r) => setTimeout(r, 14_000))]);
    expect(arrival.leaf && leafKey(arrival.leaf)).toBe('field/1');
    expect(arrival.avatar()).toMatchObject({ hp: 90, gold: 3 });
    expect(arrival.playedHashAt(lastRound)).toBe((players[3] as ZonePlayer).playedHashAt(lastRound));
    if (process.env.DEBUG_ZONES) {
      events.forEach((e, i) => console.log(i, JSON.stringify(e.map((x) => (x.type === 'group' ? [x.type, leafKey(x.leaf), x.event.type, (x.event as { round?: number }).round] : [x.type, JSON.stringify(x)])))));
      players.forEach((p, i) => console.log(i, p.leaf, p.members.map((m) => [m.state, m.view?.members.length, m.game?.lastRound, m.avatar()])));
    }

    const handovers = events.map((e) => e.filter((x): x is Handover => x.type === 'handover'));
    expect(handovers[0]?.map((h) => [leafKey(h.from), leafKey(h.to)])).toEqual([['field/0', 'field/1']]);
    expect(handovers[1]?.map((h) => [leafKey(h.from), leafKey(h.to)])).toEqual([['field/0', 'field/3']]);
    for (const h of [...(handovers[0] ?? []), ...(handovers[1] ?? [])]) {
      expect(h.gapRounds).toBe(0);
      expect(h.overlapRounds).toBeGreaterThan(0);
    }
    expect(events[1]?.some((e) => e.type === 'founded' && leafKey(e.leaf) === 'field/3')).toBe(true);
    for (const i of [2, 3, 4]) expect(handovers[i]).toEqual([]);

    // Each leaf's group ends with one game among its members, and the walkers stand in their new leaves with the gold they brought.
    const byLeaf = new Map<string, number[]>();
    players.forEach((p, i) => byLeaf.set(leafKey(p.leaf ?? { zoneId: '?', path: '?' }), [...(byLeaf.get(leafKey(p.leaf ?? { zoneId: '?', path: '?' })) ?? []), i]));
    expect(Object.fromEntries(byLeaf)).toEqual({ 'field/0': [2], 'field/1': [0, 3, 4], 'field/3': [1] });
    expect(players[3]?.view?.members.length).toBe(4);
    for (const indexes of byLeaf.values()) {
      const hashes = new Set(indexes.map((i) => (players[i] as ZonePlayer).member?.playedHashAt(lastRound)));
      expect(hashes.size).toBe(1);
      expect([...hashes][0]).toBeDefined();
    }
    const walker = (players[0] as ZonePlayer).member?.avatar();
    expect(walker?.x).toBeGreaterThanOrEqual(32);
    expect(walker?.gold).toBe(0);
    const founder = (players[1] as ZonePlayer).member?.avatar();
    expect(founder?.x).toBeGreaterThanOrEqual(32);
    expect(founder?.y).toBeGreaterThanOrEqual(32);
    expect(founder?.gold).toBe(7);
    for (const p of players) for (const m of p.members) expect(m.neoCounters().stateHashMismatches).toBe(0);
    await population.close();
  }, 30_000);
});
