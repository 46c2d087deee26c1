import { afterEach, describe, expect, it } from 'vitest';
import { signRecord, type DhtRecord, type RecordRejection, type StoreOutcome } from '../../src/dht/index.js';
import { waitUntil } from '../support/peers.js';
import { startScriptedNode, type ScriptedNode } from './actors.js';
import { createNetwork, type Member, type TestNetwork } from './network.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const text = (s: string) => new TextEncoder().encode(s);
const inAnHour = () => BigInt(Date.now() + 3_600_000);

/**
 * The owner O signs versions 1 and 2 of its record; honest nodes hold version 2. A scripted node
 * M holds (or makes up) a bad version and tries it on a storing node (STORE) and on a reader (in
 * answer to the reader's FIND_VALUE during a real lookup). Each bad version must be refused by
 * both, counted under its reason, and never returned as the record.
 */
interface Scene {
  readonly net: TestNetwork;
  readonly owner: Member;
  readonly honest: Member[];
  readonly mallory: ScriptedNode;
  readonly v1: DhtRecord;
  readonly v2: DhtRecord;
}

async function scene(name: string): Promise<Scene> {
  const net = await createNetwork({ seed: `dht-verification-${name}`, config: { k: 8, requestTimeoutMs: 2000 } });
  cleanup.push(() => net.close());
  for (let i = 0; i < 4; i++) await net.spawn();
  const [owner, ...honest] = net.members as [Member, ...Member[]];
  const mallory = await startScriptedNode(net.ed25519, new Uint8Array(32).fill(0x77));
  cleanup.push(() => mallory.close());
  for (const m of honest) await m.dht.bootstrap([owner.dht.contact]);
  // M introduces itself, so honest nodes list it in their answers.
  for (const m of net.members) mallory.ping(m.peer.transport.local);
  await waitUntil(() => net.members.every((m) => m.dht.contacts().some((c) => c.endpoint.port === mallory.contact.endpoint.port)), 'M known to all');
  const sign = (seq: bigint, value: string) => signRecord({ type: 'player-data', subject: owner.peer.publicKey, seq, expiresAtMs: inAnHour(), value: text(value) }, owner.peer.signer);
  const v1 = sign(1n, 'version 1');
  const v2 = sign(2n, 'version 2');
  await owner.dht.put(v2);
  for (const m of honest) expect(m.dht.held(v2.key)?.seq).toBe(2n);
  return { net, owner, honest, mallory, v1, v2 };
}

const badVersions: { what: string; reason: RecordRejection; outcome: StoreOutcome; make: (s: Scene) => DhtRecord }[] = [
  {
    what: 'a flipped bit in the value',
    reason: 'bad-signature',
    outcome: 'invalid',
    make: ({ v2 }) => {
      const value = v2.value.slice();
      value[3] = (value[3] as number) ^ 0x10;
      return { ...v2, value };
    },
  },
  {
    what: 'a wrong signer (M signs a record about the owner, as itself)',
    reason: 'unauthorized',
    outcome: 'invalid',
    make: ({ owner, mallory }) => signRecord({ type: 'player-data', subject: owner.peer.publicKey, seq: 9n, expiresAtMs: inAnHour(), value: text('hijacked') }, mallory.peer.signer),
  },
  {
    what: 'an older sequence number (version 1, validly signed by the owner)',
    reason: 'stale',
    outcome: 'stale',
    make: ({ v1 }) => v1,
  },
  {
    what: 'an expired record (validly signed by the owner, even with a higher sequence number)',
    reason: 'expired',
    outcome: 'invalid',
    make: ({ owner }) => signRecord({ type: 'player-data', subject: owner.peer.publicKey, seq: 3n, expiresAtMs: BigInt(Date.now() - 1), value: text('gone') }, owner.peer.signer),
  },
];

describe('bad records are refused by storing nodes and by readers', () => {
  for (const bad of badVersions) {
    it(`${bad.what}: ${bad.reason}`, async () => {
      const s = await scene(bad.reason);
      const record = bad.make(s);
      const storingNode = s.honest[0] as Member;

      // A storing node.
      expect(await s.mallory.store(storingNode.peer.transport.local, record)).toBe(bad.outcome);
      expect(storingNode.dht.stats().rejectedOnStore[bad.reason]).toBe(1);
      expect(storingNode.dht.held(s.v2.key)?.seq).toBe(2n);
      expect(new TextDecoder().decode(storingNode.dht.held(s.v2.key)?.value)).toBe('version 2');

      // A reader that holds nothing for the key, in a real lookup where M answers with the bad version.
      const fresh = await s.net.spawn();
      await fresh.dht.bootstrap([storingNode.dht.contact]);
      // The honest holders may already have handed it the good version (join-time transfer); what
      // is tested is the lookup: M's bad answer must be refused, whatever the reader holds.
      s.mallory.serve = () => record;
      // A quorum above the number of holders makes the reader ask every node, M included.
      const got = await fresh.dht.get('player-data', s.owner.peer.publicKey, { quorum: 16 });
      expect(s.mallory.valueRequests).toBeGreaterThanOrEqual(1);
      expect(got.record?.seq).toBe(2n);
      expect(new TextDecoder().decode(got.record?.value)).toBe('version 2');
      expect(fresh.dht.stats().rejectedOnRead[bad.reason]).toBe(1);
      expect(fresh.dht.stats().counters.recordsRejected).toBe(1);
      expect(s.net.handlerErrors).toEqual([]);
    });
  }

  it('when only a bad version is available, a reader returns nothing rather than the bad version', async () => {
    const s = await scene('only-bad');
    const reader = await s.net.spawn();
    await reader.dht.bootstrap([s.owner.dht.contact]);
    const tampered = { ...s.v2, key: s.v2.key, value: text('version 2 but edited') };
    // A house the owner never published: M alone answers, with the owner's player data relabelled.
    s.mallory.serve = () => ({ ...tampered, type: 'house' as const });
    const got = await reader.dht.get('house', s.owner.peer.publicKey);
    expect(got.ok).toBe(false);
    expect(got.record).toBeNull();
    expect(reader.dht.stats().rejectedOnRead['wrong-key']).toBe(1);
  });

  it('a stale answer gets the newer version pushed back to it (read repair)', async () => {
    const s = await scene('repair');
    s.mallory.serve = () => s.v1;
    const reader = await s.net.spawn();
    await reader.dht.bootstrap([s.owner.dht.contact]);
    const got = await reader.dht.get('player-data', s.owner.peer.publicKey, { quorum: 16 });
    expect(got.record?.seq).toBe(2n);
    await waitUntil(() => s.mallory.storedAtMe.some((r) => r.seq === 2n), 'version 2 pushed to M');
    expect(reader.dht.stats().counters.readRepairs).toBeGreaterThanOrEqual(1);
  });

  it('equal sequence numbers with different content: the first version stays, the other is a conflict', async () => {
    const s = await scene('conflict');
    const twin = signRecord({ type: 'player-data', subject: s.owner.peer.publicKey, seq: 2n, expiresAtMs: inAnHour(), value: text('version 2, other text') }, s.owner.peer.signer);
    const node = s.honest[2] as Member;
    expect(await s.mallory.store(node.peer.transport.local, twin)).toBe('conflict');
    expect(node.dht.stats().rejectedOnStore.conflict).toBe(1);
    expect(new TextDecoder().decode(node.dht.held(s.v2.key)?.value)).toBe('version 2');
  });
});
