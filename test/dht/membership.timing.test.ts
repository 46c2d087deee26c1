import { afterEach, describe, expect, it } from 'vitest';
import { KeyCertificateType, encodeCertificate, keyCertificateMembership, signCertificate, type KeyCertificate } from '../../src/auth/index.js';
import { createEd25519, toHex } from '../../src/crypto/index.js';
import { installDht, ownerWriterPolicy, signRecord, type DhtMembership, type DhtNode, type DhtRecord, type DhtStats, type MembershipRefusal } from '../../src/dht/index.js';
import { toWireContact } from '../../src/dht/contact.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { startScriptedNode, type ScriptedNode } from './actors.js';

/**
 * The Sybil gate (SPEC §4; docs/dht.md, "Membership") on real sockets with real Ed25519: DHT
 * nodes present authority key certificates (src/auth's keyCertificateMembership, as players do),
 * and a node with a valid key pair but no certificate of its own takes no routing-table slot and
 * gets no record stored, whatever it presents.
 */

const ed25519 = createEd25519('native');
const HOUR = 3_600_000;
const config = { k: 4, requestTimeoutMs: 500, republishIntervalMs: HOUR, refreshIntervalMs: HOUR };
const policies = { 'player-data': ownerWriterPolicy() };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Node {
  readonly name: string;
  readonly peer: PeerNode;
  readonly dht: DhtNode;
}

/** What a node presents, asked whenever it sends a credential: a certificate from the authority, another key's or a forged one, or none yet. */
type Presents = (peer: PeerNode) => KeyCertificate | null;

/** The same certificate object every time (the membership encodes it once). */
const once = (make: (peer: PeerNode) => KeyCertificate): Presents => {
  let made: KeyCertificate | null = null;
  return (peer) => (made ??= make(peer));
};

function world(seed: string) {
  const rng = createRng(seed);
  const scheduler = createTimerQueue({ clock: systemClock });
  const authority = ed25519.createSigner(rng.fork('authority').bytes(32));
  const nodes: Node[] = [];
  const scripted: ScriptedNode[] = [];
  /** Every refusal a node's gate reported (DhtDeps.onMembershipRefusal): at which node, what, whose ID. */
  const refusals: { at: string; refusal: MembershipRefusal; nodeIdHex: string }[] = [];
  cleanup.push(async () => {
    for (const n of nodes) n.dht.close();
    await Promise.all([...nodes.map((n) => n.peer.close()), ...scripted.map((s) => s.close())]);
    scheduler.close();
  });
  let playerIds = 0n;
  const certify = (publicKey: Uint8Array, by = authority): KeyCertificate => signCertificate(KeyCertificateType, by, { playerId: ++playerIds, publicKey });
  const membership = (presents: () => KeyCertificate | null): DhtMembership => keyCertificateMembership(authority.publicKey, ed25519, presents);

  /** A DHT node; `presents` null: no membership at all (an open node, which notes and believes everyone). */
  const start = async (name: string, presents: Presents | null): Promise<Node> => {
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: rng.fork(`id:${name}`).bytes(32), ed25519 });
    const dht = installDht(peer.transport, config, {
      clock: systemClock,
      scheduler,
      rng: rng.fork(`dht:${name}`),
      verify: (s, m, k) => ed25519.verify(s, m, k),
      policies,
      ...(presents ? { membership: membership(() => presents(peer)) } : {}),
      onMembershipRefusal: (refusal, nodeIdHex) => refusals.push({ at: name, refusal, nodeIdHex }),
    });
    const node = { name, peer, dht };
    nodes.push(node);
    return node;
  };
  const certified = (name: string) => start(name, once((peer) => certify(peer.publicKey)));

  /** `n` certified nodes: three seeds that know each other, then the rest a few at a time. */
  const honestNetwork = async (n: number): Promise<Node[]> => {
    const honest: Node[] = [];
    for (let i = 0; i < n; i++) honest.push(await certified(`honest:${i}`));
    const seeds = honest.slice(0, 3).map((h) => h.dht.contact);
    for (const h of honest.slice(0, 3)) await h.dht.bootstrap(seeds.filter((s) => s !== h.dht.contact));
    const rest = honest.slice(3);
    for (let i = 0; i < rest.length; i += 5) await Promise.all(rest.slice(i, i + 5).map((h) => h.dht.bootstrap(seeds)));
    return honest;
  };

  const scriptedNode = async (name: string): Promise<ScriptedNode> => {
    const node = await startScriptedNode(ed25519, rng.fork(`id:${name}`).bytes(32));
    scripted.push(node);
    return node;
  };

  return { rng, certify, start, certified, honestNetwork, scriptedNode, refusals };
}

function ownRecord(node: { peer: PeerNode }, text: string): DhtRecord {
  return signRecord({ type: 'player-data', subject: node.peer.publicKey, seq: 1n, expiresAtMs: BigInt(Date.now() + HOUR), value: new TextEncoder().encode(text) }, node.peer.signer);
}

const sum = (nodes: readonly Node[], counter: keyof DhtStats['counters']) => nodes.reduce((n, x) => n + x.dht.stats().counters[counter], 0);
const hex = (id: Uint8Array) => toHex(id);
const tableHolds = (nodes: readonly Node[], node: Node) => nodes.filter((n) => n.dht.contacts().some((c) => hex(c.nodeId) === hex(node.dht.nodeId))).map((n) => n.name);

describe('the Sybil gate: only certified nodes take routing-table slots and have records stored', () => {
  it('certified nodes work as before; Sybils (no certificate, a forged one, another key’s) get no slot and no store, and honest reads never see their records', async () => {
    const w = world('dht-membership');
    const honest = await w.honestNetwork(12);

    // Certified nodes bootstrap, find each other, store and read as in an open DHT.
    for (const h of honest) expect(h.dht.contacts().length, `${h.name}'s table`).toBeGreaterThan(0);
    expect(sum(honest, 'membership.verified')).toBeGreaterThanOrEqual(honest.length);
    expect(sum(honest, 'membership.badCredentials')).toBe(0);
    const owner = honest[4] as Node;
    const put = await owner.dht.put(ownRecord(owner, 'deed of the keep'));
    expect(put.targets).toBe(config.k);
    expect(put.acked).toBe(put.targets);
    expect(put.outcomes['not-member']).toBe(0);
    const read = await (honest[9] as Node).dht.get('player-data', owner.peer.publicKey);
    expect(new TextDecoder().decode(read.record?.value)).toBe('deed of the keep');
    expect((await (honest[2] as Node).dht.findNode((honest[11] as Node).dht.nodeId)).contacts.map((c) => hex(c.nodeId))).toContain(hex((honest[11] as Node).dht.nodeId));

    // Three Sybils, each with a valid key pair: an open node that presents nothing, a node with a
    // certificate signed by another key than the authority's, and one that presents an honest
    // node's genuine certificate (which names that node's key, not its own).
    const forger = ed25519.createSigner(w.rng.fork('forger').bytes(32));
    const sybils = {
      uncertified: await w.start('sybil:uncertified', null),
      forged: await w.start('sybil:forged', once((peer) => w.certify(peer.publicKey, forger))),
      borrowed: await w.start('sybil:borrowed', once(() => w.certify(owner.peer.publicKey))),
    };
    const seeds = honest.slice(0, 3).map((h) => h.dht.contact);
    for (const [kind, sybil] of Object.entries(sybils)) {
      const badBefore = sum(honest, 'membership.badCredentials');
      const refusedBefore = sum(honest, 'membership.refusedStores');
      const boot = await sybil.dht.bootstrap(seeds);
      // Reads are answered (a joining node must be able to bootstrap): the Sybil sees the network.
      expect(boot.reached, kind).toBe(seeds.length);
      expect((await sybil.dht.findNode(owner.dht.nodeId)).ok, kind).toBe(true);
      // Its own record, validly signed by its own key: refused at every holder it reaches.
      const record = ownRecord(sybil, `${kind} was here`);
      const result = await sybil.dht.put(record);
      expect(result.targets, kind).toBeGreaterThan(0);
      expect(result.acked, kind).toBe(0);
      expect(result.outcomes['not-member'], kind).toBe(result.targets);
      expect(sum(honest, 'membership.refusedStores') - refusedBefore, kind).toBeGreaterThanOrEqual(result.targets);
      expect(honest.filter((h) => h.dht.held(record.key)).map((h) => h.name), kind).toEqual([]);
      // A Sybil presenting a credential was counted bad; one presenting nothing was not.
      const bad = sum(honest, 'membership.badCredentials') - badBefore;
      if (kind === 'uncertified') expect(bad, kind).toBe(0);
      else expect(bad, kind).toBeGreaterThan(0);
      // Presenting a credential, it tried once more after introducing itself, in vain (hand-overs to
      // nodes it met during the put may add retries of their own).
      const retries = sybil.dht.stats().counters['membership.storeRetries'];
      if (kind === 'uncertified') expect(retries, kind).toBe(0);
      else expect(retries, kind).toBeGreaterThanOrEqual(result.targets);
    }

    // No honest routing table holds a Sybil; honest readers do not find the Sybils' records.
    for (const sybil of Object.values(sybils)) {
      expect(tableHolds(honest, sybil), sybil.name).toEqual([]);
      const got = await (honest[7] as Node).dht.get('player-data', sybil.peer.publicKey);
      expect(got.record, sybil.name).toBeNull();
    }
    expect(sum(honest, 'membership.refusedContacts')).toBeGreaterThan(0);
    // Every STORE a Sybil sent ended not-member (after its retry, when it had a credential); no honest one did.
    for (const sybil of Object.values(sybils)) expect(sybil.dht.stats().counters['membership.storesRefused'], sybil.name).toBeGreaterThan(0);
    expect(sum(honest, 'membership.storesRefused')).toBe(0);
    // Each refusal the honest gates counted was reported with the refused node's ID: here, always a Sybil's.
    const byHonest = w.refusals.filter((r) => r.at.startsWith('honest'));
    const sybilIds = new Set(Object.values(sybils).map((n) => hex(n.dht.nodeId)));
    expect(byHonest.filter((r) => r.refusal === 'store')).toHaveLength(sum(honest, 'membership.refusedStores'));
    expect(byHonest.filter((r) => r.refusal === 'contact')).toHaveLength(sum(honest, 'membership.refusedContacts'));
    expect(byHonest.filter((r) => r.refusal === 'bad-credential')).toHaveLength(sum(honest, 'membership.badCredentials'));
    expect(byHonest.filter((r) => !sybilIds.has(r.nodeIdHex))).toEqual([]);

    // Honest lookups still succeed, and a certified newcomer still joins through the same seeds.
    const again = await (honest[1] as Node).dht.get('player-data', owner.peer.publicKey);
    expect(again.ok).toBe(true);
    const newcomer = await w.certified('honest:newcomer');
    await newcomer.dht.bootstrap(seeds);
    expect(newcomer.dht.contacts().length).toBeGreaterThan(0);
    expect(tableHolds(honest, newcomer).length).toBeGreaterThan(0);
    expect((await newcomer.dht.get('player-data', owner.peer.publicKey)).ok).toBe(true);
  }, 60_000);

  it('a non-member cannot steer a lookup: its dht-nodes answers are ignored and counted, its record answers are verified but do not make it a member', async () => {
    const w = world('dht-membership-steer');
    const honest = await w.honestNetwork(6);
    const owner = honest[3] as Node;
    await owner.dht.put(ownRecord(owner, 'the real deed'));

    // A certified but malicious member names an uncertified Sybil in its answers; the Sybil names
    // made-up contacts (at a decoy's endpoint) in its own. A newcomer knows only the accomplice.
    const accomplice = await w.scriptedNode('accomplice');
    accomplice.credential = encodeCertificate(KeyCertificateType, w.certify(accomplice.peer.publicKey));
    const sybil = await w.scriptedNode('sybil');
    const decoy = await w.scriptedNode('decoy');
    accomplice.contacts = [toWireContact(sybil.contact)];
    sybil.contacts = Array.from({ length: 4 }, () => toWireContact({ nodeId: w.rng.bytes(32), endpoint: decoy.peer.transport.local }));
    const reader = await w.certified('reader');
    await reader.dht.bootstrap([accomplice.contact]);
    const table = () => reader.dht.contacts().map((c) => hex(c.nodeId));
    expect(table()).toEqual([hex(accomplice.contact.nodeId)]);
    expect(reader.dht.stats().counters['membership.ignoredAnswers']).toBeGreaterThan(0);
    expect(decoy.peer.transport.stats().rx.processed).toBe(0);

    // Serving a validly signed record, the Sybil is believed about the record (records verify
    // themselves) but still not taken into the table.
    const other = honest[5] as Node;
    const record = ownRecord(other, 'served by a Sybil');
    sybil.serve = (key) => (hex(key) === hex(record.key) ? record : null);
    const served = await reader.dht.get('player-data', other.peer.publicKey);
    expect(sybil.valueRequests).toBeGreaterThan(0);
    expect(new TextDecoder().decode(served.record?.value)).toBe('served by a Sybil');
    expect(table()).toEqual([hex(accomplice.contact.nodeId)]);

    // Through honest seeds the newcomer's lookups work as ever.
    await reader.dht.bootstrap(honest.slice(0, 3).map((h) => h.dht.contact));
    expect((await reader.dht.get('player-data', owner.peer.publicKey)).ok).toBe(true);
    expect(table()).not.toContain(hex(sybil.contact.nodeId));
  }, 60_000);

  it('a member a holder does not know yet introduces itself and stores again (one retry)', async () => {
    const w = world('dht-membership-retry');
    // B bootstraps before it holds its certificate: A learns B's key but no credential, so keeps B
    // out of its table, while B verified A (A presented its certificate) and later stores at it.
    let certificateOfB: KeyCertificate | null = null;
    const a = await w.certified('a');
    const b = await w.start('b', () => certificateOfB);
    await a.dht.bootstrap([b.dht.contact]);
    expect(b.dht.contacts().map((c) => hex(c.nodeId))).toEqual([hex(a.dht.nodeId)]);
    expect(a.dht.contacts()).toEqual([]);

    certificateOfB = w.certify(b.peer.publicKey);
    const put = await b.dht.put(ownRecord(b, 'after registering'));
    expect(put.targets).toBe(1);
    expect(put.outcomes.stored).toBe(1);
    expect(a.dht.stats().counters['membership.refusedStores']).toBe(1);
    expect(b.dht.stats().counters['membership.storeRetries']).toBe(1);
    // The retry succeeded: the gate refused nobody certified in the end.
    expect(b.dht.stats().counters['membership.storesRefused']).toBe(0);
    expect(w.refusals.filter((r) => r.refusal === 'store')).toEqual([{ at: 'a', refusal: 'store', nodeIdHex: hex(b.dht.nodeId) }]);
    expect(w.refusals.every((r) => r.at === 'a' && r.nodeIdHex === hex(b.dht.nodeId))).toBe(true);
    expect(a.dht.contacts().map((c) => hex(c.nodeId))).toEqual([hex(b.dht.nodeId)]);
  }, 30_000);
});
