import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/index.js';
import { characterPolicy, characterSubject, installCharacterKeyring, openSection, readManifest, sealCharacter, type CharacterKeyring, type CharacterSection } from '../../src/storage/index.js';
import { signRecord, type DhtRecord } from '../../src/dht/index.js';
import { waitUntil } from '../support/peers.js';
import { startNetwork, type Member } from '../dht/network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const HOUR = 3_600_000;
const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const contains = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).includes(Buffer.from(needle));

/**
 * The seed's Alice and Eve (docs/storage.md, "Sections"), on real sockets and a real DHT: Alice's
 * character is in the DHT in two sealed sections under an owner-signed manifest. When they engage,
 * Alice releases what she fights with; her inventory stays closed to Eve until she equips an item
 * from it, and then Eve can read it and check it against the manifest.
 */
describe('character sections between Alice and Eve', () => {
  it('Eve reads only the sections Alice released, each checked against her signed manifest', async () => {
    const net = await startNetwork(10, { seed: 'alice-eve', policies: { 'player-data': characterPolicy() }, config: { k: 4, requestTimeoutMs: 500 } });
    cleanup.push(() => net.close());
    const [alice, eve, mallory] = net.members as [Member, Member, Member];
    const nonces = createRng('nonces');
    const keyrings = new Map<Member, CharacterKeyring>([alice, eve, mallory].map((m) => [m, installCharacterKeyring({ transport: m.peer.transport, pairwise: m.peer.pairwise, randomBytes: (n) => nonces.bytes(n) })]));
    const to = (m: Member) => ({ endpoint: m.peer.transport.local, publicKey: m.peer.publicKey });
    const ring = (m: Member) => keyrings.get(m) as CharacterKeyring;

    const equipped = text('sword +3; leather armour; fireball II');
    const inventory = text('healing potion x2; axe of frost; 140 gold');
    const rng = createRng('alice-keys');
    const character = sealCharacter(alice.peer.signer, 1, { equipped, inventory }, (n) => rng.bytes(n), Date.now() + HOUR);
    for (const record of [character.manifest, character.sections.equipped, character.sections.inventory]) {
      expect((await alice.dht.put(record)).acked).toBeGreaterThanOrEqual(1);
    }

    // Eve fetches all of it from the DHT (every record checked: signed by Alice, well-formed).
    const fetch = async (part: 'manifest' | CharacterSection): Promise<DhtRecord> => {
      const got = await eve.dht.get('player-data', characterSubject(alice.peer.publicKey, part));
      expect(got.record).not.toBeNull();
      return got.record as DhtRecord;
    };
    const manifest = await fetch('manifest');
    const sections = { equipped: await fetch('equipped'), inventory: await fetch('inventory') };
    expect(readManifest(manifest)?.version).toBe(1);
    // Before any release: nothing readable, not even by guessing a key.
    expect(contains(sections.inventory.value, text('axe of frost'))).toBe(false);
    expect(ring(eve).keyFor(alice.peer.publicKey, 1, 'inventory')).toBeNull();
    expect(openSection(manifest, sections.inventory, 'inventory', createRng('guess').bytes(32))).toEqual({ ok: false, reason: 'undecryptable' });

    // They engage: Alice releases what she fights with, and only that.
    ring(alice).release(to(eve), 1, 'equipped', character.keys.equipped);
    await waitUntil(() => ring(eve).keyFor(alice.peer.publicKey, 1, 'equipped') !== null, 'the equipped key to reach Eve');
    const fighting = openSection(manifest, sections.equipped, 'equipped', ring(eve).keyFor(alice.peer.publicKey, 1, 'equipped') as Uint8Array);
    expect(fighting.ok && read(fighting.plaintext)).toBe('sword +3; leather armour; fireball II');
    expect(ring(eve).keyFor(alice.peer.publicKey, 1, 'inventory')).toBeNull();
    // The equipped key does not open the inventory either.
    expect(openSection(manifest, sections.inventory, 'inventory', character.keys.equipped)).toEqual({ ok: false, reason: 'undecryptable' });

    // Mallory "releases" a key for Alice's inventory: it is filed under Mallory's own key, never Alice's.
    ring(mallory).release(to(eve), 1, 'inventory', createRng('mallory').bytes(32));
    await waitUntil(() => ring(eve).counters().received >= 2, "Mallory's key to reach Eve");
    expect(ring(eve).keyFor(alice.peer.publicKey, 1, 'inventory')).toBeNull();
    expect(ring(eve).keyFor(mallory.peer.publicKey, 1, 'inventory')).not.toBeNull();

    // Alice equips the axe from her inventory: the inventory key goes to Eve, who can now check it.
    ring(alice).release(to(eve), 1, 'inventory', character.keys.inventory);
    await waitUntil(() => ring(eve).keyFor(alice.peer.publicKey, 1, 'inventory') !== null, 'the inventory key to reach Eve');
    const key = ring(eve).keyFor(alice.peer.publicKey, 1, 'inventory') as Uint8Array;
    const carried = openSection(manifest, sections.inventory, 'inventory', key);
    expect(carried.ok && read(carried.plaintext)).toContain('axe of frost');

    // A cheating Alice shows Eve another inventory under the same key, signed by her: the manifest does not commit to it.
    const cheat = createRng('cheat');
    const other = sealCharacter(alice.peer.signer, 1, { equipped, inventory: text('axe of frost; 9,999 gold') }, (n) => (n === key.length ? key : cheat.bytes(n)), Date.now() + HOUR);
    expect(openSection(other.manifest, other.sections.inventory, 'inventory', key).ok).toBe(true);
    expect(openSection(manifest, other.sections.inventory, 'inventory', key)).toEqual({ ok: false, reason: 'not-in-manifest' });
    // Nor can the equipped section pass for the inventory.
    expect(openSection(manifest, sections.equipped, 'inventory', key)).toEqual({ ok: false, reason: 'malformed' });
    // And the DHT refuses a section record filed under the wrong slot, signed by Alice or not.
    const misfiled = signRecord({ ...sections.equipped, subject: characterSubject(alice.peer.publicKey, 'inventory'), expiresAtMs: sections.equipped.expiresAtMs, seq: 2n }, alice.peer.signer);
    await expect(alice.dht.put(misfiled)).rejects.toThrow(/invalid-value/);
    expect(ring(alice).counters().released).toBe(2);

    // The key went sealed to Eve: Mallory, given the very datagram body, cannot open it (its channel
    // with Alice derives another key), and a copy Eve relays as her own release opens nowhere as Alice's.
    const sealedFor = (recipient: Member) => {
      const nonce = createRng('on-the-wire').bytes(12);
      const aad = new Uint8Array(37);
      aad.set(alice.peer.publicKey);
      new DataView(aad.buffer).setUint32(32, 1);
      aad[36] = 1;
      return { nonce, aad, sealed: (alice.peer.pairwise.channel(recipient.peer.publicKey) as NonNullable<ReturnType<typeof alice.peer.pairwise.channel>>).seal(nonce, character.keys.inventory, aad) };
    };
    const wire = sealedFor(eve);
    expect(eve.peer.pairwise.channel(alice.peer.publicKey)?.open(wire.nonce, wire.sealed, wire.aad)).toEqual(character.keys.inventory);
    expect(mallory.peer.pairwise.channel(alice.peer.publicKey)?.open(wire.nonce, wire.sealed, wire.aad)).toBeNull();
    expect(contains(wire.sealed, character.keys.inventory)).toBe(false);
  }, 60_000);
});
