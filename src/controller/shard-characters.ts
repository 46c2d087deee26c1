import type { Signer } from '../crypto/index.js';
import type { DhtNode, DhtRecord } from '../dht/index.js';
import type { CharacterVerdict } from '../groups/index.js';
import { DEFAULT_MAX_GOLD_GAIN } from '../peer/index.js';
import type { Rng } from '../random/index.js';
import type { RunReport } from '../report/model.js';
import {
  DOOR_REFUSALS,
  WITNESS_OUTCOMES,
  checkClaim,
  encodeCharacterClaim,
  encodeEvidence,
  encodeSheet,
  manifestDigest,
  publishCharacter,
  sealCharacter,
  type CharacterDoor,
  type CharacterSheet,
  type CharacterWitnessService,
  type OwnerGroup,
  type SealedCharacter,
  type WitnessResult,
} from '../storage/index.js';
import type { ShardComponentDeps } from './shard-component.js';

/** The profile's `storage.characters` (src/scenario/characters.ts). */
export interface CharactersSpec {
  readonly changeEveryS: number;
  readonly firstWithinS: number;
}

/** What the shard counts: report.json `storage.characters`, documented there. */
export type CharacterFigures = NonNullable<NonNullable<RunReport['storage']>['characters']>;

/** A shard's player as its character needs it. */
export interface CharacterOwner {
  readonly id: number;
  readonly signer: Signer;
  readonly dht: Pick<DhtNode, 'put'>;
  readonly witness: CharacterWitnessService;
  /** Its own door: it checks its latest version there before building on it. */
  readonly door: CharacterDoor;
  /** The group it plays in now (its agreed view), whose members endorse its changes; null while it plays in none. */
  group(): OwnerGroup | null;
  /** Still up: it keeps changing its character. */
  alive(): boolean;
}

/**
 * `next` witnessed (docs/storage.md, "The group that saw the change"): a change of version 2 or
 * later is endorsed by the group its owner plays in first, then taken to the witnesses with the
 * endorsements; version 1 and a renewal go to the witnesses alone. `no-group` when the owner plays in
 * no group (it left meanwhile), `unendorsed` when too few of its group endorsed in time: no witness
 * would sign it.
 */
export async function witnessInGroup(owner: CharacterOwner, next: SealedCharacter, previous: SealedCharacter | null, evidence: Uint8Array, renewal: number): Promise<WitnessResult | 'no-group' | 'unendorsed'> {
  if (next.version === 1 || renewal > 0) return owner.witness.witness(next, previous, evidence, { renewal });
  const group = owner.group();
  if (!group || !previous) return 'no-group';
  const { endorsement } = await owner.witness.endorse(next, manifestDigest(previous.manifest), group);
  return endorsement ? owner.witness.witness(next, previous, evidence, { renewal, endorsement }) : 'unendorsed';
}

/** The shard's characters need only what every component is given. */
export type ShardCharactersDeps = ShardComponentDeps;

export interface ShardCharacters {
  /**
   * A player finished its join flow: it keeps a character from now on. Version 1 is sealed and
   * witnessed at once during the run, or spread over `firstWithinS` after the start for the players
   * already in before it; then a legitimate change every `changeEveryS`.
   */
  joined(owner: CharacterOwner): void;
  /** Resolves once the player's version 1 is witnessed and published (false: it gave up), so a joiner asks a group only with a character to show. */
  ready(id: number): Promise<boolean>;
  /** The character the player brings to a group's door: its latest witnessed version's manifest, encoded (encodeCharacterClaim); null before it has one. */
  claimOf(id: number): Uint8Array | null;
  /** The player's latest witnessed version (its keys included), for the attacks that start from it. */
  latest(id: number): SealedCharacter | null;
  /** No more changes for this player: an attack takes its character over from here. Resolves once a witnessing under way ended. */
  stopKeeping(id: number): Promise<void>;
  /** A forged version a door accepted became the player's latest (colluding witnesses): the next attempt builds on it. */
  replaceLatest(id: number, character: SealedCharacter): void;
  /** The run started: the players already in seal their version 1, spread. */
  start(startAtMs: number): void;
  /** A group member's door at admission, counted by the shard (GroupMemberDeps.characterDoor). */
  admissionDoor(door: CharacterDoor): { check(owner: Uint8Array, claim: Uint8Array | null): Promise<CharacterVerdict> };
  figures(): CharacterFigures;
}

/** How long records stay in the DHT: beyond any run. */
const RECORD_TTL_MS = 24 * 3600_000;
/** Holders a published record should reach (as houses' acknowledgements). */
const ACK_REPLICAS = 3;
/** An owner's latest version passing its own door with this many valid signatures or fewer (t = 5 of 7) is witnessed again. */
const RENEW_AT_VALID = 5;
/** A version 1 that did not get its signatures is asked for again this many times, a second apart. */
const FIRST_VERSION_TRIES = 3;
const RETRY_MS = 1000;
/** An inventory keeps this many items; a change past it also gives the oldest away (the evidence says so). */
const MAX_INVENTORY_ITEMS = 8;
const GOLDEN_FRACTION = 0.6180339887498949;

interface Sheets {
  readonly equipped: CharacterSheet;
  readonly inventory: CharacterSheet;
}

/** A change on its way to being witnessed: asked for again as it is (same bytes) until it is, so no witness sees two manifests of one version. */
interface Pending {
  readonly next: SealedCharacter;
  readonly sheets: Sheets;
  readonly evidence: Uint8Array;
}

interface Kept {
  readonly owner: CharacterOwner;
  current: SealedCharacter | null;
  /** The version `current` was built on (its keys go to the witnesses of a renewal). */
  previous: SealedCharacter | null;
  /** The evidence `current` was witnessed with: a renewal shows it again. */
  currentEvidence: Uint8Array | null;
  /** Times `current` was witnessed again. */
  renewals: number;
  sheets: Sheets;
  pending: Pending | null;
  kept: boolean;
  busy: boolean;
  /** The witnessing under way (resolved when none is). */
  idle: Promise<unknown>;
  readonly ready: Promise<boolean>;
  settle(ok: boolean): void;
}

/**
 * The shard's side of witnessed characters (docs/storage.md, "Witnessed characters in the harness"):
 * its players' characters, from version 1 on, each change legitimate under the game's rule and
 * witnessed before it is published; the ground truth of which versions were; and the groups' doors
 * at admission, counted.
 */
export function createShardCharacters(spec: CharactersSpec, deps: ShardCharactersDeps): ShardCharacters {
  const kept = new Map<number, Kept>();
  const count = { witnessed: 0, witnessFailures: 0, unendorsed: 0, publishedShort: 0, renewals: 0, witnessesSilent: 0, doorChecks: 0, doorAccepted: 0 };
  const witnessRefusals: Record<string, number> = Object.fromEntries(WITNESS_OUTCOMES.filter((o) => o !== 'signed' && o !== 'awaiting-sections').map((o) => [o, 0]));
  const doorRefused: Record<string, number> = Object.fromEntries([...DOOR_REFUSALS, 'door-failed'].map((r) => [r, 0]));
  let startAtMs: number | null = null;
  const expiresAtMs = () => deps.wallClock.nowMs() + RECORD_TTL_MS;
  const keysFor = (k: Kept, version: number) => {
    const rng = deps.rng.fork(`keys:${k.owner.id}:${version}`);
    return (n: number) => rng.bytes(n);
  };

  /** One witnessing of `next` (on `previous`), its answers counted; null when it did not reach the witnesses. */
  const askWitnesses = async (k: Kept, next: SealedCharacter, previous: SealedCharacter | null, evidence: Uint8Array, renewal: number): Promise<WitnessResult | null> => {
    const result = await witnessInGroup(k.owner, next, previous, evidence, renewal);
    // Its owner left its group since the change began: the change waits for the next group.
    if (result === 'no-group') return null;
    if (result === 'unendorsed') {
      count.unendorsed++;
      count.witnessFailures++;
      return null;
    }
    for (const [refusal, n] of Object.entries(result.refusals)) witnessRefusals[refusal] = (witnessRefusals[refusal] ?? 0) + (n ?? 0);
    count.witnessesSilent += result.silent;
    if (!result.ok || !result.attestation) count.witnessFailures++;
    return result;
  };

  const publish = async (k: Kept, character: SealedCharacter, attestation: DhtRecord) => {
    const { acked } = await publishCharacter(k.owner.dht, character, attestation);
    if (acked < ACK_REPLICAS) count.publishedShort++;
  };

  /**
   * Has `pending` witnessed and published; true once it is the owner's latest. A change refused
   * because its witnesses no longer find version 1 witnessed (the network grew since: its signers
   * are no longer among the w + s closest) has version 1 witnessed again from nothing, then tries once more.
   */
  const witnessPending = async (k: Kept): Promise<boolean> => {
    const p = k.pending as Pending;
    await renewIfWorn(k);
    let result = await askWitnesses(k, p.next, k.current, p.evidence, 0);
    if (result && !result.ok && (result.refusals['previous-unwitnessed'] ?? 0) > 0 && k.current?.version === 1 && (await renew(k))) result = await askWitnesses(k, p.next, k.current, p.evidence, 0);
    if (!result?.ok || !result.attestation) return false;
    await publish(k, p.next, result.attestation);
    count.witnessed++;
    k.previous = k.current;
    k.current = p.next;
    k.currentEvidence = p.evidence;
    k.sheets = p.sheets;
    k.pending = null;
    return true;
  };

  /**
   * The latest version checked at the owner's own door, and witnessed again while it passes with no
   * spare signature (nodes that joined closer to its witness key pushed signers out); a version 1
   * refused for too few witnesses is witnessed again from nothing. Before a change builds on it,
   * and before a joiner first shows it: a joiner witnessed it while its own routing table was
   * young, and a door that knows more nodes may not count the signers its lookup found.
   */
  const renewIfWorn = async (k: Kept): Promise<void> => {
    if (!k.current) return;
    const verdict = await k.owner.door.check(k.owner.signer.publicKey, { manifest: k.current.manifest });
    const worn = verdict.ok ? verdict.tally.valid <= RENEW_AT_VALID : verdict.reason === 'too-few-witnesses' && k.current.version === 1;
    if (worn) await renew(k);
  };

  /** `current` witnessed again: a version 1 from nothing, a later one on its attestation, which must still pass. */
  const renew = async (k: Kept): Promise<boolean> => {
    if (!k.current || !k.currentEvidence || (k.current.version > 1 && !k.previous)) return false;
    const result = await askWitnesses(k, k.current, k.current.version > 1 ? k.previous : null, k.currentEvidence, k.renewals + 1);
    if (!result?.ok || !result.attestation) return false;
    await publish(k, k.current, result.attestation);
    k.renewals++;
    count.renewals++;
    return true;
  };

  /** One witnessing at a time per owner; errors (a crashed owner's DHT closing under it) end it quietly. */
  const exclusive = (k: Kept, work: () => Promise<boolean>): Promise<boolean> => {
    if (k.busy || !k.kept || !k.owner.alive()) return Promise.resolve(false);
    k.busy = true;
    const run = work()
      .catch((error: unknown) => {
        if (k.owner.alive()) deps.onError(error);
        return false;
      })
      .finally(() => (k.busy = false));
    k.idle = run;
    return run;
  };

  /** The owner's pending change, or a new one, witnessed. A character changes only in play: not while its owner plays in no group. */
  const attempt = (k: Kept): Promise<boolean> =>
    exclusive(k, async () => {
      if (k.current && !k.owner.group()) return false;
      k.pending ??= nextChange(k, keysFor(k, (k.current?.version ?? 0) + 1), expiresAtMs(), deps.rng.fork(`change:${k.owner.id}:${(k.current?.version ?? 0) + 1}`));
      return witnessPending(k);
    });

  /** Version 1 witnessed, then checked at the owner's own door before the player shows it to a group. */
  const firstVersion = async (k: Kept, tries: number): Promise<void> => {
    if (await attempt(k)) {
      await exclusive(k, async () => {
        await renewIfWorn(k);
        return true;
      });
      return k.settle(true);
    }
    if (tries <= 1 || !k.kept || !k.owner.alive()) return k.settle(false);
    deps.scheduler.schedule(deps.clock.nowMs() + RETRY_MS, () => void firstVersion(k, tries - 1));
  };

  const keepChanging = (k: Kept) => {
    deps.scheduler.schedule(deps.clock.nowMs() + spec.changeEveryS * 1000, () => {
      if (!k.kept || !k.owner.alive()) return;
      void attempt(k);
      keepChanging(k);
    });
  };

  const begin = (k: Kept, atMs: number) =>
    deps.scheduler.schedule(atMs, () => {
      void firstVersion(k, FIRST_VERSION_TRIES);
      keepChanging(k);
    });

  return {
    joined(owner) {
      let settle: (ok: boolean) => void = () => {};
      const ready = new Promise<boolean>((resolve) => (settle = resolve));
      const k: Kept = { owner, current: null, previous: null, currentEvidence: null, renewals: 0, sheets: { equipped: { gold: 0, items: [] }, inventory: { gold: 0, items: [] } }, pending: null, kept: true, busy: false, idle: Promise.resolve(), ready, settle };
      kept.set(owner.id, k);
      if (startAtMs !== null) begin(k, deps.clock.nowMs());
    },
    ready: (id) => kept.get(id)?.ready ?? Promise.resolve(false),
    claimOf(id) {
      const current = kept.get(id)?.current;
      return current ? encodeCharacterClaim(current.manifest) : null;
    },
    latest: (id) => kept.get(id)?.current ?? null,
    async stopKeeping(id) {
      const k = kept.get(id);
      if (!k) return;
      k.kept = false;
      await k.idle;
    },
    replaceLatest(id, character) {
      const k = kept.get(id);
      if (k) k.current = character;
    },
    start(at) {
      startAtMs = at;
      // Spread over the window by a golden-ratio share of the player's index, so the witnessings never come as one burst.
      for (const k of kept.values()) begin(k, at + Math.floor(((k.owner.id * GOLDEN_FRACTION) % 1) * spec.firstWithinS * 1000));
    },
    admissionDoor: (door) => ({
      async check(owner, claim) {
        count.doorChecks++;
        const verdict: CharacterVerdict = await checkClaim(door, owner, claim).catch(() => ({ ok: false, reason: 'door-failed' }));
        if (verdict.ok) count.doorAccepted++;
        else doorRefused[verdict.reason] = (doorRefused[verdict.reason] ?? 0) + 1;
        return verdict;
      },
    }),
    figures: () => ({ owners: kept.size, ...count, witnessRefusals: { ...witnessRefusals }, doorRefused: { ...doorRefused } }),
  };
}

/**
 * The owner's next legitimate change under the game's rule (itemLedgerRule): version 1 starts with a
 * sword and a potion (both gains from nothing); every later version finds some gold (at most the
 * rule's limit) and an item, and gives the oldest item of a full inventory away, the evidence listing
 * exactly what came and went.
 */
function nextChange(k: Kept, randomBytes: (n: number) => Uint8Array, expiresAtMs: number, rng: Rng): Pending {
  const version = (k.current?.version ?? 0) + 1;
  const before = k.sheets;
  const found = version === 1 ? ['sword', 'potion'] : [`loot ${version}`];
  const given = version > 1 && before.inventory.items.length >= MAX_INVENTORY_ITEMS ? [before.inventory.items[0] as string] : [];
  const sheets: Sheets =
    version === 1
      ? { equipped: { gold: 0, items: ['sword'] }, inventory: { gold: 10, items: ['potion'] } }
      : { equipped: before.equipped, inventory: { gold: before.inventory.gold + 1 + rng.int(DEFAULT_MAX_GOLD_GAIN), items: [...before.inventory.items.filter((item) => !given.includes(item)), ...found] } };
  const next = sealCharacter(k.owner.signer, version, { equipped: encodeSheet(sheets.equipped), inventory: encodeSheet(sheets.inventory) }, randomBytes, expiresAtMs);
  return { next, sheets, evidence: encodeEvidence({ gained: found, lost: given }) };
}

/** Several shards' figures summed (report.json `storage.characters`); null when none keeps characters. */
export function mergeCharacterFigures(figures: readonly CharacterFigures[]): CharacterFigures | null {
  if (figures.length === 0) return null;
  const sum = (key: 'owners' | 'witnessed' | 'witnessFailures' | 'publishedShort' | 'witnessesSilent' | 'doorChecks' | 'doorAccepted') => figures.reduce((n, f) => n + f[key], 0);
  const sumRecords = (read: (f: CharacterFigures) => Readonly<Record<string, number>>) => {
    const out: Record<string, number> = {};
    for (const f of figures) for (const [k, v] of Object.entries(read(f))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    owners: sum('owners'),
    witnessed: sum('witnessed'),
    witnessFailures: sum('witnessFailures'),
    publishedShort: sum('publishedShort'),
    renewals: figures.reduce((n, f) => n + (f.renewals ?? 0), 0),
    unendorsed: figures.reduce((n, f) => n + (f.unendorsed ?? 0), 0),
    witnessRefusals: sumRecords((f) => f.witnessRefusals),
    witnessesSilent: sum('witnessesSilent'),
    doorChecks: sum('doorChecks'),
    doorAccepted: sum('doorAccepted'),
    doorRefused: sumRecords((f) => f.doorRefused),
  };
}
