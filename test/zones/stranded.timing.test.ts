import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, type WorldDefinition, type ZonePlayer } from '../../src/zones/index.js';
import { startSeededPeers, waitUntil } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

const world: WorldDefinition = {
  width: 64,
  height: 64,
  aoiRadius: 4,
  zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 4, minGroup: 1, maxDepth: 0, zones: [] }],
};

/**
 * A leaf's group of two loses one player to a crash: two cannot remove one (NEO needs a strict
 * majority), so the group can agree on nothing again. On real sockets, the survivor sees its group
 * stranded, walks out of it alone and founds its leaf afresh where it stood, and plays on there.
 */
describe('a stranded group', () => {
  it('is left by its survivor, who founds the leaf again and keeps playing', async () => {
    const root = createRng('stranded-test');
    const population = await startSeededPeers(root, 2);
    const { peers, clock, scheduler } = population;
    const group = { seats: 4, gameSeed: 'stranded', worldSize: 64, neo: { roundMs: 50, lastRound: 200, stateHashEvery: 5 }, evictAfterRounds: 6 };
    const directory = createLocalDirectory(world);
    const spot = { x: 20, y: 20 };
    const players: ZonePlayer[] = peers.map((peer, i) => testZonePlayer({ world, group }, { clock, scheduler, root, directory }, peer, String(i), { steer: () => spot }));
    const peer = (i: number) => peers[i] as PeerNode;
    const view = { sessionId: root.fork('leaf').bytes(16), number: 1, startRound: 0, members: [0, 1].map((i) => ({ publicKey: peer(i).publicKey, endpoint: peer(i).transport.local, seat: i })) };
    for (const p of players) p.found({ zoneId: 'field', path: '' }, view, new Map([0, 1].map((s) => [s, { ...spot, hp: 100, gold: 0 }])));
    for (const p of players) p.begin(clock.nowMs() + 100);
    await waitUntil(() => (players[0]?.game?.lastRound ?? -1) >= 20, 'round 20');

    (players[1] as ZonePlayer).crash();
    await peer(1).close();
    const survivor = players[0] as ZonePlayer;
    await waitUntil(() => survivor.zoneCounters().refounded === 1, 'the survivor to found its leaf afresh', 20_000);
    // A new group of one, holding the same leaf, in the directory under a new session.
    expect(toHex(survivor.view?.sessionId ?? new Uint8Array(1))).not.toBe(toHex(view.sessionId));
    expect(survivor.view?.members.map((s) => toHex(s.publicKey))).toEqual([toHex(peer(0).publicKey)]);
    expect(survivor.leaf).toEqual({ zoneId: 'field', path: '' });
    const located = directory.locate(spot.x, spot.y);
    expect(located.kind === 'held' && toHex(located.group.sessionId)).toBe(toHex(survivor.view?.sessionId ?? new Uint8Array(1)));
    // It plays on: the new group decides rounds alone, and its avatar is where the old group agreed it stood.
    const round = survivor.game?.lastRound ?? -1;
    await waitUntil(() => (survivor.game?.lastRound ?? -1) >= round + 10, 'ten more rounds in the new group');
    expect(survivor.avatar()).toMatchObject(spot);

    survivor.leave();
    await survivor.done;
    await population.close();
  }, 40_000);
});
