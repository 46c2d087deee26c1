import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, signZoneEvent, ZoneEventMessage, type WorldDefinition, type ZoneEvent, type ZonePlayer } from '../../src/zones/index.js';
import { startSeededPeers, waitUntil } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

// A field with a building nested in it; the building is all floors (a and b), so its groups are the floors'.
const world: WorldDefinition = {
  width: 64,
  height: 64,
  aoiRadius: 4,
  zones: [
    {
      id: 'field',
      rect: { x: 0, y: 0, width: 64, height: 64 },
      maxGroup: 8,
      minGroup: 1,
      maxDepth: 0,
      zones: [
        {
          id: 'building',
          rect: { x: 32, y: 32, width: 32, height: 32 },
          maxGroup: 8,
          minGroup: 1,
          maxDepth: 0,
          zones: [
            { id: 'floor-a', rect: { x: 32, y: 32, width: 16, height: 32 }, maxGroup: 8, minGroup: 1, maxDepth: 0, zones: [] },
            { id: 'floor-b', rect: { x: 48, y: 32, width: 16, height: 32 }, maxGroup: 8, minGroup: 1, maxDepth: 0, zones: [] },
          ],
        },
      ],
    },
  ],
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A zone-wide event on real UDP: raised by a player on floor a, it is played by floor a's group and
 * carried by that group's leaders to floor b's group, each playing it exactly once, although the
 * leaders of both floors crash the moment it is raised (their standbys carry on). The field, outside
 * the building, never gets it. An altered copy and a copy from a player outside the group that
 * played it first are refused and counted.
 */
describe('zone-wide events', () => {
  it('reaches every group of the zone once through the leaders, through their crash, and refuses altered events', async () => {
    const root = createRng('zone-events-test');
    const spots = [
      { x: 36, y: 40, zone: 'floor-a' },
      { x: 38, y: 44, zone: 'floor-a' },
      { x: 40, y: 48, zone: 'floor-a' },
      { x: 42, y: 52, zone: 'floor-a' },
      { x: 52, y: 40, zone: 'floor-b' },
      { x: 54, y: 44, zone: 'floor-b' },
      { x: 56, y: 48, zone: 'floor-b' },
      { x: 58, y: 52, zone: 'floor-b' },
      { x: 8, y: 8, zone: 'field' },
    ];
    const population = await startSeededPeers(root, spots.length);
    const { peers, clock, scheduler } = population;
    const group = { seats: 6, gameSeed: 'zone-events', worldSize: 64, neo: { roundMs: 50, lastRound: 120, stateHashEvery: 5 }, evictAfterRounds: 10 };
    const directory = createLocalDirectory(world);
    const heard: { player: number; event: Extract<ZoneEvent, { type: 'zone-event' }> }[] = [];
    const players: ZonePlayer[] = peers.map((peer, i) =>
      testZonePlayer({ world, group }, { clock, scheduler, root, directory }, peer, String(i), {
        steer: () => spots[i] as { x: number; y: number },
        onEvent: (e) => e.type === 'zone-event' && heard.push({ player: i, event: e }),
      }),
    );
    const peer = (i: number) => peers[i] as PeerNode;
    const seat = (i: number, s: number) => ({ publicKey: peer(i).publicKey, endpoint: peer(i).transport.local, seat: s });
    const avatar = (i: number) => ({ x: (spots[i] as { x: number }).x, y: (spots[i] as { y: number }).y, hp: 100, gold: 0 });
    const found = (zoneId: string, members: readonly number[]) => {
      const view = { sessionId: root.fork(zoneId).bytes(16), number: 1, startRound: 0, members: members.map((i, s) => seat(i, s)) };
      for (const i of members) (players[i] as ZonePlayer).found({ zoneId, path: '' }, view, new Map(members.map((m, s) => [s, avatar(m)])));
      return view.sessionId;
    };
    // Groups of four: three survivors of a crash are still a majority that knows enough ballots to be certain.
    const floorA = found('floor-a', [0, 1, 2, 3]);
    const floorB = found('floor-b', [4, 5, 6, 7]);
    found('field', [8]);
    const startMs = clock.nowMs() + 100;
    for (const p of players) p.begin(startMs);
    await sleep(600);

    // Player 2 (neither leader nor standby of floor a) raises it; both floors' leaders crash at once.
    const id = (players[2] as ZonePlayer).raise('building', 'lights-out');
    expect(id).not.toBeNull();
    expect((players[8] as ZonePlayer).raise('building', 'lights-out')).toBeNull();
    for (const i of [0, 4]) {
      (players[i] as ZonePlayer).crash();
      await peer(i).close();
    }
    const survivors = [1, 2, 3, 5, 6, 7];
    await waitUntil(() => survivors.every((i) => heard.some((h) => h.player === i && h.event.id === id)), 'every surviving member of both floors to play the event', 20_000).catch((e) => { console.log(JSON.stringify(heard.map((h) => [h.player, h.event.round, toHex(h.event.sessionId).slice(0, 6)])), players.map((p) => JSON.stringify(p.zoneCounters())), players.map((p) => p.state + ' ' + p.view?.members.length)); throw e; });

    // Once per group, at one round in each group, in its own session; never in the field.
    const playedIn = (session: Uint8Array) => heard.filter((h) => toHex(h.event.sessionId) === toHex(session));
    for (const session of [floorA, floorB]) {
      const plays = playedIn(session);
      expect(plays.length).toBe(3);
      expect(new Set(plays.map((h) => h.event.round)).size).toBe(1);
      expect(plays.every((h) => h.event.kind === 'lights-out' && h.event.zoneId === 'building')).toBe(true);
    }
    expect(heard.some((h) => h.player === 8)).toBe(false);
    expect((players[1] as ZonePlayer).zoneCounters().eventsForwarded).toBeGreaterThan(0);

    // An altered copy (lights-on where the raiser signed lights-out), sent by floor a's standby: refused.
    const original = signZoneEvent({ origin: floorA, seq: 7, zone: 'building', kind: 'lights-out' }, peer(2).signer);
    const altered = signZoneEvent({ origin: floorA, seq: 7, zone: 'building', kind: 'lights-on' }, peer(2).signer);
    altered.set(original.subarray(original.length - 64), altered.length - 64);
    const counters = () => (players[5] as ZonePlayer).zoneCounters();
    const before = counters();
    peer(1).transport.send(peer(5).transport.local, ZoneEventMessage, { session: floorB, event: altered });
    // A genuine event, but sent by a player of the field, which did not play it: refused too.
    peer(8).transport.send(peer(5).transport.local, ZoneEventMessage, { session: floorB, event: original });
    await waitUntil(() => counters().eventsRefused === before.eventsRefused + 1 && counters().eventsFromOutsiders === before.eventsFromOutsiders + 1, 'both bad copies refused');
    await sleep(500);
    expect(heard.filter((h) => h.player === 5).length).toBe(1);

    for (const p of players) p.leave();
    await Promise.all(players.map((p) => p.done));
    await population.close();
  }, 60_000);
});
