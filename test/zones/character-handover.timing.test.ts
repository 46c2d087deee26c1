import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/index.js';
import { createLocalDirectory, leafKey, type WorldDefinition, type ZoneEvent, type ZonePlayer } from '../../src/zones/index.js';
import type { PeerNode } from '../../src/peer/index.js';
import { startSeededPeers } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

const world: WorldDefinition = { width: 64, height: 64, aoiRadius: 4, zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 4, minGroup: 1, maxDepth: 1, zones: [] }] };

/**
 * Groups that check characters at the door (docs/storage.md, "The door at admission") in a world:
 * a player walking into a held leaf before its character is witnessed stays in its group and asks
 * only once it has one to show, so no door refuses it and its hand-over still has no gap. The door
 * here admits any player that shows a character: what is checked is when the walker asks.
 */
describe('hand-over with characters at the door', () => {
  it('waits for the walker to have a character, then hands it over with no gap and no refusal', async () => {
    const root = createRng('character-handover-test');
    const spots = [
      { x: 10, y: 10, to: { x: 50, y: 10 } }, // walks into leaf 1 from round 10; its character comes at round 40
      { x: 20, y: 20, to: { x: 20, y: 20 } },
      { x: 40, y: 5, to: { x: 40, y: 5 } },
      { x: 55, y: 20, to: { x: 55, y: 20 } },
    ];
    const population = await startSeededPeers(root, spots.length, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const roundMs = 50;
    const lastRound = 140;
    const group = { seats: 8, gameSeed: 'character-handover', worldSize: 64, neo: { roundMs, lastRound, stateHashEvery: 5 } };
    const directory = createLocalDirectory(world);
    const events: ZoneEvent[][] = peers.map(() => []);
    const bed = { clock, scheduler, root, directory };
    const startMs = clock.nowMs() + 100;
    const roundNow = () => Math.floor((clock.nowMs() - startMs) / roundMs);
    const characterFrom = (i: number) => (i === 0 ? 40 : 0);
    const asked: { by: number; joiner: string; claim: boolean; round: number }[] = [];
    const players: ZonePlayer[] = peers.map((peer, i) =>
      testZonePlayer({ world, group }, bed, peer, String(i), {
        steer: (round) => (round < 10 ? (spots[i] as { x: number; y: number }) : (spots[i] as { to: { x: number; y: number } }).to),
        onEvent: (e) => (events[i] as ZoneEvent[]).push(e),
        character: () => (roundNow() >= characterFrom(i) ? new TextEncoder().encode(`character of ${i}`) : null),
        characterDoor: {
          check: async (key, claim) => {
            asked.push({ by: i, joiner: Buffer.from(key).toString('hex'), claim: claim !== null, round: roundNow() });
            return claim ? { ok: true } : { ok: false, reason: 'no-character' };
          },
        },
      }),
    );
    const seat = (i: number, s: number) => ({ publicKey: (peers[i] as PeerNode).publicKey, endpoint: (peers[i] as PeerNode).transport.local, seat: s });
    const avatar = (i: number) => ({ x: (spots[i] as { x: number }).x, y: (spots[i] as { y: number }).y, hp: 100, gold: 0 });
    const leaf0 = { sessionId: root.fork('leaf0').bytes(16), number: 1, startRound: 0, members: [seat(0, 0), seat(1, 1)] };
    const leaf1 = { sessionId: root.fork('leaf1').bytes(16), number: 1, startRound: 0, members: [seat(2, 0), seat(3, 1)] };
    [0, 1].forEach((i) => (players[i] as ZonePlayer).found({ zoneId: 'field', path: '0' }, leaf0, new Map([0, 1].map((s) => [s, avatar(s)]))));
    [2, 3].forEach((i) => (players[i] as ZonePlayer).found({ zoneId: 'field', path: '1' }, leaf1, new Map([[0, avatar(2)], [1, avatar(3)]])));
    for (const p of players) p.begin(startMs);
    await Promise.race([Promise.all(players.map((p) => p.done)), new Promise((r) => setTimeout(r, 14_000))]);

    const walker = Buffer.from((peers[0] as PeerNode).publicKey).toString('hex');
    // It put the hand-over off while it had nothing to show, asked only with a character, and nobody refused it.
    expect((players[0] as ZonePlayer).zoneCounters().handoversAwaitingCharacter).toBeGreaterThan(0);
    const checks = asked.filter((a) => a.joiner === walker);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((a) => a.claim && a.round >= 40)).toBe(true);
    const handovers = (events[0] as ZoneEvent[]).filter((e): e is Extract<ZoneEvent, { type: 'handover' }> => e.type === 'handover');
    expect(handovers.map((h) => [leafKey(h.from), leafKey(h.to), h.gapRounds])).toEqual([['field/0', 'field/1', 0]]);
    expect(players[0]?.leaf && leafKey(players[0].leaf)).toBe('field/1');
    await population.close();
  }, 30_000);
});
