import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, leafKey, type WorldDefinition, type ZoneEvent, type ZonePlayer } from '../../src/zones/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { startSeededPeers } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

// Four leaves of one player each, fewer together than minGroup: they fold back into the root.
const world: WorldDefinition = { width: 64, height: 64, aoiRadius: 4, zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 4, minGroup: 5, maxDepth: 1, zones: [] }] };

/**
 * A quadtree merge on real UDP: sibling leaves that together hold fewer than minGroup players each
 * agree, inside their own NEO, to fold back into the parent leaf; groups that then hold the same
 * leaf coalesce (the later one's players are handed over to the first), so the parent ends held
 * by one group whose members share one game, with nobody's updates left unplayed.
 */
describe('quadtree merge', () => {
  it('folds four sparse sibling leaves back into one group holding their parent', async () => {
    const root = createRng('merge-test');
    const spots = [
      { x: 10, y: 10 },
      { x: 50, y: 10 },
      { x: 10, y: 50 },
      { x: 50, y: 50 },
    ];
    const population = await startSeededPeers(root, spots.length, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const lastRound = 200;
    const group = { seats: 8, gameSeed: 'merge', worldSize: 64, neo: { roundMs: 50, lastRound, stateHashEvery: 5 } };
    const directory = createLocalDirectory(world);
    const events: ZoneEvent[][] = peers.map(() => []);
    const players: ZonePlayer[] = peers.map((peer, i) =>
      testZonePlayer({ world, group }, { clock, scheduler, root, directory }, peer, String(i), { steer: () => spots[i] as { x: number; y: number }, onEvent: (e) => (events[i] as ZoneEvent[]).push(e) }),
    );
    players.forEach((p, i) => {
      const view = { sessionId: root.fork(`leaf:${i}`).bytes(16), number: 1, startRound: 0, members: [{ publicKey: (peers[i] as PeerNode).publicKey, endpoint: (peers[i] as PeerNode).transport.local, seat: 0 }] };
      p.found({ zoneId: 'field', path: String(i) }, view, new Map([[0, { ...(spots[i] as { x: number; y: number }), hp: 100, gold: i }]]));
    });
    const startMs = clock.nowMs() + 100;
    for (const p of players) p.begin(startMs);
    await Promise.all(players.map((p) => p.done));

    const collapsed = events.map((e) => e.filter((x) => x.type === 'group' && x.event.type === 'collapsed').length);
    expect(collapsed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // One group holds the root at the end, with every player, and one game among them.
    expect(players.map((p) => leafKey(p.leaf ?? { zoneId: '?', path: '?' }))).toEqual(['field/', 'field/', 'field/', 'field/']);
    expect(new Set(players.map((p) => toHex(p.view?.sessionId ?? new Uint8Array(1)))).size).toBe(1);
    expect(players[0]?.view?.members.length).toBe(4);
    expect(new Set(players.map((p) => p.playedHashAt(lastRound))).size).toBe(1);
    // Gold carried through every hand-over: each player's is its own.
    players.forEach((p, i) => expect(p.avatar()?.gold).toBe(i));
    for (const e of events) for (const h of e) if (h.type === 'handover') expect(h.gapRounds).toBe(0);
    for (const p of players) expect(p.neoCounters().stateHashMismatches).toBe(0);
    await population.close();
  }, 40_000);
});
