import { describe, expect, it } from 'vitest';
import { createZoneEventTracker, type TrackedPlayer } from '../../src/controller/zone-events.js';
import { createLocalDirectory, type WorldDefinition, type ZonePlayer } from '../../src/zones/index.js';

const world: WorldDefinition = {
  width: 64,
  height: 64,
  aoiRadius: 4,
  zones: [
    {
      id: 'field',
      rect: { x: 0, y: 0, width: 64, height: 64 },
      maxGroup: 4,
      minGroup: 1,
      maxDepth: 1,
      zones: [{ id: 'hall', rect: { x: 32, y: 32, width: 32, height: 32 }, maxGroup: 4, minGroup: 1, maxDepth: 1, zones: [] }],
    },
  ],
};
const key = (n: number) => new Uint8Array(32).fill(n);
const session = (n: number) => new Uint8Array(16).fill(n);
const endpoint = (n: number) => ({ host: '127.0.0.1', port: 1000 + n });

/** A zone player as the tracker sees it: its key, state and view, and what it raises. */
function stubPlayer(n: number, sessionId: Uint8Array, members: readonly number[], raised: string[], state = 'member'): ZonePlayer {
  const view = { sessionId, number: 1, startRound: 0, members: members.map((m, seat) => ({ publicKey: key(m), endpoint: endpoint(m), seat })) };
  return {
    publicKey: key(n),
    state,
    view,
    raise: (zone: string, kind: string) => {
      raised.push(`${n}:${zone}:${kind}`);
      return `event-${n}`;
    },
  } as unknown as ZonePlayer;
}

describe('zone event tracker', () => {
  it('raises in the busiest group by a member that does not lead, and counts delivery, forks and ended groups', () => {
    const directory = createLocalDirectory(world);
    const hallA = session(1);
    const hallB = session(2);
    const field = session(3);
    for (const n of [1, 2, 3]) directory.announce({ zoneId: 'hall', path: '0' }, hallA, { publicKey: key(n), endpoint: endpoint(n) });
    for (const n of [4, 5]) directory.announce({ zoneId: 'hall', path: '1' }, hallB, { publicKey: key(n), endpoint: endpoint(n) });
    directory.announce({ zoneId: 'field', path: '0' }, field, { publicKey: key(6), endpoint: endpoint(6) });
    const raised: string[] = [];
    const players: TrackedPlayer[] = [
      ...[1, 2, 3].map((n) => ({ id: n, zone: stubPlayer(n, hallA, [1, 2, 3], raised) })),
      ...[4, 5].map((n) => ({ id: n, zone: stubPlayer(n, hallB, [4, 5], raised) })),
      { id: 6, zone: stubPlayer(6, field, [6], raised) },
    ];
    const tracker = createZoneEventTracker(world, directory);
    const result = tracker.raise({ atS: 1, zone: 'hall', kind: 'lights-out', crashLeader: true }, players, 1000);
    // Hall A is the busiest; player 3 is neither its leader (1) nor its standby (2); 1 crashes with it.
    expect(result).toEqual({ raiser: 3, leader: 1, groups: 2 });
    expect(raised).toEqual(['3:hall:lights-out']);

    const played = (sessionId: Uint8Array, round: number, atMs: number) =>
      tracker.played({ type: 'zone-event', id: 'event-3', kind: 'lights-out', zoneId: 'hall', leaf: { zoneId: 'hall', path: '0' }, sessionId, round }, atMs);
    played(hallA, 20, 1300);
    played(hallA, 20, 1310);
    let f = tracker.figures();
    expect([f.raised, f.expected, f.delivered, f.duplicated, f.ended]).toEqual([1, 2, 1, 0, 0]);
    // A replica of hall A playing it at another round is a fork; hall B ends without playing it.
    played(hallA, 21, 1400);
    for (const n of [4, 5]) directory.withdraw(hallB, key(n));
    f = tracker.figures();
    expect([f.expected, f.delivered, f.duplicated, f.ended]).toEqual([1, 1, 1, 1]);

    // A zone without a group left: nothing raised, counted.
    for (const n of [1, 2, 3]) directory.withdraw(hallA, key(n));
    expect(tracker.raise({ atS: 2, zone: 'hall', kind: 'lights-on', crashLeader: false }, players, 2000)).toBeNull();
    expect(tracker.figures().unraised).toBe(1);
  });

  it('picks the group by its agreed view, not by the directory, and crashes a leader already on its way out', () => {
    const directory = createLocalDirectory(world);
    const hallA = session(1);
    const hallB = session(2);
    // The directory lags: it still lists five contacts for hall B, whose view now holds two, and one for hall A, whose view holds four.
    directory.announce({ zoneId: 'hall', path: '0' }, hallA, { publicKey: key(2), endpoint: endpoint(2) });
    for (const n of [5, 6, 7, 8, 9]) directory.announce({ zoneId: 'hall', path: '1' }, hallB, { publicKey: key(n), endpoint: endpoint(n) });
    const raised: string[] = [];
    const players: TrackedPlayer[] = [
      // Player 1 leads hall A but is handing itself over to another group: its tracked state there is 'leaving'.
      { id: 1, zone: stubPlayer(1, session(9), [1], raised, 'leaving') },
      ...[2, 3, 4].map((n) => ({ id: n, zone: stubPlayer(n, hallA, [1, 2, 3, 4], raised) })),
      ...[5, 6].map((n) => ({ id: n, zone: stubPlayer(n, hallB, [5, 6], raised) })),
    ];
    const tracker = createZoneEventTracker(world, directory);
    expect(tracker.raise({ atS: 1, zone: 'hall', kind: 'lights-out', crashLeader: true }, players, 1000)).toEqual({ raiser: 3, leader: 1, groups: 2 });
    expect(raised).toEqual(['3:hall:lights-out']);
  });
});
