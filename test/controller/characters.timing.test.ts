import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { createEd25519, nodeIdFromPublicKey, toHex } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { closestTo, witnessKey, DEFAULT_WITNESS_CONFIG } from '../../src/storage/index.js';

const SEED = 13;
const PEERS = 15;
/** The tampered-character attacker's player number: after the schedule's players (no impostors here). */
const TAMPERER = PEERS;
const ed = createEd25519('native');
const playerKey = (i: number) => ed.createSigner(createRng(SEED).fork('identity').fork(`player:${i}`).bytes(32)).publicKey;
const bootstrapKey = (i: number) => ed.createSigner(createRng(SEED).fork('identity-infrastructure').fork(`bootstrap:${i}`).bytes(32)).publicKey;

/**
 * Every certified DHT node of the run (its players, the tampered-character attacker, the controller's
 * three bootstrap nodes) by node ID, and the players among the w + s closest to `friend`'s witness key:
 * the run's identities come from its seed, so the test knows who will witness whom.
 */
function playersClosestTo(friend: number): { players: number[]; among: number } {
  const labels = new Map<string, number | null>();
  for (let i = 0; i <= TAMPERER; i++) labels.set(toHex(nodeIdFromPublicKey(playerKey(i))), i === TAMPERER ? null : i);
  for (let i = 0; i < 3; i++) labels.set(toHex(nodeIdFromPublicKey(bootstrapKey(i))), null);
  const own = toHex(nodeIdFromPublicKey(playerKey(friend)));
  const ids = [...labels.keys()].filter((h) => h !== own).map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  const { witnesses, slack } = DEFAULT_WITNESS_CONFIG;
  const closest = closestTo(witnessKey(playerKey(friend)), ids, witnesses + slack).map((id) => labels.get(toHex(id)) ?? null);
  const asked = closest.slice(0, witnesses).filter((p) => p !== null).length;
  return { players: closest.filter((p): p is number => p !== null), among: asked };
}

/**
 * Witnessed characters through the whole harness (docs/storage.md, "Witnessed characters in the
 * harness"): 15 players on two shards keep characters; a certified player edits its witnessed
 * character and asks a group to admit it; one friend's witness set is captured by colluders (every
 * player among the nodes closest to its witness key colludes), another's is not. The report says
 * which were refused at the door, which forged versions escaped, and the formula's chance beside.
 */
describe('controller with witnessed characters', () => {
  it('refuses the tampered character at the door, lets forgeries through only where colluders hold the witness set, and reports both', async () => {
    // A friend at least t of whose w witnesses are players (who can collude), and another friend whose colluders sit elsewhere.
    const captured = [...Array(PEERS).keys()].find((f) => playersClosestTo(f).among >= DEFAULT_WITNESS_CONFIG.threshold) as number;
    const colludersA = playersClosestTo(captured).players;
    const spared = [...Array(PEERS).keys()].find((f) => f !== captured && !colludersA.includes(f) && playersClosestTo(f).players.filter((p) => colludersA.includes(p)).length < DEFAULT_WITNESS_CONFIG.threshold - 1) as number;
    expect(captured).toBeDefined();
    expect(spared).toBeDefined();
    const profile = parseProfile(
      [
        `peers: ${PEERS}`,
        'durationS: 12',
        'workers: 2',
        `seed: ${SEED}`,
        'neo: { groupSize: 5, roundMs: 100 }',
        'storage: { characters: { changeEveryS: 4, firstWithinS: 2 } }',
        'characterAttacks:',
        '  - { kind: tampered-character, group: 1, atS: 3 }',
        `  - { kind: colluding-witnesses, colluders: ${JSON.stringify(colludersA)}, friend: ${captured}, atS: 5, attempts: 2 }`,
        `  - { kind: colluding-witnesses, colluders: ${JSON.stringify(colludersA.filter((p) => p !== spared))}, friend: ${spared}, atS: 5, attempts: 2 }`,
        'links:',
        '  default: { delay: { kind: constant, ms: 5 } }',
        '',
      ].join('\n'),
      'characters-test.yaml',
    );
    const { report, handlerErrors } = await runScenario(profile);
    expect(handlerErrors).toEqual([]);
    const row = (kind: string) => report.attacks.find((a) => a.kind === kind) as (typeof report.attacks)[number] & Record<string, unknown>;

    const tampered = row('tampered-character');
    expect(tampered).toMatchObject({ attempts: 1, prevented: 1, detected: 1, unprevented: 0, undetected: 0, falsePositives: 0 });

    const colluding = row('colluding-witnesses');
    const friends = colluding['friends'] as { friend: number; attempts: number; escapes: number; countedMax: number }[];
    const byFriend = new Map(friends.map((f) => [f.friend, f]));
    // Captured: every forged change escapes, with at least t colluders' signatures counted by an honest door.
    expect(byFriend.get(captured)).toMatchObject({ attempts: 2, escapes: 2 });
    expect(byFriend.get(captured)?.countedMax).toBeGreaterThanOrEqual(DEFAULT_WITNESS_CONFIG.threshold);
    // Spared: none does.
    expect(byFriend.get(spared)).toMatchObject({ attempts: 2, escapes: 0 });
    expect(byFriend.get(spared)?.countedMax).toBeLessThan(DEFAULT_WITNESS_CONFIG.threshold);
    expect(colluding).toMatchObject({ attempts: 4, prevented: 2, detected: 2, unprevented: 2, escapes: 2, falsePositives: 0, nodes: PEERS + 3 - 1 });
    expect(colluding['forgedProbability']).toBeGreaterThan(0);

    const c = report.storage?.characters;
    expect(c?.owners).toBe(PEERS + 1);
    expect(c?.witnessed).toBeGreaterThanOrEqual(PEERS + 1);
    expect(c?.witnessFailures).toBe(0);
    expect(c?.doorAccepted).toBe(0);
    expect(c?.doorChecks).toBe(c?.doorRefused['edited']);
  }, 90_000);
});
