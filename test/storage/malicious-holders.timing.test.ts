import { afterEach, describe, expect, it } from 'vitest';
import { createMaliciousHolderTransport, emptyHolderCounters, type DhtHolderBehaviour, type DhtHolderCounters } from '../../src/attacks/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { installDht, type DhtNode } from '../../src/dht/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { createHouseStore, housePolicy, houseRecord, readHouse } from '../../src/storage/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const HOUR = 3_600_000;
const wallClock = { nowMs: () => Date.now() };

type Role = 'honest' | DhtHolderBehaviour;
interface HolderNode {
  readonly peer: PeerNode;
  readonly dht: DhtNode;
  readonly role: Role;
}

/** Real peers with house policies, one per role, the malicious ones over their behaviour's wrapper; bootstrapped from the first three. */
async function startHolders(seed: string, roles: readonly Role[], k: number, counters: DhtHolderCounters): Promise<HolderNode[]> {
  const ed25519 = createEd25519('native');
  const scheduler = createTimerQueue({ clock: systemClock });
  const rng = createRng(seed);
  const nodes: HolderNode[] = [];
  for (const [i, role] of roles.entries()) {
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: rng.fork(`id:${i}`).bytes(32), ed25519 });
    const transport = role === 'honest' ? peer.transport : createMaliciousHolderTransport(peer.transport, role, counters);
    const dht = installDht(transport, { k, requestTimeoutMs: 400, republishIntervalMs: HOUR, refreshIntervalMs: HOUR }, {
      clock: systemClock,
      scheduler,
      rng: rng.fork(`dht:${i}`),
      verify: (s, m, key) => ed25519.verify(s, m, key),
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
  return nodes;
}

/**
 * Malicious DHT nodes on real sockets (docs/storage.md, "Malicious holders"): among 16 nodes, four
 * take stores and value lookups and never answer, four serve the values they hold with a bit
 * flipped. An honest owner's houses are still acknowledged and read back intact, every tampered
 * answer refused by the reader's verification. Then four of 16 serve the first version they stored
 * (stale): every honest read still gets the latest version.
 */
describe('houses among malicious DHT nodes', () => {
  it('droppers and tamperers change no honest read', async () => {
    const counters: DhtHolderCounters = emptyHolderCounters();
    const roles: Role[] = [...Array<'honest'>(8).fill('honest'), ...Array<'drop'>(4).fill('drop'), ...Array<'tamper'>(4).fill('tamper')];
    const nodes = await startHolders('malicious-holders', roles, 4, counters);

    const [owner, reader] = [nodes[0], nodes[5]] as const;
    const store = (n: HolderNode) => createHouseStore({ ackReplicas: 2 }, { dht: n.dht, signer: n.peer.signer, clock: systemClock, wallClock });
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

  it('a store a dropper leaves unanswered goes to the next closest node, where readers find it', async () => {
    const counters: DhtHolderCounters = emptyHolderCounters();
    const roles: Role[] = [...Array<'honest'>(8).fill('honest'), ...Array<'drop'>(8).fill('drop')];
    const nodes = await startHolders('droppers-passed-over', roles, 3, counters);
    const owner = nodes[0] as HolderNode;
    const readers = nodes.filter((n) => n.role === 'honest' && n !== owner);
    let passedOver = 0;
    const records = [];
    for (let slot = 0; slot < 12; slot++) {
      const record = houseRecord({ owner: owner.peer.publicKey, slot, version: 1, contents: new TextEncoder().encode(`house ${slot}`) }, owner.peer.signer, Date.now() + HOUR);
      // One copy besides the owner's: half the nodes drop stores, so the closest is often a dropper.
      const put = await owner.dht.put(record, { replicas: 1 });
      expect(put.acked, `slot ${slot}`).toBe(1);
      expect(put.targets - put.acked).toBe(put.outcomes['no-answer']);
      passedOver += put.outcomes['no-answer'];
      records.push(record);
    }
    // The owner goes silent: what readers find is the one copy that went past the droppers.
    owner.dht.close();
    for (const [slot, record] of records.entries()) {
      // A get asks other nodes, never the reader's own store: readers are nodes that do not hold it.
      for (const reader of readers.filter((r) => !r.dht.held(record.key)).slice(0, 3)) {
        const got = await reader.dht.get('house', record.subject);
        expect(got.record && readHouse(got.record)?.slot, `slot ${slot} read by node ${nodes.indexOf(reader)}`).toBe(slot);
      }
    }
    // The seed put droppers closest to some keys: those stores went on past them.
    expect(passedOver).toBeGreaterThan(0);
    expect(counters.storesDropped).toBe(passedOver);
  }, 90_000);

  it('stale holders change no honest read of the latest version', async () => {
    const counters = emptyHolderCounters();
    const roles: Role[] = [...Array<'honest'>(12).fill('honest'), ...Array<'stale'>(4).fill('stale')];
    // k = 8, three acknowledgements and quorum-3 reads: the harness's houses.
    const nodes = await startHolders('stale-holders', roles, 8, counters);

    const store = (n: HolderNode) => createHouseStore({}, { dht: n.dht, signer: n.peer.signer, clock: systemClock, wallClock });
    const owner = nodes[0] as HolderNode;
    const mine = store(owner);
    const SLOTS = 6;
    const VERSIONS = 3;
    for (let slot = 0; slot < SLOTS; slot++) {
      for (let v = 1; v <= VERSIONS; v++) expect((await mine.save(slot, new TextEncoder().encode(`house ${slot}, version ${v}`))).acknowledged).toBe(true);
    }
    // Every honest node but the owner reads every house: each read must be the latest version.
    const readers = nodes.filter((n) => n.role === 'honest' && n !== owner);
    for (const reader of readers) {
      const theirs = store(reader);
      for (let slot = 0; slot < SLOTS; slot++) {
        const read = await theirs.load(owner.peer.publicKey, slot);
        expect(read.house?.version, `slot ${slot} read by node ${nodes.indexOf(reader)}`).toBe(VERSIONS);
        expect(new TextDecoder().decode(read.house?.contents)).toBe(`house ${slot}, version ${VERSIONS}`);
      }
    }
    // The stale holders acknowledged the stores (they stay holders) and served their first versions;
    // readers refused those answers as older and pushed the newer one back (read repair), which the
    // stale holders counted: never more than they served, never more than the readers refused.
    expect(counters.staleServed).toBeGreaterThan(0);
    expect(counters.staleRepaired).toBeGreaterThan(0);
    expect(counters.staleRepaired).toBeLessThanOrEqual(counters.staleServed);
    const refusedStale = readers.reduce((n, r) => n + r.dht.stats().rejectedOnRead.stale, 0);
    expect(refusedStale).toBeGreaterThanOrEqual(counters.staleRepaired);
    expect(counters.storesDropped + counters.lookupsDropped + counters.valuesTampered).toBe(0);
  }, 60_000);
});
