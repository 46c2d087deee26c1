import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createHouseStore, housePolicy, houseRecord, houseSubject, readHouse, type HouseStore } from '../../src/storage/index.js';
import { installDht, recordKey, signRecord } from '../../src/dht/index.js';
import { startPeerNode } from '../../src/peer/index.js';
import { systemClock } from '../../src/time/clock.js';
import { waitUntil } from '../support/peers.js';
import { crash, startNetwork, type Member, type TestNetwork } from '../dht/network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const HOUR = 3_600_000;
const wallClock = { nowMs: () => Date.now() };

async function network(seed: string, republishIntervalMs: number): Promise<TestNetwork> {
  const net = await startNetwork(16, { seed, policies: { house: housePolicy() }, config: { k: 4, requestTimeoutMs: 500, refreshIntervalMs: HOUR, republishIntervalMs } });
  cleanup.push(() => net.close());
  return net;
}

const storeOf = (m: Member): HouseStore => createHouseStore({}, { dht: m.dht, signer: m.peer.signer, clock: systemClock, wallClock });


/**
 * Houses on real sockets and a real DHT (docs/storage.md): a house exists while its owner is
 * offline, kept on the k closest nodes and restored to k copies by the holders' republish.
 */
describe('houses in the DHT', () => {
  it('a house is found after its owner and three of its four holders crashed, and its copies come back', async () => {
    const net = await network('houses-survive', 1_000);
    const live = [...net.members];
    const owner = live[0] as Member;
    const contents = new TextEncoder().encode('a table, two chairs, a chest of 40 gold');
    const store = storeOf(owner);
    const first = await store.save(0, new TextEncoder().encode('an empty room'));
    const saved = await store.save(0, contents);
    expect(first.acknowledged).toBe(true);
    expect(saved).toMatchObject({ acknowledged: true, house: { version: 2 } });
    expect(saved.holders).toBeGreaterThanOrEqual(3);

    await crash(owner, live);
    const key = recordKey('house', houseSubject(owner.peer.publicKey, 0));
    const holders = live.filter((m) => m.dht.held(key));
    expect(holders.length).toBeGreaterThanOrEqual(4);
    for (const h of holders.slice(0, 3)) await crash(h, live);

    const reader = live.find((m) => !m.dht.held(key)) as Member;
    const read = await storeOf(reader).load(owner.peer.publicKey, 0);
    expect(read.house?.version).toBe(2);
    expect(toHex(read.house?.contents ?? new Uint8Array(0))).toBe(toHex(contents));
    // The survivor's republish brings the house back to k live copies.
    await waitUntil(() => live.filter((m) => m.dht.held(key)).length >= 4, 'four live copies again', 20_000);
  }, 60_000);

  it('a house written by anyone but its owner, or whose value names another version than its record, is refused by storing nodes; readers keep the real one', async () => {
    const net = await network('houses-forged', HOUR);
    const owner = net.members[0] as Member;
    await storeOf(owner).save(3, new TextEncoder().encode('the real house'));
    // A forger whose own DHT accepts any house (so its put goes out), on a real socket.
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: new Uint8Array(32).fill(0x66), ed25519: net.ed25519 });
    const forger = installDht(peer.transport, { k: 4, requestTimeoutMs: 500, republishIntervalMs: HOUR, refreshIntervalMs: HOUR }, {
      clock: systemClock,
      scheduler: net.scheduler,
      rng: net.rng.fork('forger'),
      verify: (s, m, k) => net.ed25519.verify(s, m, k),
      policies: { house: { authorizedWriter: () => true } },
    });
    cleanup.push(async () => {
      forger.close();
      await peer.close();
    });
    await forger.bootstrap(net.members.slice(0, 3).map((m) => m.dht.contact));
    const expires = BigInt(Date.now() + HOUR);
    const subject = houseSubject(owner.peer.publicKey, 3);
    const honest = net.members;
    const refused = (reason: 'unauthorized' | 'invalid-value') => honest.reduce((n, m) => n + m.dht.stats().rejectedOnStore[reason], 0);
    const unauthorizedBefore = refused('unauthorized');
    const invalidBefore = refused('invalid-value');

    // 1. The forger signs a "newer" version of the owner's house with its own key.
    const value = houseRecord({ owner: peer.publicKey, slot: 3, version: 9, contents: new TextEncoder().encode('mine now') }, peer.signer, Date.now() + HOUR).value;
    const stolen = await forger.put(signRecord({ type: 'house', subject, seq: 9n, expiresAtMs: expires, value }, peer.signer));
    expect(stolen.targets).toBeGreaterThanOrEqual(1);
    expect(stolen.outcomes.stored + stolen.outcomes.duplicate).toBe(0);
    expect(stolen.outcomes.invalid).toBeGreaterThanOrEqual(1);
    expect(refused('unauthorized') - unauthorizedBefore).toBeGreaterThanOrEqual(stolen.outcomes.invalid);

    // 2. A record signed by the owner's key whose value names version 9 under seq 10 (a holder
    //    serving old contents under a newer number would look like this): refused as invalid.
    const mismatched = signRecord({ type: 'house', subject, seq: 10n, expiresAtMs: expires, value: houseRecord({ owner: owner.peer.publicKey, slot: 3, version: 9, contents: new Uint8Array(4) }, owner.peer.signer, Date.now() + HOUR).value }, owner.peer.signer);
    expect(readHouse(mismatched)).toBeNull();
    const invalid = await forger.put(mismatched);
    expect(invalid.outcomes.stored + invalid.outcomes.duplicate).toBe(0);
    expect(refused('invalid-value') - invalidBefore).toBeGreaterThanOrEqual(invalid.outcomes.invalid);
    expect(invalid.outcomes.invalid).toBeGreaterThanOrEqual(1);

    const read = await storeOf(net.members[7] as Member).load(owner.peer.publicKey, 3);
    expect(new TextDecoder().decode(read.house?.contents)).toBe('the real house');
    expect(read.house?.version).toBe(1);
  }, 60_000);
});
