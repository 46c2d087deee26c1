import { PUBLIC_KEY_LENGTH, equalBytes, nodeIdFromPublicKey, toHex } from '../crypto/index.js';
import { verifyRecord, type DhtNode, type DhtRecord } from '../dht/index.js';
import type { SignatureVerifier } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { closestTo, manifestDigest, readAttestation, statementSigningBytes, witnessKey, MAX_ATTESTATION_SIGNATURES, type Attestation } from './attestation.js';
import { characterSubject, readManifest } from './character.js';
import { characterRecordPolicies } from './character-policy.js';

/**
 * The door (docs/storage.md, "Witnessed characters"): whoever checks a character before letting its
 * owner play — a group at admission — accepts it only when the version it is shown is the version
 * at least `threshold` witnesses signed, each witness among the `witnesses + slack` nodes the door
 * itself finds closest to the owner's witness key.
 */

export interface WitnessConfig {
  /** w: the nodes closest to the witness key that an owner asks. Default 7. */
  readonly witnesses?: number;
  /** t: signatures that make a version witnessed. Default 5. */
  readonly threshold?: number;
  /** s: how much farther than the w closest a door still takes a signer (nodes that joined closer since it signed). Default 1. */
  readonly slack?: number;
  /** Valid answers a read of a character's records collects before it takes the newest. Default 3. */
  readonly quorum?: number;
}
export type ResolvedWitnessConfig = Required<WitnessConfig>;

/**
 * w + s = 8 = the DHT's default k (a lookup returns k nodes), t = 5 of w = 7: with 10 colluders among
 * 100 nodes a forged character passes with probability 1.6e-4 per identity (5-of-8 colluders), where
 * 3-of-5 with slack 3 gives 3.1e-2; an owner still gets its 5 signatures with 2 of its 7 witnesses
 * gone, and a door still counts them after up to 3 nodes joined closer than the fifth signer.
 */
export const DEFAULT_WITNESS_CONFIG: ResolvedWitnessConfig = { witnesses: 7, threshold: 5, slack: 1, quorum: 3 };

export function resolveWitnessConfig(config: WitnessConfig, k: number): ResolvedWitnessConfig {
  const c = { ...DEFAULT_WITNESS_CONFIG, ...config };
  for (const [name, v, min] of [['witnesses', c.witnesses, 1], ['threshold', c.threshold, 1], ['slack', c.slack, 0], ['quorum', c.quorum, 1]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`witness config: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  if (c.threshold > c.witnesses || c.threshold > MAX_ATTESTATION_SIGNATURES) throw new RangeError(`witness config: threshold must be at most witnesses (${c.witnesses}) and ${MAX_ATTESTATION_SIGNATURES}, got ${c.threshold}`);
  if (c.witnesses + c.slack > k) throw new RangeError(`witness config: witnesses + slack (${c.witnesses + c.slack}) must be at most the DHT's k (${k}): a lookup returns k nodes`);
  return c;
}

export const DOOR_REFUSALS = [
  /** No valid manifest: none in the DHT, or the one presented does not verify as the owner's. */
  'no-character',
  /** An older version than the one witnessed last (a rollback). */
  'stale',
  /** No attestation for this version (nobody witnessed it). */
  'unwitnessed',
  /** An attestation for this version, of another manifest: the owner changed it after it was witnessed. */
  'edited',
  /** Fewer than t signatures that verify and come from keys among the door's w + s closest. */
  'too-few-witnesses',
  /** The door's lookup of the witness key reached nobody. */
  'lookup-failed',
] as const;
export type DoorRefusal = (typeof DOOR_REFUSALS)[number];

/** How the signatures of an attestation fared: `valid` counted; `outsiders` verified but from keys outside the w + s closest; `invalid` did not verify. */
export interface SignatureTally {
  readonly valid: number;
  readonly outsiders: number;
  readonly invalid: number;
}

export type DoorVerdict =
  | { readonly ok: true; readonly version: number; readonly manifestDigest: Uint8Array; readonly previousDigest: Uint8Array; readonly tally: SignatureTally }
  | { readonly ok: false; readonly reason: DoorRefusal; readonly version: number | null; readonly tally: SignatureTally | null };

export interface DoorCounters {
  readonly checked: number;
  readonly accepted: number;
  readonly refused: Readonly<Record<DoorRefusal, number>>;
}

export interface DoorDeps {
  readonly dht: Pick<DhtNode, 'get' | 'findNode' | 'nodeId' | 'config'>;
  readonly verify: SignatureVerifier;
  /** Unix-epoch ms: record expiry. Date.now by default. */
  readonly wallClock?: Clock;
}

export interface CheckOptions {
  /** The manifest the owner presents (the character it brings); by default the newest one in the DHT. */
  readonly manifest?: DhtRecord;
  /**
   * The attestation the owner presents with it (its witnesses' signatures); by default the newest
   * one in the DHT. The DHT's is read all the same: one newer than the manifest is a rollback (`stale`).
   */
  readonly attestation?: DhtRecord;
}

export interface CharacterDoor {
  check(owner: Uint8Array, options?: CheckOptions): Promise<DoorVerdict>;
  counters(): DoorCounters;
}

const wallClockDefault: Clock = { nowMs: () => Date.now() };

export function createCharacterDoor(config: WitnessConfig, deps: DoorDeps): CharacterDoor {
  const resolved = resolveWitnessConfig(config, deps.dht.config.k);
  const refused = Object.fromEntries(DOOR_REFUSALS.map((r) => [r, 0])) as Record<DoorRefusal, number>;
  let checked = 0;
  let accepted = 0;
  return {
    async check(owner, options = {}) {
      if (!(owner instanceof Uint8Array) || owner.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`check: expected a ${PUBLIC_KEY_LENGTH}-byte public key`);
      const verdict = await checkCharacter(resolved, deps, owner, options);
      checked++;
      if (verdict.ok) accepted++;
      else refused[verdict.reason]++;
      return verdict;
    },
    counters: () => ({ checked, accepted, refused: { ...refused } }),
  };
}

async function checkCharacter(config: ResolvedWitnessConfig, deps: DoorDeps, owner: Uint8Array, presented: CheckOptions): Promise<DoorVerdict> {
  const refuse = (reason: DoorRefusal, version: number | null = null, tally: SignatureTally | null = null): DoorVerdict => ({ ok: false, reason, version, tally });
  const manifest = presented.manifest ? validPresented(presented.manifest, owner, 'manifest', deps) : await newest(deps, owner, 'manifest', config.quorum);
  const version = manifest && readManifest(manifest)?.version;
  if (!manifest || !version) return refuse('no-character');
  const newestRecord = await newest(deps, owner, 'attestation', config.quorum);
  const newestAttestation = newestRecord && readAttestation(newestRecord);
  if (newestAttestation && newestAttestation.version > version) return refuse('stale', version);
  const shown = presented.attestation && validPresented(presented.attestation, owner, 'attestation', deps);
  const attestation = presented.attestation ? shown && readAttestation(shown) : newestAttestation;
  if (!attestation || attestation.version !== version) return refuse('unwitnessed', version);
  const digest = manifestDigest(manifest);
  if (!equalBytes(attestation.manifestDigest, digest)) return refuse('edited', version);
  const live = await liveWitnessCandidates(deps, owner);
  if (!live) return refuse('lookup-failed', version);
  const tally = tallySignatures(config, owner, attestation, live, deps.verify);
  return tally.valid >= config.threshold ? { ok: true, version, manifestDigest: digest, previousDigest: attestation.previousDigest, tally } : refuse('too-few-witnesses', version, tally);
}

/** A manifest or attestation shown outside the DHT: it must verify as a record the owner signed, like one read from the DHT. */
function validPresented(record: DhtRecord, owner: Uint8Array, part: 'manifest' | 'attestation', deps: DoorDeps): DhtRecord | null {
  const nowMs = (deps.wallClock ?? wallClockDefault).nowMs();
  if (!equalBytes(record.subject, characterSubject(owner, part))) return null;
  return verifyRecord(record, { policies: characterRecordPolicies, verify: deps.verify, nowMs }) === null ? record : null;
}

async function newest(deps: DoorDeps, owner: Uint8Array, part: 'manifest' | 'attestation', quorum: number): Promise<DhtRecord | null> {
  return (await deps.dht.get('player-data', characterSubject(owner, part), { quorum, absenceIsAnswer: true })).record;
}

/**
 * The node IDs the door finds around the owner's witness key: the lookup's answer and the door
 * itself, never the owner. Null when the lookup reached nobody.
 */
async function liveWitnessCandidates(deps: Pick<DoorDeps, 'dht'>, owner: Uint8Array): Promise<Uint8Array[] | null> {
  const found = await deps.dht.findNode(witnessKey(owner));
  if (!found.ok) return null;
  const ownerId = nodeIdFromPublicKey(owner);
  return [deps.dht.nodeId, ...found.contacts.map((c) => c.nodeId)].filter((id) => !equalBytes(id, ownerId));
}

/**
 * A signature counts when it verifies and its signer is among the w + s nodes closest to the witness
 * key of the live nodes the door found together with every signer whose signature verified. A signer
 * that left since it signed keeps its place (it is still that close to the key), and only nodes that
 * joined closer push it out; a signer that hides from lookups gains nothing by it, since it is ranked
 * as if it were found. Each witness key counts once (a node ID listed twice is one witness).
 */
function tallySignatures(config: ResolvedWitnessConfig, owner: Uint8Array, attestation: Attestation, live: readonly Uint8Array[], verify: SignatureVerifier): SignatureTally {
  const key = witnessKey(owner);
  const statement = statementSigningBytes({ owner, version: attestation.version, manifestDigest: attestation.manifestDigest, previousDigest: attestation.previousDigest, witnessKey: key });
  const ownerId = toHex(nodeIdFromPublicKey(owner));
  const seen = new Set<string>();
  const signers: Uint8Array[] = [];
  let invalid = 0;
  let ownSignature = 0;
  for (const { witness, signature } of attestation.signatures) {
    const id = nodeIdFromPublicKey(witness);
    const hex = toHex(id);
    if (seen.has(hex)) continue;
    seen.add(hex);
    if (!verify(signature, statement, witness)) invalid++;
    else if (hex === ownerId) ownSignature++;
    else signers.push(id);
  }
  const liveHex = new Set(live.map(toHex));
  const ranked = [...live, ...signers.filter((id) => !liveHex.has(toHex(id)))];
  const accepted = new Set(closestTo(key, ranked, config.witnesses + config.slack).map(toHex));
  const valid = signers.filter((id) => accepted.has(toHex(id))).length;
  return { valid, outsiders: signers.length - valid + ownSignature, invalid };
}
