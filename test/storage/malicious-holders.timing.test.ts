import { afterEach, describe, expect, it } from 'vitest';
import { createMaliciousHolderTransport, type DhtHolderCounters } from '../../src/attacks/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { installDht, type DhtNode } from '../../src/dht/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { createHouseStore, housePolicy } from '../../src/storage/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const HOUR = 3_600_000;
const wallClock = { nowMs: () => Date.now() };

/**
 * Malicious DHT nodes on real sockets (docs/storage.md, "Malicious holders"): among 16 nodes, four
 * take stores and value lookups and never answer, four serve the values they hold with a bit
 * flipped. An honest owner's houses are still acknowledged and read back intact, every tampered
 * answer refused by the reader's verification.
 */
describe('houses among malicious DHT nodes', () => {
  it('droppers and tamperers change no honest read', async () => {
    const ed25519 = createEd25519('native');
    const scheduler = createTimerQueue({ clock: systemClock });
    const rng = createRng('malicious-holders');
    const counters: DhtHolderCounters = { storesDropped: 0, lookupsDropped: 0, valuesTampered: 0 };
    const nodes: { peer: PeerNode; dht: DhtNode; role: 'honest' | 'drop' | 'tamper' }[] = [];
    const roles = [...Array<'honest'>(8).fill('honest'), ...Array<'drop'>(4).fill('drop'), ...Array<'tamper'>(4).fill('tamper')];
    for (const [i, role] of roles.entries()) {
      const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: rng.fork(`id:${i}`).bytes(32), ed25519 });
      const transport = role === 'honest' ? peer.transport : createMaliciousHolderTransport(peer.transport, role, counters);
      const dht = installDht(transport, { k: 4, requestTimeoutMs: 400, republishIntervalMs: HOUR, refreshIntervalMs: HOUR }, {
        clock: systemClock,
        scheduler,
        rng: rng.fork(`dht:${i}`),
        verify: (s, m, k) => ed25519.verify(s, m, k),
        policies: { house: housePolicy() },
      });
      nodes.push({ peer, dht, role });
    }
    cleanup.push(async () => {
      for (const n of nodes) n.dht.close();
      await Promise.all(nodes.map((n) => n.peer.close()));
      scheduler.close();
    });
    const seeds = nodes.slice(0, 3).map((n) => n.dht.contact);
    await Promise.all(nodes.map((n, i) => n.dht.bootstrap(seeds.filter((_, j) => j !== i))));

    const [owner, reader] = [nodes[0], nodes[5]] as const;
    const store = (n: (typeof nodes)[number]) => createHouseStore({ ackReplicas: 2 }, { dht: n.dht, signer: n.peer.signer, clock: systemClock, wallClock });
    const mine = store(owner!);
    const contents = (slot: number) => new TextEncoder().encode(`house ${slot}, version 2`);
    for (let slot = 0; slot < 6; slot++) {
      await mine.save(slot, new TextEncoder().encode('first'));
      const saved = await mine.save(slot, contents(slot));
      expect(saved.acknowledged).toBe(true);
    }
    const theirs = store(reader!);
    for (let slot = 0; slot < 6; slot++) {
      const read = await theirs.load(owner!.peer.publicKey, slot);
      expect(read.house?.version).toBe(2);
      expect(new TextDecoder().decode(read.house?.contents)).toBe(`house ${slot}, version 2`);
    }
    // The attacks ran (the seed puts malicious nodes among the keys' closest), and every tampered
    // answer the reader got was refused by its verification, never taken.
    expect(counters.storesDropped).toBeGreaterThan(0);
    expect(counters.valuesTampered).toBeGreaterThan(0);
    const refusedOnRead = reader!.dht.stats().rejectedOnRead['bad-signature'];
    expect(refusedOnRead).toBeGreaterThan(0);
    expect(refusedOnRead).toBeLessThanOrEqual(counters.valuesTampered);
  }, 60_000);
});
