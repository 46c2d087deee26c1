import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, ZoneBorder, type WorldDefinition, type ZonePlayer } from '../../src/zones/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { startSeededPeers } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

// A field with a hall nested in it; the field's two left leaves meet at x = 32.
const world: WorldDefinition = {
  width: 64,
  height: 64,
  aoiRadius: 6,
  zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 4, minGroup: 1, maxDepth: 1, zones: [{ id: 'hall', rect: { x: 40, y: 40, width: 16, height: 16 }, maxGroup: 4, minGroup: 1, maxDepth: 0, zones: [] }] }],
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Seeing across a leaf border on real UDP: a group's leader forwards its players' agreed positions
 * to the groups of neighbouring leaves of the same zone, so a player two tiles from the border
 * knows the player on the other side; a player in a zone nested in the field is not told about the
 * field's players, and a border message naming a leaf its sender is not in is refused.
 */
describe('seeing across leaf borders', () => {
  it('forwards positions to neighbouring leaves of the zone, never across a zone boundary', async () => {
    const root = createRng('border-test');
    const spots = [
      { x: 30, y: 10, leaf: '0', zone: 'field' },
      { x: 5, y: 5, leaf: '0', zone: 'field' },
      { x: 34, y: 10, leaf: '1', zone: 'field' },
      { x: 44, y: 44, leaf: '', zone: 'hall' },
    ];
    const population = await startSeededPeers(root, spots.length);
    const { peers, clock, scheduler } = population;
    const group = { seats: 6, gameSeed: 'border', worldSize: 64, neo: { roundMs: 50, lastRound: 60, stateHashEvery: 5 } };
    const directory = createLocalDirectory(world);
    const players: ZonePlayer[] = peers.map((peer, i) =>
      testZonePlayer({ world, group }, { clock, scheduler, root, directory }, peer, String(i), { steer: () => spots[i] as { x: number; y: number } }),
    );
    const seat = (i: number, s: number) => ({ publicKey: (peers[i] as PeerNode).publicKey, endpoint: (peers[i] as PeerNode).transport.local, seat: s });
    const avatar = (i: number) => ({ x: (spots[i] as { x: number }).x, y: (spots[i] as { y: number }).y, hp: 100, gold: 0 });
    const leaf0 = { sessionId: root.fork('leaf0').bytes(16), number: 1, startRound: 0, members: [seat(0, 0), seat(1, 1)] };
    [0, 1].forEach((i) => (players[i] as ZonePlayer).found({ zoneId: 'field', path: '0' }, leaf0, new Map([[0, avatar(0)], [1, avatar(1)]])));
    const solo = (i: number) => ({ sessionId: root.fork(`solo${i}`).bytes(16), number: 1, startRound: 0, members: [seat(i, 0)] });
    (players[2] as ZonePlayer).found({ zoneId: 'field', path: '1' }, solo(2), new Map([[0, avatar(2)]]));
    (players[3] as ZonePlayer).found({ zoneId: 'hall', path: '' }, solo(3), new Map([[0, avatar(3)]]));
    const startMs = clock.nowMs() + 100;
    for (const p of players) p.begin(startMs);
    await sleep(1500);

    const key = (i: number) => toHex((peers[i] as PeerNode).publicKey);
    // Across the border at x = 32: both sides know each other (leaf 0's leader forwards both its players).
    expect(players[2]?.knownPlayers().has(key(0))).toBe(true);
    expect(players[2]?.knownPlayers().has(key(1))).toBe(true);
    expect(players[0]?.knownPlayers().has(key(2))).toBe(true);
    // The hall is a zone of its own: nothing of the field reaches it, nothing of it the field.
    expect(players[3]?.knownPlayers().size).toBe(0);
    for (const i of [0, 1, 2]) expect(players[i]?.knownPlayers().has(key(3))).toBe(false);
    // The hall's player claims to speak for the field's leaf 1: refused.
    const before = players[0]?.zoneCounters().bordersRefused ?? 0;
    (peers[3] as PeerNode).transport.send((peers[0] as PeerNode).transport.local, ZoneBorder, { session: solo(3).sessionId, leaf: 'field/1', round: 1, players: [{ publicKey: (peers[3] as PeerNode).publicKey, x: 33, y: 10 }], near: [] });
    await sleep(100);
    expect(players[0]?.zoneCounters().bordersRefused).toBe(before + 1);
    expect(players[0]?.knownPlayers().has(key(3))).toBe(false);
    await Promise.all(players.map((p) => p.done));
    await population.close();
  }, 30_000);
});

// A field of four leaves 128 tiles wide: the groups below stand far from one another's leaves.
const wide: WorldDefinition = {
  width: 256,
  height: 256,
  aoiRadius: 8,
  zones: [{ id: 'plain', rect: { x: 0, y: 0, width: 256, height: 256 }, maxGroup: 4, minGroup: 1, maxDepth: 1, zones: [] }],
};

/**
 * Where players stand, not only where their leaves are (real UDP): a leader sends its group's
 * positions to a group whose players stand within reach of its own even when that group's leaf is
 * far away, introduces two neighbouring groups whose players stand near each other, and sends its
 * positions to a group another leader introduced. The other groups are bare peers the directory
 * lists in their leaves, speaking zone-border by hand.
 */
describe('seeing across borders by where players stand', () => {
  it('answers a group whose players stand near its own, introduces neighbours to each other, and follows an introduction', async () => {
    const root = createRng('border-positions');
    const population = await startSeededPeers(root, 5);
    const { peers, clock, scheduler } = population;
    const [leader, near, east, south, far] = peers as [PeerNode, PeerNode, PeerNode, PeerNode, PeerNode];
    const group = { seats: 6, gameSeed: 'border-positions', worldSize: 256, neo: { roundMs: 50, lastRound: 80, stateHashEvery: 5 } };
    const directory = createLocalDirectory(wide);
    // The leader's group holds leaf 0 (0–127 × 0–127); its player stands at (20, 20).
    const player = testZonePlayer({ world: wide, group }, { clock, scheduler, root, directory }, leader, '', { steer: () => ({ x: 20, y: 20 }) });
    const view = { sessionId: root.fork('leaf0').bytes(16), number: 1, startRound: 0, members: [{ publicKey: leader.publicKey, endpoint: leader.transport.local, seat: 0 }] };
    player.found({ zoneId: 'plain', path: '0' }, view, new Map([[0, { x: 20, y: 20, hp: 100, gold: 0 }]]));
    // Bare groups: `near` holds leaf 3 but its player stands at (24, 24), beside the leader's; `east`
    // (leaf 1) and `south` (leaf 2) have players standing side by side at (200, 200) and (204, 204),
    // far from leaf 0 and from the leader's player; `far` holds leaf 3 too, 180 tiles away from it.
    const bare = [
      { peer: near, path: '3', at: { x: 24, y: 24 } },
      { peer: east, path: '1', at: { x: 200, y: 200 } },
      { peer: south, path: '2', at: { x: 204, y: 204 } },
      { peer: far, path: '3', at: { x: 250, y: 250 } },
    ].map((g, i) => ({ ...g, session: root.fork(`bare${i}`).bytes(16), got: [] as { from: string; near: string[] }[] }));
    for (const g of bare) {
      directory.announce({ zoneId: 'plain', path: g.path }, g.session, { publicKey: g.peer.publicKey, endpoint: g.peer.transport.local });
      g.peer.transport.handle(ZoneBorder, (m) => void g.got.push({ from: toHex(m.body.session), near: m.body.near.map(toHex) }));
    }
    const [nearGroup, eastGroup, southGroup, farGroup] = bare as [(typeof bare)[0], (typeof bare)[0], (typeof bare)[0], (typeof bare)[0]];
    const leaderSession = toHex(view.sessionId);
    // Every 100 ms the bare groups near, east and south report where their players stand; east also introduces far.
    const report = () => {
      for (const g of [nearGroup, eastGroup, southGroup]) {
        const introduce = g === eastGroup ? [farGroup.session] : [];
        g.peer.transport.send(leader.transport.local, ZoneBorder, { session: g.session, leaf: `plain/${g.path}`, round: 1, players: [{ publicKey: g.peer.publicKey, ...g.at }], near: introduce });
      }
    };
    const reporting = setInterval(report, 100);
    player.begin(clock.nowMs() + 100);
    await sleep(1500);
    clearInterval(reporting);

    // `near`'s leaf is 100 tiles away, but its player stands beside the leader's: it gets the leader's positions.
    expect(nearGroup.got.some((m) => m.from === leaderSession)).toBe(true);
    expect(player.knownPlayers().has(toHex(near.publicKey))).toBe(true);
    // East and south stand far from leaf 0 and from the leader's player, but within reach of each
    // other: the leader introduces each to the other (once per border TTL, not every period).
    expect(eastGroup.got.some((m) => m.near.includes(toHex(southGroup.session)))).toBe(true);
    expect(southGroup.got.some((m) => m.near.includes(toHex(eastGroup.session)))).toBe(true);
    const introductionsToEast = eastGroup.got.filter((m) => m.near.length > 0).length;
    expect(introductionsToEast).toBeLessThanOrEqual(3);
    // Introduced by east, `far` gets the leader's positions though neither its leaf nor its player is near.
    expect(farGroup.got.some((m) => m.from === leaderSession)).toBe(true);
    expect(player.zoneCounters().bordersRefused).toBe(0);
    await player.done;
    await population.close();
  }, 30_000);
});
