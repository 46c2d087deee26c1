import { afterEach, describe, expect, it } from 'vitest';
import { tamperedCharacter } from '../../src/attacks/index.js';
import { createFounder, createJoiner, type GroupConfig, type GroupMember, type GroupMemberDeps } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { installCharacterServices, type CharacterServices } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { characterPolicy, checkClaim, encodeCharacterClaim, encodeEvidence, encodeSheet, publishCharacter, sealCharacter, type SealedCharacter } from '../../src/storage/index.js';
import { systemClock } from '../../src/time/clock.js';
import { startNetwork, type Member } from '../dht/network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const HOUR = 3_600_000;

/**
 * The door at a group's admission on real sockets (docs/storage.md, "The door at admission"): 16
 * real peers with a real DHT, each running the character services a player runs
 * (installCharacterServices: keyring, witness service, door); four of them found a group whose
 * members check a joiner's character, after its identity, before sponsoring it. An honest joiner
 * brings its witnessed version 1 and is admitted; one that edited its witnessed version at home
 * (`edited`), one that shows a version after it nobody witnessed (`unwitnessed`) and one without a
 * character (`no-character`) are refused by every member they ask, and never enter a view.
 */
describe('the character door at group admission', () => {
  it('admits the honest joiner and refuses edited, unwitnessed and missing characters, by reason', async () => {
    const net = await startNetwork(16, { seed: 'character-door', policies: { 'player-data': characterPolicy() }, config: { k: 8, requestTimeoutMs: 500 } });
    cleanup.push(() => net.close());
    const root = createRng('character-door');
    const wallClock = { nowMs: () => Date.now() };
    const services = net.members.map((m) => {
      const nonces = root.fork(`nonces:${m.index}`);
      return installCharacterServices(m.peer, m.dht, {}, { scheduler: net.scheduler, clock: systemClock, wallClock, randomBytes: (n) => nonces.bytes(n) });
    });
    const keys = (label: string) => {
      const rng = root.fork(label);
      return (n: number) => rng.bytes(n);
    };
    /** Version 1 of member i's character (a sword and a potion, from nothing), witnessed and published. */
    const witnessedFirst = async (i: number): Promise<SealedCharacter> => {
      const m = net.members[i] as Member;
      const v1 = sealCharacter(m.peer.signer, 1, { equipped: encodeSheet({ gold: 0, items: ['sword'] }), inventory: encodeSheet({ gold: 10, items: ['potion'] }) }, keys(`v1:${i}`), Date.now() + HOUR);
      const result = await (services[i] as CharacterServices).witness.witness(v1, null, encodeEvidence({ gained: ['sword', 'potion'], lost: [] }));
      expect(result.ok).toBe(true);
      await publishCharacter(m.dht, v1, result.attestation as NonNullable<typeof result.attestation>);
      return v1;
    };
    // 4 honest, 5 edits its version 1 at home, 6 shows a version 2 nobody witnessed, 7 keeps no character.
    const [honest, edited, ahead] = await Promise.all([witnessedFirst(4), witnessedFirst(5), witnessedFirst(6)]);
    const forgery = (i: number) => ({ randomBytes: keys(`forged:${i}`), expiresAtMs: Date.now() + HOUR });
    const claims = new Map<number, Uint8Array | null>([
      [4, encodeCharacterClaim(honest.manifest)],
      [5, encodeCharacterClaim(tamperedCharacter(net.members[5]!.peer.signer, edited, 'same-version', forgery(5)).manifest)],
      [6, encodeCharacterClaim(tamperedCharacter(net.members[6]!.peer.signer, ahead, 'next-version', forgery(6)).manifest)],
      [7, null],
    ]);

    const refused: { by: number; joiner: string; reason: string }[] = [];
    const config: GroupConfig = { seats: 8, gameSeed: 'character-door', neo: { roundMs: 50, lastRound: 120, stateHashEvery: 5, maxWaitRounds: 3 } };
    const deps = (i: number): GroupMemberDeps => {
      const m = net.members[i] as Member;
      return {
        peer: m.peer,
        neo: installNeo(m.peer.transport),
        clock: systemClock,
        scheduler: net.scheduler,
        botRng: root.fork(`bot:${i}`),
        characterDoor: { check: (key, claim) => checkClaim((services[i] as CharacterServices).door, key, claim) },
        onCharacterRefused: (key, reason) => refused.push({ by: i, joiner: hex(key), reason }),
        character: () => claims.get(i) ?? null,
      };
    };
    const sessionId = root.fork('session').bytes(16);
    const founders = [0, 1, 2, 3];
    const view = { sessionId, number: 1, startRound: 0, members: founders.map((i) => ({ publicKey: net.members[i]!.peer.publicKey, endpoint: net.members[i]!.peer.transport.local, seat: i })) };
    const members: GroupMember[] = founders.map((i) => createFounder(view, config, deps(i)));
    const startMs = systemClock.nowMs() + 150;
    for (const m of members) m.begin(startMs);
    const contacts = () => founders.map((i) => net.members[i]!.peer.transport.local);
    const joiners = [4, 5, 6, 7].map((i) => createJoiner(sessionId, contacts, config, deps(i)));

    await Promise.all(members.map((m) => m.done));
    for (const j of joiners.slice(1)) j.crash();
    await joiners[0]!.done;

    // The honest joiner played to the end with the founders, in one agreed state.
    const played = [...members, joiners[0]!];
    for (const m of played) expect(m.state).toBe('finished');
    expect(new Set(played.map((m) => hex(m.game!.stateHash()))).size).toBe(1);
    const finalView = members[0]!.view!.members.map((s) => hex(s.publicKey));
    expect(finalView).toContain(hex(net.members[4]!.peer.publicKey));
    // The others never entered a view, and every refusal names the reason the door gave for that joiner.
    const reasonOf = { 5: 'edited', 6: 'unwitnessed', 7: 'no-character' } as const;
    for (const [i, reason] of Object.entries(reasonOf)) {
      const key = hex(net.members[Number(i)]!.peer.publicKey);
      expect(finalView).not.toContain(key);
      const mine = refused.filter((r) => r.joiner === key);
      expect(mine.length, `refusals of joiner ${i}`).toBeGreaterThan(0);
      expect(new Set(mine.map((r) => r.reason))).toEqual(new Set([reason]));
    }
    expect(refused.filter((r) => r.joiner === hex(net.members[4]!.peer.publicKey))).toEqual([]);
    const counted = members.reduce((n, m) => n + m.counters().joinsRefusedCharacter, 0);
    expect(counted).toBe(refused.length);
    expect(members.reduce((n, m) => n + m.counters().admitted, 0)).toBeGreaterThan(0);
    // The doors' own counters agree: every check of the honest character accepted.
    const doors = founders.map((i) => (services[i] as CharacterServices).door.counters());
    // A member checks one joiner's character once per 5 s and answers the repeated requests with that
    // verdict (the run lasts 6 s): fewer checks than refusals, each repeat refused all the same.
    const editedChecks = doors.reduce((n, d) => n + d.refused.edited, 0);
    expect(editedChecks).toBeGreaterThan(0);
    expect(editedChecks).toBeLessThanOrEqual(founders.length * 2);
    expect(refused.filter((r) => r.reason === 'edited').length).toBeGreaterThan(editedChecks);
    expect(doors.reduce((n, d) => n + d.accepted, 0)).toBeGreaterThan(0);
    expect(net.handlerErrors).toEqual([]);
  }, 60_000);
});
