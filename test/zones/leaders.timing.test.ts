import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createLocalDirectory, decodeZoneLeaders, leafRecordSubject, zoneLeadersPolicy, type WorldDefinition, type ZonePlayer } from '../../src/zones/index.js';
import { startNetwork, type Member, type TestNetwork } from '../dht/network.js';
import { waitUntil } from '../support/peers.js';
import { testZonePlayer } from '../support/zones.js';

const world: WorldDefinition = {
  width: 64,
  height: 64,
  aoiRadius: 4,
  zones: [{ id: 'field', rect: { x: 0, y: 0, width: 64, height: 64 }, maxGroup: 6, minGroup: 1, maxDepth: 2, zones: [] }],
};
const HOUR = 3_600_000;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * The record of a leaf's leaders on real sockets and a real DHT: the members of a group endorse
 * their view to its leader, which publishes the record once a majority did; a player arriving in
 * the zone looks its leaf up in the DHT, finds the group and its leaders, and joins through them.
 */
describe("a leaf's leaders in the DHT", () => {
  it('are published by the group and found by an arriving player, who joins through them', async () => {
    const net: TestNetwork = await startNetwork(10, { seed: 'zone-leaders-publish', policies: { 'zone-leaders': zoneLeadersPolicy((s, m, k) => net.ed25519.verify(s, m, k)) }, config: { k: 4, requestTimeoutMs: 2000, republishIntervalMs: HOUR, refreshIntervalMs: HOUR } });
    cleanup.push(() => net.close());
    const root = createRng('zone-leaders-publish');
    const directory = createLocalDirectory(world);
    const hosts = net.members.slice(0, 4) as Member[];
    const group = { seats: 6, gameSeed: 'leaders', worldSize: 64, neo: { roundMs: 50, lastRound: 200, stateHashEvery: 5 } };
    const spot = { x: 10, y: 12 };
    const players: ZonePlayer[] = hosts.map(({ peer, dht }, i) =>
      testZonePlayer({ world, group }, { clock: systemClock, scheduler: net.scheduler, root, directory }, peer, String(i), {
        steer: () => spot,
        leaderRecords: { put: (r) => dht.put(r), get: async (subject) => (await dht.get('zone-leaders', subject)).record },
      }),
    );
    const founders = players.slice(0, 3);
    const view = { sessionId: root.fork('leaf').bytes(16), number: 1, startRound: 0, members: hosts.slice(0, 3).map(({ peer }, seat) => ({ publicKey: peer.publicKey, endpoint: peer.transport.local, seat })) };
    founders.forEach((p) => p.found({ zoneId: 'field', path: '' }, view, new Map([0, 1, 2].map((s) => [s, { ...spot, hp: 100, gold: 0 }]))));
    const startMs = systemClock.nowMs() + 100;
    for (const p of founders) p.begin(startMs);

    // The leader publishes once two of three endorsed the view; a reader finds it under the leaf.
    await waitUntil(() => (founders[0]?.zoneCounters().leaderRecordsPublished ?? 0) >= 1, 'the leader to publish the record');
    expect(founders.slice(1).every((p) => p.zoneCounters().leaderRecordsPublished === 0)).toBe(true);
    const reader = net.members[9] as Member;
    const read = async () => (await reader.dht.get('zone-leaders', leafRecordSubject({ zoneId: 'field', path: '' }))).record;
    let record = await read();
    for (let tries = 0; record === null && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      record = await read();
    }
    const value = record && decodeZoneLeaders(record);
    expect(value && toHex(value.session)).toBe(toHex(view.sessionId));
    expect(value?.leaders.map((l) => l.port)).toEqual([hosts[0]?.peer.transport.local.port, hosts[1]?.peer.transport.local.port]);

    // A newcomer arrives: it looks the leaf up in the DHT and joins through the leaders it names.
    const newcomer = players[3] as ZonePlayer;
    newcomer.enter({ ...spot, hp: 100, gold: 0 }, { roundAt: (now) => Math.max(0, Math.floor((now - startMs) / 50)), startOfRound: (r) => startMs + r * 50 });
    await waitUntil(() => newcomer.state === 'member', 'the newcomer to join', 20_000);
    expect(newcomer.zoneCounters()).toMatchObject({ leaderLookups: 1, leaderLookupsFound: 1, arrivalsViaLeaders: 1, arrivalsStaleRecord: 0 });
    expect(toHex(newcomer.view?.sessionId ?? new Uint8Array(1))).toBe(toHex(view.sessionId));
    // The join kept the leaders, so it needs no new record; the leader leaving does: its standby
    // leads the next view, which the members endorse again, and the record follows the group.
    const published = founders[0]?.zoneCounters().leaderRecordsPublished;
    founders[0]?.leave();
    await waitUntil(() => (founders[1]?.zoneCounters().leaderRecordsPublished ?? 0) >= 1, 'the standby to publish the next view');
    expect(founders[0]?.zoneCounters().leaderRecordsPublished).toBe(published);
    expect(published).toBe(1);
    let next = record;
    for (let tries = 0; (next === null || next.seq === record?.seq) && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      next = await read();
    }
    expect(next && decodeZoneLeaders(next)?.leaders.map((l) => l.port)).toEqual([hosts[1]?.peer.transport.local.port, hosts[2]?.peer.transport.local.port]);

    for (const p of players.slice(1)) p.crash();
  }, 60_000);
});
