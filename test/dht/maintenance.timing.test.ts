import { afterEach, describe, expect, it } from 'vitest';
import type { DhtConfig } from '../../src/dht/index.js';
import { waitUntil } from '../support/peers.js';
import { crash, playerRecord, startNetwork, type Member, type TestNetwork } from './network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const HOUR = 3_600_000;

async function network(seed: string, config: DhtConfig): Promise<TestNetwork> {
  const net = await startNetwork(20, { seed, config: { k: 3, requestTimeoutMs: 500, refreshIntervalMs: HOUR, ...config } });
  cleanup.push(() => net.close());
  return net;
}


describe('DHT maintenance on real sockets', () => {
  it('graceful leave hands records to the closest remaining nodes: after every original holder (and their successors) left, the record is still found', async () => {
    const net = await network('dht-handoff', { republishIntervalMs: HOUR });
    const live = [...net.members];
    const owner = live[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('house deed'));
    await owner.dht.put(record);
    await crash(owner, live); // no publisher left to re-put it
    const originals = live.filter((m) => m.dht.held(record.key));
    expect(originals).toHaveLength(3);
    for (let round = 0; round < 2; round++) {
      for (const holder of live.filter((m) => m.dht.held(record.key))) {
        live.splice(live.indexOf(holder), 1);
        const result = await holder.dht.leave();
        expect(result.records).toBe(1);
        expect(result.storesAcked).toBeGreaterThanOrEqual(1);
        await holder.peer.close();
      }
    }
    expect(live.some((m) => originals.includes(m))).toBe(false);
    expect(live.filter((m) => m.dht.held(record.key)).length).toBeGreaterThanOrEqual(3);
    const got = await (live[live.length - 1] as Member).dht.get('player-data', owner.peer.publicKey);
    expect(got.ok).toBe(true);
    expect(new TextDecoder().decode(got.record?.value)).toBe('house deed');
  });

  it('join-time transfer: a newcomer that becomes one of the k closest to a key receives the record from the nodes that hold it, with no republish', async () => {
    const net = await network('dht-newcomers', { republishIntervalMs: HOUR });
    const live = [...net.members];
    const owner = live[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('map of the keep'));
    await owner.dht.put(record);
    // Twenty more nodes join; some of them end up closer to the key than every original holder.
    const newcomers: Member[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await net.spawn();
      await m.dht.bootstrap([(live[1 + (i % (live.length - 1))] as Member).dht.contact]);
      newcomers.push(m);
    }
    await waitUntil(() => newcomers.some((m) => m.dht.held(record.key) !== undefined), 'a newcomer holds the record');
    const handOvers = [...live, ...newcomers].reduce((n, m) => n + m.dht.stats().counters.handOvers, 0);
    expect(handOvers).toBeGreaterThan(0);
    const got = await (newcomers[newcomers.length - 1] as Member).dht.get('player-data', owner.peer.publicKey);
    expect(new TextDecoder().decode(got.record?.value)).toBe('map of the keep');
  });

  it('join-time transfer comes from the holders closest to the key only: of six holders that all know the newcomer, at most handOverSenders push the record', async () => {
    // k 8 over 6 nodes: every node holds the record and, after the newcomer's bootstrap, knows it.
    const net = await startNetwork(6, { seed: 'dht-handover-senders', config: { k: 8, requestTimeoutMs: 500, refreshIntervalMs: HOUR, republishIntervalMs: HOUR, handOverSenders: 2 } });
    cleanup.push(() => net.close());
    const holders = [...net.members];
    const owner = holders[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('deed of the mill'));
    await owner.dht.put(record);
    await waitUntil(() => holders.slice(1).every((m) => m.dht.held(record.key) !== undefined), 'every node holds the record');
    const newcomer = await net.spawn();
    await newcomer.dht.bootstrap([(holders[1] as Member).dht.contact]);
    await waitUntil(() => newcomer.dht.held(record.key) !== undefined, 'the newcomer holds the record');
    // Give any further hand-over time to be sent: a node hands over when it first adds the contact.
    await newcomer.dht.findNode(newcomer.dht.nodeId);
    const handOvers = holders.reduce((n, m) => n + m.dht.stats().counters.handOvers, 0);
    expect(handOvers).toBeGreaterThanOrEqual(1);
    expect(handOvers).toBeLessThanOrEqual(2);
    expect(net.handlerErrors).toEqual([]);
  });

  it('without hand-off or republish, the same departures as crashes lose the record (what the hand-off prevents)', async () => {
    const net = await network('dht-handoff', { republishIntervalMs: HOUR });
    const live = [...net.members];
    const owner = live[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('house deed'));
    await owner.dht.put(record);
    await crash(owner, live);
    for (const holder of live.filter((m) => m.dht.held(record.key))) await crash(holder, live);
    const got = await (live[live.length - 1] as Member).dht.get('player-data', owner.peer.publicKey);
    expect(got.ok).toBe(false);
  });

  it('a surviving holder republishes: after the publisher and two of three holders crash, k copies exist again', async () => {
    const net = await network('dht-republish', { republishIntervalMs: 1_000 });
    const live = [...net.members];
    const owner = live[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('character'));
    await owner.dht.put(record);
    await crash(owner, live);
    const holders = live.filter((m) => m.dht.held(record.key));
    for (const h of holders.slice(0, 2)) await crash(h, live);
    await waitUntil(() => live.filter((m) => m.dht.held(record.key)).length >= 3, 'three live copies again', 20_000);
    expect(live.reduce((n, m) => n + m.dht.stats().counters.republished, 0)).toBeGreaterThanOrEqual(1);
    expect((await (live[1] as Member).dht.get('player-data', owner.peer.publicKey)).ok).toBe(true);
  });

  it('the publisher re-puts its own records: after every holder crashed, the publisher restores k copies', async () => {
    const net = await network('dht-reput', { republishIntervalMs: 1_000 });
    const live = [...net.members];
    const owner = live[0] as Member;
    const record = playerRecord(owner, 1n, new TextEncoder().encode('character'));
    await owner.dht.put(record);
    for (const h of live.filter((m) => m !== owner && m.dht.held(record.key))) await crash(h, live);
    expect(live.filter((m) => m !== owner && m.dht.held(record.key))).toHaveLength(0);
    await waitUntil(() => live.filter((m) => m !== owner && m.dht.held(record.key)).length >= 3, 'three copies from the publisher', 20_000);
    expect(owner.dht.stats().counters.republished).toBeGreaterThanOrEqual(1);
  });

  it('expired records are swept by holders, never served, and no longer re-put', async () => {
    const net = await network('dht-expiry', { republishIntervalMs: 500, expirySweepIntervalMs: 200 });
    const owner = net.members[0] as Member;
    // Long enough that a loaded machine stores every copy before it expires; the sweep count is
    // compared with the copies that actually existed, not with k.
    const record = playerRecord(owner, 1n, new TextEncoder().encode('short-lived'), 4_000);
    await owner.dht.put(record);
    const holdersAfterPut = net.members.filter((m) => m.dht.held(record.key)).length;
    expect(holdersAfterPut).toBeGreaterThanOrEqual(1);
    const reader = net.members[10] as Member;
    expect((await reader.dht.get('player-data', owner.peer.publicKey)).ok).toBe(true);
    await waitUntil(() => net.members.every((m) => m.dht.stats().heldRecords === 0), 'every copy swept', 20_000);
    expect(net.members.reduce((n, m) => n + m.dht.stats().counters.expiredSwept, 0)).toBeGreaterThanOrEqual(holdersAfterPut);
    const servedBefore = net.members.reduce((n, m) => n + m.dht.stats().counters.recordsServed, 0);
    const got = await reader.dht.get('player-data', owner.peer.publicKey);
    expect(got.ok).toBe(false);
    expect(net.members.reduce((n, m) => n + m.dht.stats().counters.recordsServed, 0)).toBe(servedBefore);
    expect(owner.dht.stats().publishedRecords).toBe(0);
  });
});
