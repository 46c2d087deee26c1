import { afterEach, describe, expect, it } from 'vitest';
import { createEd25519, nodeIdFromPublicKey } from '../../src/crypto/index.js';
import { DhtNodes, DhtPong, DhtStore, MAX_CONTACTS, installDht, type DhtNode } from '../../src/dht/index.js';
import { commonPrefixLength, compareDistance, idHex } from '../../src/dht/ids.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { MessageKind, WIRE_VERSION, encodeMessage } from '../../src/wire/index.js';
import { openRawSocket, waitUntil } from '../support/peers.js';
import { startScriptedNode, toWireContact, type ScriptedNode } from './actors.js';
import { playerRecord, policies, startNetwork, type TestNetwork } from './network.js';

const ed = createEd25519('native');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function network(n: number, seed: string, config = {}): Promise<TestNetwork> {
  const net = await startNetwork(n, { seed, config: { requestTimeoutMs: 2000, ...config } });
  cleanup.push(() => net.close());
  return net;
}

async function scripted(seedByte: number): Promise<ScriptedNode> {
  const node = await startScriptedNode(ed, new Uint8Array(32).fill(seedByte));
  cleanup.push(() => node.close());
  return node;
}

describe('DHT node on real sockets', () => {
  it('bootstraps, finds the k closest nodes, puts a record at them and gets it back from anyone', async () => {
    const net = await network(16, 'dht-basic', { k: 4 });
    const [owner, reader] = [net.members[5]!, net.members[11]!];
    for (const m of net.members) expect(m.dht.stats().routingTableSize).toBeGreaterThan(0);

    const target = net.rng.fork('target').bytes(32);
    const found = await reader.dht.findNode(target);
    const truth = net.members
      .filter((m) => m !== reader)
      .map((m) => m.dht.nodeId)
      .sort((a, b) => compareDistance(target, a, b))
      .slice(0, 4);
    expect(found.ok).toBe(true);
    expect(found.contacts.map((c) => idHex(c.nodeId))).toEqual(truth.map(idHex));

    const record = playerRecord(owner, 1n, new TextEncoder().encode('level 3'));
    const put = await owner.dht.put(record);
    expect(put.targets).toBe(4);
    expect(put.acked).toBe(4);
    const holders = net.members.filter((m) => m !== owner && m.dht.held(record.key) !== undefined);
    expect(holders).toHaveLength(4);

    const got = await reader.dht.get('player-data', owner.peer.publicKey);
    expect(got.ok).toBe(true);
    expect(new TextDecoder().decode(got.record?.value)).toBe('level 3');
    expect(got.hops).toBeGreaterThanOrEqual(1);

    const missing = await reader.dht.get('house', owner.peer.publicKey);
    expect(missing.ok).toBe(false);
    expect(missing.record).toBeNull();

    const stats = reader.dht.stats();
    expect(stats.lookups.findValue.started).toBe(2);
    expect(stats.lookups.findValue.succeeded).toBe(1);
    expect(stats.lookups.findValue.failed).toBe(1);
    expect(stats.lookups.findValue.latencyMs?.count).toBe(1);
    expect(stats.lookups.findValue.hops.reduce((a, b) => a + b, 0)).toBe(1);
    expect(net.members.reduce((n, m) => n + m.dht.stats().counters.recordsServed, 0)).toBeGreaterThanOrEqual(1);
    expect(net.members.reduce((n, m) => n + m.dht.stats().counters.unexpectedResponses, 0)).toBe(0);
    expect(net.handlerErrors).toEqual([]);
  });

  it('a newer version replaces the older one everywhere it is put, and gets return it', async () => {
    const net = await network(10, 'dht-versions', { k: 4 });
    const owner = net.members[2]!;
    await owner.dht.put(playerRecord(owner, 1n, new TextEncoder().encode('old')));
    await owner.dht.put(playerRecord(owner, 2n, new TextEncoder().encode('new')));
    const got = await net.members[7]!.dht.get('player-data', owner.peer.publicKey, { quorum: 4 });
    expect(got.record?.seq).toBe(2n);
    await expect(owner.dht.put(playerRecord(owner, 1n, new TextEncoder().encode('older')))).rejects.toThrow(/older than 2/);
    const forged = { ...playerRecord(owner, 3n, new Uint8Array(1)), writer: net.members[3]!.peer.publicKey };
    await expect(owner.dht.put(forged)).rejects.toThrow(/unauthorized/);
  });

  it('counts malformed DHT datagrams in the transport and leaves the node working', async () => {
    const net = await network(3, 'dht-malformed');
    const node = net.members[0]!;
    const raw = await openRawSocket();
    cleanup.push(() => raw.close());
    const signer = ed.createSigner(new Uint8Array(32).fill(9));
    const nodes = encodeMessage(DhtNodes, { rid: 1, contacts: [], credential: null }, { signer, sequence: 1n });
    const overCap = nodes.slice();
    overCap[43 + 4] = 200; // contact count over the cap (MAX_CONTACTS)
    const truncated = encodeMessage(DhtStore, { rid: 1, record: playerRecord(net.members[1]!, 1n, new Uint8Array(10)) }, { signer, sequence: 2n }).subarray(0, 150);
    const unsigned = Uint8Array.of(WIRE_VERSION, MessageKind.dhtPing, 0, 0, 0, 0, 1);
    const forged = encodeMessage(DhtPong, { rid: 5, credential: null }, { signer, sequence: 3n });
    forged[45] = (forged[45] as number) ^ 1;
    const before = node.peer.transport.stats().dropped;
    const processed = node.peer.transport.stats().rx.processed;
    for (const bytes of [overCap, truncated, unsigned, forged]) await raw.send(bytes, node.peer.transport.local.port);
    await waitUntil(() => node.peer.transport.stats().rx.processed >= processed + 4, 'garbage processed', 10_000);
    const after = node.peer.transport.stats().dropped;
    expect(after.malformed - before.malformed).toBe(1);
    expect(after.truncated - before.truncated).toBe(1);
    expect(after.unsigned - before.unsigned).toBe(1);
    expect(after['bad-signature'] - before['bad-signature']).toBe(1);
    expect((await net.members[1]!.dht.findNode(node.dht.nodeId)).ok).toBe(true);
    expect(net.handlerErrors).toEqual([]);
  });

  it('drops and counts answers that match no outstanding request, come from another node than the one asked, or carry impossible contacts', async () => {
    const net = await network(1, 'dht-unexpected', { requestTimeoutMs: 400 });
    const node = net.members[0]!;
    const x = await scripted(0x31);
    // Unsolicited answers.
    x.peer.transport.send(node.peer.transport.local, DhtPong, { rid: 12345, credential: null });
    x.peer.transport.send(node.peer.transport.local, DhtNodes, { rid: 777, contacts: [], credential: null });
    await waitUntil(() => node.dht.stats().counters.unexpectedResponses === 2, 'two unexpected answers');

    // A contact that claims another node ID than the key answering at its endpoint.
    const fake = { nodeId: net.rng.fork('fake').bytes(32), endpoint: x.peer.transport.local };
    const result = await node.dht.bootstrap([fake]);
    expect(result.reached).toBe(0);
    expect(node.dht.stats().counters.unexpectedResponses).toBe(3);
    expect(node.dht.stats().counters.timeouts).toBe(1);
    expect(node.dht.contacts()).toHaveLength(0);

    // A seed known by endpoint only is learnt from its answer; its junk contacts are skipped.
    x.contacts = [{ nodeId: new Uint8Array(32).fill(1), address: new Uint8Array(5), port: 4000 }, toWireContact(net.members[0]!.dht.contact)];
    const joined = await node.dht.bootstrap([x.peer.transport.local]);
    expect(joined.reached).toBe(1);
    expect(node.dht.contacts().map((c) => idHex(c.nodeId))).toEqual([idHex(x.contact.nodeId)]);
    expect(node.dht.stats().counters.malformedContacts).toBeGreaterThanOrEqual(1);
    expect(net.handlerErrors).toEqual([]);
  });

  it('rate-limits STOREs per sender key: the excess is counted and dropped unanswered', async () => {
    const net = await network(2, 'dht-rate', { storeRateLimit: { perSecond: 0.001, burst: 5 } });
    const node = net.members[0]!;
    const flooder = await scripted(0x41);
    const other = await scripted(0x42);
    const record = playerRecord(net.members[1]!, 1n, new Uint8Array(4));
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => flooder.store(node.peer.transport.local, record, 1500)));
    expect(outcomes.filter((o) => o !== null)).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(4);
    // Another sender has its own bucket.
    expect(await other.store(node.peer.transport.local, record)).toBe('duplicate');
    const c = node.dht.stats().counters;
    expect(c.rateLimited).toBe(7);
    expect(c.storeRequests).toBe(6);
    expect(c.recordsStored).toBe(1);
  });

  it('programmer misuse throws: impossible configuration, wrong arguments, use after close', async () => {
    const net = await network(2, 'dht-misuse');
    const node = net.members[0]!;
    const deps = { clock: systemClock, scheduler: net.scheduler, rng: net.rng.fork('x'), verify: ed.verify, policies };
    for (const bad of [{ k: 0 }, { k: MAX_CONTACTS + 1 }, { k: 21 }, { alpha: 0 }, { requestTimeoutMs: 0 }, { freshContactMs: -1 }, { storeRateLimit: { perSecond: 0, burst: 1 } }]) {
      expect(() => installDht(net.members[1]!.peer.transport, bad, deps)).toThrow(RangeError);
    }
    await expect(node.dht.findNode(new Uint8Array(31))).rejects.toThrow(TypeError);
    await expect(node.dht.get('no-such-type' as 'ban', new Uint8Array(1))).rejects.toThrow(TypeError);
    await expect(node.dht.get('ban', new Uint8Array(1), { quorum: 0 })).rejects.toThrow(RangeError);
    // A second DHT on the same transport would fight over the kinds.
    expect(() => installDht(node.peer.transport, {}, deps)).toThrow(TypeError);
    node.dht.close();
    await expect(node.dht.findNode(node.dht.nodeId)).rejects.toThrow(/closed/);
  });

  it('ping-before-evict on the wire: a dead least-recently-seen contact is replaced, a live one keeps its place', async () => {
    const clock = systemClock;
    const scheduler = createTimerQueue({ clock });
    cleanup.push(() => scheduler.close());
    const rng = createRng('dht-evict');
    const peers: PeerNode[] = [];
    const start = async (seedByte: number) => {
      const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: new Uint8Array(32).fill(seedByte), ed25519: ed, clock });
      peers.push(peer);
      return peer;
    };
    cleanup.push(async () => {
      await Promise.all(peers.map((p) => p.close()));
    });
    const deps = (label: string) => ({ clock, scheduler, rng: rng.fork(label), verify: ed.verify, policies });
    const a = await start(0x50);
    // freshContactMs 0: every newcomer message may probe, so the test does not wait out the freshness window.
    const dhtA: DhtNode = installDht(a.transport, { k: 1, replacementCacheSize: 1, requestTimeoutMs: 300, freshContactMs: 0 }, deps('a'));
    cleanup.push(() => dhtA.close());
    // Three more identities that fall into the same bucket of A (the first bit differs from A's).
    const sameBucket: number[] = [];
    for (let s = 0x60; sameBucket.length < 3; s++) {
      const id = nodeIdFromPublicKey(ed.publicKeyFromSeed(new Uint8Array(32).fill(s)));
      if (commonPrefixLength(dhtA.nodeId, id) === 0) sameBucket.push(s);
    }
    const join = async (seedByte: number) => {
      const peer = await start(seedByte);
      const dht = installDht(peer.transport, { requestTimeoutMs: 300 }, deps(`p${seedByte}`));
      cleanup.push(() => dht.close());
      await dht.bootstrap([dhtA.contact]);
      return { peer, dht };
    };
    const b = await join(sameBucket[0]!);
    expect(dhtA.contacts().map((c) => idHex(c.nodeId))).toEqual([idHex(b.dht.nodeId)]);

    // B is alive: C waits in the replacement cache.
    const c = await join(sameBucket[1]!);
    const settled = () => {
      const s = dhtA.stats().counters;
      return s.probes >= 1 && s.responsesReceived + s.timeouts === s.requestsSent;
    };
    await waitUntil(settled, 'probes of B answered');
    expect(dhtA.contacts().map((x) => idHex(x.nodeId))).toEqual([idHex(b.dht.nodeId)]);
    expect(dhtA.stats().counters.probeEvictions).toBe(0);
    expect(dhtA.stats().counters.timeouts).toBe(0);

    // B crashes (socket closed, no goodbye): the next newcomer's arrival probes B, which fails, and D takes its place.
    b.dht.close();
    await b.peer.close();
    const d = await join(sameBucket[2]!);
    await waitUntil(() => dhtA.stats().counters.probeEvictions === 1, 'B evicted');
    expect(dhtA.contacts().map((x) => idHex(x.nodeId))).toEqual([idHex(d.dht.nodeId)]);
    expect(dhtA.contacts().map((x) => idHex(x.nodeId))).not.toContain(idHex(c.dht.nodeId));
  });
});
