import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes, nodeIdFromPublicKey } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { colludeWith } from '../../src/attacks/index.js';
import {
  CharacterWitness,
  CharacterWitnessRequest,
  CharacterWitnessSection,
  attestationRecord,
  characterPolicy,
  closestTo,
  createCharacterDoor,
  encodeEvidence,
  encodeSheet,
  installCharacterKeyring,
  installCharacterWitness,
  itemLedgerRule,
  manifestDigest,
  publishCharacter,
  readAttestation,
  sealCharacter,
  statementSigningBytes,
  witnessKey,
  DEFAULT_WITNESS_CONFIG,
  type CharacterDoor,
  type CharacterWitnessService,
  type SealedCharacter,
  type WitnessResult,
} from '../../src/storage/index.js';
import { systemClock } from '../../src/time/clock.js';
import { crash, startNetwork, type Member, type TestNetwork } from '../dht/network.js';
import { waitUntil } from '../support/peers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const HOUR = 3_600_000;
const { witnesses: W, threshold: T, slack: S } = DEFAULT_WITNESS_CONFIG;
const honest = itemLedgerRule({ maxGoldGain: 100 });

interface Player {
  readonly member: Member;
  /** The witness service, endorsing each change of version 2 or later by the owner's group first (as the harness's owners do). */
  readonly witness: CharacterWitnessService;
  /** The service itself: witnessing without the group's endorsements. */
  readonly service: CharacterWitnessService;
  readonly door: CharacterDoor;
  /** Owners this player signs anything for (a colluding witness); empty for an honest one. */
  friends: Uint8Array[];
}

/**
 * 16 real peers on real sockets with a real DHT, each running the witness service with the honest
 * rule (items change only as the evidence lists, gold rises by at most 100 a version) unless the
 * test makes it a colluder for some owners.
 */
async function startPlayers(seed: string): Promise<{ net: TestNetwork; players: Player[] }> {
  const net = await startNetwork(16, { seed, policies: { 'player-data': characterPolicy() }, config: { k: 8, requestTimeoutMs: 500 } });
  cleanup.push(() => net.close());
  const nonces = createRng(`${seed}/nonces`);
  const verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => net.ed25519.verify(signature, message, publicKey);
  const players: Player[] = [];
  // Each owner plays in the group of itself and the next three players (by index), session SESSION.
  const groupOf = (owner: Uint8Array) => {
    const at = players.findIndex((p) => equalBytes(ownerKey(p), owner));
    return at < 0 ? [] : [0, 1, 2, 3].map((d) => players[(at + d) % players.length] as Player);
  };
  for (const member of net.members) {
    const keyring = installCharacterKeyring({ transport: member.peer.transport, pairwise: member.peer.pairwise, randomBytes: (n) => nonces.bytes(n) });
    const player = { member, friends: [], door: createCharacterDoor({}, { dht: member.dht, verify }) } as unknown as Player;
    const rule = colludeWithFriendsOf(player);
    const playsWith = (owner: Uint8Array, session: Uint8Array) => equalBytes(session, SESSION) && groupOf(owner).includes(player);
    const service = installCharacterWitness({}, { transport: member.peer.transport, dht: member.dht, signer: member.peer.signer, verify, keyring, rule, scheduler: net.scheduler, clock: systemClock, playsWith });
    const witness: CharacterWitnessService = {
      ...service,
      async witness(next, previous, proof, options = {}) {
        if (next.version === 1 || options.renewal !== undefined || options.endorsement) return service.witness(next, previous, proof, options);
        const group = { session: SESSION, members: groupOf(ownerKey(player)).map((p) => ({ publicKey: ownerKey(p), endpoint: p.member.peer.transport.local })) };
        const { endorsement } = await service.endorse(next, manifestDigest((previous as SealedCharacter).manifest), group);
        return service.witness(next, previous, proof, endorsement ? { endorsement } : {});
      },
    };
    Object.assign(player, { service, witness });
    players.push(player);
  }
  return { net, players };
}

const SESSION = new Uint8Array(16).fill(7);

const colludeWithFriendsOf = (player: Player) => (change: Parameters<typeof honest>[0]) => colludeWith(player.friends, honest)(change);

const keysFrom = (label: string) => {
  const rng = createRng(label);
  return (n: number) => rng.bytes(n);
};

function seal(owner: Player, version: number, equipped: string[], inventory: string[], gold: number, label = 'honest'): SealedCharacter {
  return sealCharacter(owner.member.peer.signer, version, { equipped: encodeSheet({ gold: 0, items: equipped }), inventory: encodeSheet({ gold, items: inventory }) }, keysFrom(`${label}/${owner.member.index}/${version}`), Date.now() + HOUR);
}

const evidence = (gained: string[], lost: string[] = []) => encodeEvidence({ gained, lost });
const ownerKey = (p: Player) => p.member.peer.publicKey;

/** The players a door would take signatures from for `owner`: the w + s closest to its witness key, closest first. */
function closestPlayers(players: Player[], owner: Player): Player[] {
  const others = players.filter((p) => p !== owner);
  const ids = closestTo(witnessKey(ownerKey(owner)), others.map((p) => p.member.peer.nodeId), W + S);
  return ids.map((id) => others.find((p) => p.member.peer.nodeId.every((b, i) => b === id[i])) as Player);
}

async function witnessAndPublish(owner: Player, next: SealedCharacter, previous: SealedCharacter | null, proof: Uint8Array): Promise<WitnessResult> {
  const result = await owner.witness.witness(next, previous, proof);
  expect(result.ok).toBe(true);
  expect((await publishCharacter(owner.member.dht, next, result.attestation as NonNullable<typeof result.attestation>)).acked).toBeGreaterThanOrEqual(3);
  return result;
}

async function putAll(owner: Player, character: SealedCharacter): Promise<void> {
  for (const record of [character.sections.equipped, character.sections.inventory, character.manifest]) await owner.member.dht.put(record);
}

describe('witnessed characters on real sockets', () => {
  it('a legitimate version 1 and version 2 are witnessed by the nodes closest to the witness key, and the door accepts each', async () => {
    const { net, players } = await startPlayers('witness-legit');
    const [alice, , , door] = players as [Player, Player, Player, Player];
    const v1 = seal(alice, 1, ['sword'], ['potion'], 50);
    const first = await witnessAndPublish(alice, v1, null, evidence(['sword', 'potion']));
    // Every one of the w closest signed, and they are exactly the w closest nodes of the whole network.
    expect(first.signatures).toHaveLength(W);
    const expected = closestPlayers(players, alice).slice(0, W).map((p) => p.member.peer.nodeId);
    expect(first.signatures.map((s) => nodeIdFromPublicKey(s.witness))).toEqual(expected);
    expect(await door.door.check(ownerKey(alice))).toMatchObject({ ok: true, version: 1, tally: { valid: W, outsiders: 0, invalid: 0 } });

    const v2 = seal(alice, 2, ['axe of frost'], ['potion', 'sword'], 120);
    const witnesses = closestPlayers(players, alice).slice(0, W);
    const lookups = () => witnesses.map((p) => p.member.dht.stats().counters.lookups);
    const before = lookups();
    const second = await witnessAndPublish(alice, v2, v1, evidence(['axe of frost']));
    expect(readAttestation(second.attestation as NonNullable<typeof second.attestation>)?.previousDigest).toEqual(manifestDigest(v1.manifest));
    // The owner sent version 1's manifest and sections along: each witness looked up only the
    // newest attestation and the witness key for its door, instead of reading version 1 as well.
    expect(lookups().map((n, i) => n - (before[i] as number))).toEqual(witnesses.map(() => 2));
    expect(await door.door.check(ownerKey(alice))).toMatchObject({ ok: true, version: 2 });
    // Version 1, shown at the door now, is a rollback.
    expect(await door.door.check(ownerKey(alice), { manifest: v1.manifest })).toMatchObject({ ok: false, reason: 'stale', version: 1 });
    expect(door.door.counters()).toMatchObject({ checked: 3, accepted: 2, refused: { stale: 1 } });
    expect(alice.witness.counters().owned).toMatchObject({ asked: 2 * W, silent: 0, received: { signed: 2 * W } });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('witnesses that crashed after signing still count (only nodes that joined closer push a signer out), so the next version is witnessed too', async () => {
    const { net, players } = await startPlayers('witness-crashed');
    const [alice, , , door] = players as [Player, Player, Player, Player];
    const v1 = seal(alice, 1, ['sword'], ['potion'], 50);
    const first = await witnessAndPublish(alice, v1, null, evidence(['sword', 'potion']));
    expect(first.signatures).toHaveLength(W);
    // Three of the seven signers crash: four live signers are fewer than t, and the door no longer
    // finds the three; still they are among the w + s closest of what it found and who signed.
    const signers = closestPlayers(players, alice).slice(0, W).filter((p) => p !== door);
    const live = [...net.members];
    for (const gone of signers.slice(0, W - T + 1)) await crash(gone.member, live);
    expect(await door.door.check(ownerKey(alice))).toMatchObject({ ok: true, version: 1, tally: { valid: W, outsiders: 0, invalid: 0 } });
    // Each remaining witness checks version 1 at its own door before it signs version 2.
    const v2 = seal(alice, 2, ['axe of frost'], ['potion', 'sword'], 120);
    const second = await witnessAndPublish(alice, v2, v1, evidence(['axe of frost']));
    expect(second.signatures.length).toBeGreaterThanOrEqual(T);
    expect(await door.door.check(ownerKey(alice))).toMatchObject({ ok: true, version: 2 });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('a version is witnessed again (a renewal replaces its attestation): version 1 from nothing, a later one while it passes; no other version, and no older one', async () => {
    const { net, players } = await startPlayers('witness-renewal');
    const [erin, , , door] = players as [Player, Player, Player, Player];
    const v1 = seal(erin, 1, ['sword'], ['potion'], 50);
    await witnessAndPublish(erin, v1, null, evidence(['sword', 'potion']));
    const renewed = await erin.witness.witness(v1, null, evidence(['sword', 'potion']), { renewal: 1 });
    expect(renewed).toMatchObject({ ok: true });
    expect(renewed.attestation?.seq).toBe((1n << 16n) + 1n);
    expect((await publishCharacter(erin.member.dht, v1, renewed.attestation as NonNullable<typeof renewed.attestation>)).acked).toBeGreaterThanOrEqual(3);
    const newest = await door.member.dht.get('player-data', renewed.attestation!.subject, { quorum: 3 });
    expect(newest.record?.seq).toBe((1n << 16n) + 1n);
    expect(await door.door.check(ownerKey(erin))).toMatchObject({ ok: true, version: 1 });
    // Another version 1 is not a renewal: the DHT holds a different one.
    const other = seal(erin, 1, ['sword'], ['potion'], 50, 'other');
    const refused = await erin.witness.witness(other, null, evidence(['sword', 'potion']), { renewal: 2 });
    expect(refused.ok).toBe(false);
    expect((refused.refusals['not-next-version'] ?? 0) + (refused.refusals.conflict ?? 0)).toBe(W);
    // Version 2, while its attestation passes the witnesses' doors, is witnessed again on version 1
    // (the change is not judged again); another version 2 is not a renewal.
    const v2 = seal(erin, 2, ['sword'], ['potion', 'shield'], 60);
    await witnessAndPublish(erin, v2, v1, evidence(['shield']));
    const again = await erin.witness.witness(v2, v1, evidence(['shield']), { renewal: 1 });
    expect(again).toMatchObject({ ok: true });
    expect(again.attestation?.seq).toBe((2n << 16n) + 1n);
    expect(readAttestation(again.attestation as NonNullable<typeof again.attestation>)?.previousDigest).toEqual(manifestDigest(v1.manifest));
    await publishCharacter(erin.member.dht, v2, again.attestation as NonNullable<typeof again.attestation>);
    expect(await door.door.check(ownerKey(erin))).toMatchObject({ ok: true, version: 2 });
    const otherV2 = seal(erin, 2, ['sword', 'crown'], ['potion', 'shield'], 60, 'other');
    expect(await erin.witness.witness(otherV2, v1, evidence(['shield', 'crown']), { renewal: 2 })).toMatchObject({ ok: false });
    // Once version 2 is out, version 1 is history: another version 1 is refused, and whatever the
    // owner gathers for the old one (witnesses repeat a signature they gave) is a rollback at the door.
    const late = seal(erin, 1, ['sword'], ['potion'], 50, 'late');
    expect(await erin.witness.witness(late, null, evidence(['sword', 'potion']), { renewal: 3 })).toMatchObject({ ok: false });
    expect(await door.door.check(ownerKey(erin), { manifest: v1.manifest })).toMatchObject({ ok: false, reason: 'stale' });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('an edited character is refused at the door, whichever way the owner tries it', async () => {
    const { net, players } = await startPlayers('witness-edited');
    const [bob, carol, , door] = players as [Player, Player, Player, Player];
    const v1 = seal(bob, 1, ['sword'], ['potion'], 50);
    await witnessAndPublish(bob, v1, null, evidence(['sword', 'potion']));
    const v2 = seal(bob, 2, ['sword'], ['potion', 'shield'], 60);
    const witnessed = await witnessAndPublish(bob, v2, v1, evidence(['shield']));

    // Bob edits version 2 at home (a better sword), re-seals and re-signs it, and brings it to the door.
    const edited = seal(bob, 2, ['sword +5'], ['potion', 'shield'], 60, 'edited');
    expect(await door.door.check(ownerKey(bob), { manifest: edited.manifest })).toMatchObject({ ok: false, reason: 'edited', version: 2 });
    // His witnesses will not sign another version 2 either: they signed one already.
    const again = await bob.witness.witness(edited, v1, evidence([]));
    expect(again).toMatchObject({ ok: false, refusals: { conflict: W } });

    // He publishes the edit as version 3, unwitnessed: the DHT's attestation is still version 2's.
    const v3 = seal(bob, 3, ['sword +5'], ['potion', 'shield'], 60, 'edited');
    await putAll(bob, v3);
    expect(await door.door.check(ownerKey(bob))).toMatchObject({ ok: false, reason: 'unwitnessed', version: 3 });

    // He copies version 2's signatures into an attestation of version 3: none of them verifies.
    const copied = readAttestation(witnessed.attestation as NonNullable<typeof witnessed.attestation>) as NonNullable<ReturnType<typeof readAttestation>>;
    await bob.member.dht.put(attestationRecord(bob.member.peer.signer, { ...copied, version: 3, manifestDigest: manifestDigest(v3.manifest) }, Date.now() + HOUR));
    expect(await door.door.check(ownerKey(bob))).toMatchObject({ ok: false, reason: 'too-few-witnesses', tally: { valid: 0, invalid: W } });

    // Nor can he build on the edit: witnesses check the previous version at their own door first.
    const v4 = seal(bob, 4, ['sword +5'], ['potion', 'shield'], 60, 'edited');
    expect(await bob.witness.witness(v4, v3, evidence([]))).toMatchObject({ ok: false, refusals: { 'previous-unwitnessed': W } });

    // Carol asks her witnesses to sign an edit the rule forbids: they refuse, and the door with them.
    const c1 = seal(carol, 1, ['dagger'], [], 10);
    await witnessAndPublish(carol, c1, null, evidence(['dagger']));
    const forged = seal(carol, 2, ['dagger', 'crown'], [], 10_000);
    const refused = await carol.witness.witness(forged, c1, evidence([]));
    expect(refused).toMatchObject({ ok: false, attestation: null, signatures: [], refusals: { rule: W } });
    expect(new Set(refused.ruleReasons)).toEqual(new Set(['gold-gain-too-high']));
    await putAll(carol, forged);
    expect(await door.door.check(ownerKey(carol))).toMatchObject({ ok: false, reason: 'unwitnessed', version: 2 });

    expect(door.door.counters()).toMatchObject({ checked: 4, accepted: 0, refused: { edited: 1, unwitnessed: 2, 'too-few-witnesses': 1 } });
    expect(carol.witness.counters().owned.received.rule).toBe(W);
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it("signatures from keys outside the w + s closest (the owner's friends) are not counted", async () => {
    const { net, players } = await startPlayers('witness-friends');
    const [dave, , , door] = players as [Player, Player, Player, Player];
    const v1 = seal(dave, 1, ['sword'], [], 0);
    await witnessAndPublish(dave, v1, null, evidence(['sword']));
    const forged = seal(dave, 2, ['excalibur'], [], 99_999);
    const closest = closestPlayers(players, dave);
    const friends = players.filter((p) => p !== dave && !closest.includes(p)).slice(0, T + 1);
    expect(friends).toHaveLength(T + 1);
    const statement = statementSigningBytes({ owner: ownerKey(dave), version: 2, manifestDigest: manifestDigest(forged.manifest), previousDigest: manifestDigest(v1.manifest), witnessKey: witnessKey(ownerKey(dave)) });
    const signatures = friends.map((f) => ({ witness: ownerKey(f), signature: f.member.peer.signer.sign(statement) }));
    await putAll(dave, forged);
    await dave.member.dht.put(attestationRecord(dave.member.peer.signer, { version: 2, manifestDigest: manifestDigest(forged.manifest), previousDigest: manifestDigest(v1.manifest), signatures }, Date.now() + HOUR));
    expect(await door.door.check(ownerKey(dave))).toMatchObject({ ok: false, reason: 'too-few-witnesses', tally: { valid: 0, outsiders: T + 1, invalid: 0 } });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('colluding witnesses: t colluders among the closest get a forged version through, t - 1 do not', async () => {
    const { net, players } = await startPlayers('witness-collusion');
    const [erin, frank, , door] = players as [Player, Player, Player, Player];
    // Erin's T closest nodes sign anything for her; Frank's T - 1 closest for him.
    for (const p of closestPlayers(players, erin).slice(0, T)) p.friends.push(ownerKey(erin));
    for (const p of closestPlayers(players, frank).slice(0, T - 1)) p.friends.push(ownerKey(frank));
    const forge = async (owner: Player) => {
      const v1 = seal(owner, 1, ['sword'], [], 0);
      await witnessAndPublish(owner, v1, null, evidence(['sword']));
      const forged = seal(owner, 2, ['sword +5', 'crown'], [], 99_999);
      const result = await owner.witness.witness(forged, v1, evidence([]));
      return { v1, forged, result };
    };

    const e = await forge(erin);
    expect(e.result).toMatchObject({ ok: true, refusals: { rule: W - T } });
    expect(e.result.signatures).toHaveLength(T);
    await publishCharacter(erin.member.dht, e.forged, e.result.attestation as NonNullable<typeof e.result.attestation>);
    expect(await door.door.check(ownerKey(erin))).toMatchObject({ ok: true, version: 2, tally: { valid: T } });

    const f = await forge(frank);
    expect(f.result).toMatchObject({ ok: false, attestation: null, refusals: { rule: W - T + 1 } });
    expect(f.result.signatures).toHaveLength(T - 1);
    await putAll(frank, f.forged);
    await frank.member.dht.put(attestationRecord(frank.member.peer.signer, { version: 2, manifestDigest: manifestDigest(f.forged.manifest), previousDigest: manifestDigest(f.v1.manifest), signatures: [...f.result.signatures] }, Date.now() + HOUR));
    expect(await door.door.check(ownerKey(frank))).toMatchObject({ ok: false, reason: 'too-few-witnesses', tally: { valid: T - 1 } });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('a door shown a version with its attestation (not yet in the DHT) counts the signatures it carries, and refuses a rollback the DHT shows', async () => {
    const { net, players } = await startPlayers('witness-presented');
    const [gina, , , door] = players as [Player, Player, Player, Player];
    const v1 = seal(gina, 1, ['sword'], [], 0);
    const first = await witnessAndPublish(gina, v1, null, evidence(['sword']));
    const attest = (character: SealedCharacter, signatures: WitnessResult['signatures'], signer = gina.member.peer.signer) =>
      attestationRecord(signer, { version: character.version, manifestDigest: manifestDigest(character.manifest), previousDigest: manifestDigest(v1.manifest), signatures: [...signatures] }, Date.now() + HOUR);
    // T - 1 colluders among her closest sign a forged version 2; she shows it with what she got, nothing published.
    for (const p of closestPlayers(players, gina).slice(0, T - 1)) p.friends.push(ownerKey(gina));
    const forged = seal(gina, 2, ['crown'], [], 50_000);
    const partial = await gina.witness.witness(forged, v1, evidence([]));
    expect(partial.signatures).toHaveLength(T - 1);
    expect(await door.door.check(ownerKey(gina), { manifest: forged.manifest, attestation: attest(forged, partial.signatures) })).toMatchObject({ ok: false, reason: 'too-few-witnesses', tally: { valid: T - 1 } });
    // An attestation not signed by the owner is no attestation.
    expect(await door.door.check(ownerKey(gina), { manifest: forged.manifest, attestation: attest(forged, partial.signatures, door.member.peer.signer) })).toMatchObject({ ok: false, reason: 'unwitnessed' });
    // Having signed a forged version 2, the colluders refuse any other (conflict): her honest version 2 gets the other W - T + 1 only.
    for (const p of players) p.friends = [];
    const v2 = seal(gina, 2, ['sword'], ['gem'], 20, 'legit');
    const honest = await gina.witness.witness(v2, v1, evidence(['gem']));
    expect(honest).toMatchObject({ ok: false, refusals: { conflict: T - 1 } });
    expect(await door.door.check(ownerKey(gina), { manifest: v2.manifest, attestation: attest(v2, honest.signatures) })).toMatchObject({ ok: false, reason: 'too-few-witnesses', tally: { valid: W - T + 1 } });
    // Version 1 shown with its own attestation passes, until the DHT holds a later attestation: then it is a rollback.
    const v1Shown = { manifest: v1.manifest, attestation: first.attestation as NonNullable<typeof first.attestation> };
    expect(await door.door.check(ownerKey(gina), v1Shown)).toMatchObject({ ok: true, version: 1 });
    await publishCharacter(gina.member.dht, v2, attest(v2, honest.signatures));
    expect(await door.door.check(ownerKey(gina), v1Shown)).toMatchObject({ ok: false, reason: 'stale', version: 1 });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('the group that saw a change endorses it first: without a majority of its other members the witnesses refuse it as unendorsed; a member of another group does not endorse; a renewal needs none', async () => {
    const { net, players } = await startPlayers('witness-endorse');
    const [hana, g1, g2, g3, outsider] = players as [Player, Player, Player, Player, Player];
    const v1 = seal(hana, 1, ['sword'], [], 0);
    await witnessAndPublish(hana, v1, null, evidence(['sword']));
    const v2 = seal(hana, 2, ['sword', 'lamp'], [], 40);
    const previousDigest = manifestDigest(v1.manifest);
    // Straight to the witnesses: every one of them refuses.
    const bare = await hana.service.witness(v2, v1, evidence(['lamp']));
    expect(bare).toMatchObject({ ok: false, refusals: { unendorsed: W } });
    // Hana names her group and an outsider as a member: the outsider does not play with her and refuses.
    const seatOf = (p: Player) => ({ publicKey: ownerKey(p), endpoint: p.member.peer.transport.local });
    const padded = await hana.service.endorse(v2, previousDigest, { session: SESSION, members: [hana, g1, g2, g3, outsider].map(seatOf) });
    expect(padded.endorsement?.endorsements.length).toBeGreaterThanOrEqual(3);
    expect(padded.endorsement?.endorsements.some((e) => equalBytes(e.member, ownerKey(outsider)))).toBe(false);
    // The same group in another session endorses nothing; a group of Hana alone cannot endorse anything.
    expect(await hana.service.endorse(v2, previousDigest, { session: new Uint8Array(16).fill(9), members: [hana, g1, g2, g3].map(seatOf) })).toMatchObject({ endorsement: null, refusals: { 'not-in-group': 3 } });
    expect(await hana.service.endorse(v2, previousDigest, { session: SESSION, members: [seatOf(hana)] })).toMatchObject({ endorsement: null, asked: 0 });
    // Endorsements Hana made herself, or counted twice, or over another change, are not a majority of a group of four.
    const own = (await hana.service.endorse(v2, previousDigest, { session: SESSION, members: [hana, g1, g2, g3].map(seatOf) })).endorsement as NonNullable<typeof padded.endorsement>;
    const one = own.endorsements[0] as (typeof own.endorsements)[number];
    const forged = { session: SESSION, groupSize: 4, endorsements: [one, one, { member: ownerKey(hana), signature: hana.member.peer.signer.sign(new Uint8Array(8)) }] };
    expect(await hana.service.witness(v2, v1, evidence(['lamp']), { endorsement: forged })).toMatchObject({ ok: false, refusals: { unendorsed: W } });
    // With her group's endorsements the change is witnessed; its renewal is signed without any.
    const endorsed = await hana.service.witness(v2, v1, evidence(['lamp']), { endorsement: own });
    expect(endorsed.ok).toBe(true);
    await publishCharacter(hana.member.dht, v2, endorsed.attestation as NonNullable<typeof endorsed.attestation>);
    expect(await hana.service.witness(v2, v1, evidence(['lamp']), { renewal: 1 })).toMatchObject({ ok: true });
    const served = [g1, g2, g3, outsider].map((p) => p.witness.counters().endorsements.served);
    expect(served.slice(0, 3).every((c) => c.endorsed >= 2)).toBe(true);
    expect(served[3]).toMatchObject({ endorsed: 0, 'not-in-group': 1 });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);

  it('remote garbage is counted and answered, never thrown', async () => {
    const { net, players } = await startPlayers('witness-garbage');
    const [alice, mallory, witness] = players as [Player, Player, Player];
    const v1 = seal(alice, 1, ['sword'], [], 0);
    const to = witness.member.peer.transport.local;
    const received = () => mallory.witness.counters();
    const send = mallory.member.peer.transport;
    // Alice's manifest, sent by Mallory as hers: it does not verify as Mallory's record.
    send.send(to, CharacterWitnessRequest, { version: 1, previousDigest: new Uint8Array(32), manifestExpiresAtMs: v1.manifest.expiresAtMs, manifestValue: v1.manifest.value, manifestSignature: v1.manifest.signature, evidence: new Uint8Array(0), endorsements: 0 });
    // A section for a request never made, and an answer to a witnessing never asked for.
    send.send(to, CharacterWitnessSection, { version: 1, record: v1.sections.equipped });
    send.send(alice.member.peer.transport.local, CharacterWitness, { version: 1, manifestDigest: new Uint8Array(32), outcome: 'signed', detail: '', signature: new Uint8Array(64) });
    await waitUntil(() => witness.witness.counters().garbage['unexpected-section'] === 1 && alice.witness.counters().garbage['unexpected-answer'] === 1 && received().garbage['unexpected-answer'] === 1, 'the garbage to be counted');
    expect(witness.witness.counters()).toMatchObject({ served: { requests: 0, answers: { malformed: 1, signed: 0 } }, garbage: { 'bad-request': 1, 'unexpected-section': 1 } });
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);
});
