import type { Signer } from '../crypto/index.js';
import type { DhtNode, DhtRecord } from '../dht/index.js';
import { mergeCounterSnapshots } from '../metrics/index.js';
import type { Rng } from '../random/index.js';
import type { RunReport } from '../report/model.js';
import { CHARACTER_SECTIONS, characterSubject, openSection, readManifest, sealCharacter, type CharacterKeyring, type CharacterSection, type SealedCharacter } from '../storage/index.js';
import type { ShardComponentDeps } from './shard-component.js';

/** The profile's `storage.engagements` (src/scenario/profile.ts). */
export interface EngagementsSpec {
  readonly everyS: number;
}

/** What the engagements count: report.json `storage.engagements`, documented there. */
export type EngagementFigures = NonNullable<NonNullable<RunReport['storage']>['engagements']>;

/** A shard's player as an engagement needs it: its DHT to read the opponent's sections, its keyring to release and receive keys. */
export interface Fighter {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
  readonly endpoint: { readonly host: string; readonly port: number };
  readonly dht: Pick<DhtNode, 'put' | 'get'>;
  readonly keyring: CharacterKeyring;
  alive(): boolean;
  /** Its group now, as a key (only players of one group engage); null while it is in none. */
  group(): string | null;
}

export interface ShardEngagementsDeps extends ShardComponentDeps {
  /**
   * The fighter's sealed character (its keys included): the witnessed one where the profile keeps
   * characters; null while it has none, and then the engagement seals one of its own.
   */
  readonly characterOf?: (id: number) => SealedCharacter | null;
}

export interface ShardEngagements {
  joined(fighter: Fighter): void;
  /** The run started: an engagement every everyS, until `stopAtMs`. */
  start(startAtMs: number, stopAtMs: number): void;
  figures(): EngagementFigures;
}

/** How long an opponent waits for a released key, ms. */
const KEY_WAIT_MS = 2000;
const KEY_POLL_MS = 50;
const RECORD_TTL_MS = 3_600_000;
const ACK_REPLICAS = 3;

/**
 * The seed's Alice and Eve in the harness (docs/storage.md, "Sections"): every everyS two players of
 * one group engage. Eve reads Alice's sealed character from the DHT; before any release she cannot
 * open either section; Alice releases what she fights with (`equipped`) and Eve opens it against the
 * signed manifest, while the inventory stays closed; Alice equips an item from her inventory and
 * releases its key, and Eve opens that too. A section Eve could open before its release, or a
 * released one that did not open, is counted: both must stay 0.
 */
export function createShardEngagements(spec: EngagementsSpec, deps: ShardEngagementsDeps): ShardEngagements {
  const fighters = new Map<number, Fighter>();
  /** Sections already released to an opponent (owner, opponent, version, section): a key stays released, so a second engagement finds it. */
  const released = new Set<string>();
  const releaseKey = (alice: Fighter, eve: Fighter, version: number, section: CharacterSection) => `${alice.id}:${eve.id}:${version}:${section}`;
  const own = new Map<number, SealedCharacter>();
  const count = { engagements: 0, completed: 0, skipped: 0, equippedOpened: 0, inventoryOpened: 0, openedBeforeRelease: 0, releasedNotOpened: 0, keysLate: 0 };

  const characterOf = async (f: Fighter): Promise<SealedCharacter | null> => {
    const kept = deps.characterOf?.(f.id) ?? null;
    if (kept) return kept;
    if (deps.characterOf) return null;
    const sealed = own.get(f.id);
    if (sealed) return sealed;
    // Without characters in the profile, a fighter seals one of its own on its first engagement.
    const plaintexts = { equipped: text(`sword of player ${f.id}; leather armour`), inventory: text(`potion x2; axe of frost; ${f.id} gold`) };
    const nonces = deps.rng.fork(`seal:${f.id}`);
    const character = sealCharacter(f.signer, 1, plaintexts, (n) => nonces.bytes(n), deps.wallClock.nowMs() + RECORD_TTL_MS);
    const puts = await Promise.all([character.manifest, character.sections.equipped, character.sections.inventory].map((r) => f.dht.put(r)));
    if (puts.some((p) => p.acked < ACK_REPLICAS)) return null;
    own.set(f.id, character);
    return character;
  };

  /** Eve's copy of Alice's character, read from the DHT: the manifest and both sections of the version Alice fights with. */
  const fetch = async (eve: Fighter, alice: Fighter, version: number): Promise<{ manifest: DhtRecord; sections: Record<CharacterSection, DhtRecord> } | null> => {
    const [manifest, equipped, inventory] = await Promise.all(
      (['manifest', ...CHARACTER_SECTIONS] as const).map(async (part) => (await eve.dht.get('player-data', characterSubject(alice.publicKey, part))).record),
    );
    if (!manifest || !equipped || !inventory || readManifest(manifest)?.version !== version) return null;
    return { manifest, sections: { equipped, inventory } };
  };

  const keyArrives = async (eve: Fighter, alice: Fighter, version: number, section: CharacterSection): Promise<Uint8Array | null> => {
    const until = deps.clock.nowMs() + KEY_WAIT_MS;
    for (;;) {
      const key = eve.keyring.keyFor(alice.publicKey, version, section);
      if (key || deps.clock.nowMs() >= until) return key;
      await new Promise<void>((resolve) => deps.scheduler.schedule(deps.clock.nowMs() + KEY_POLL_MS, resolve));
    }
  };

  /** Alice releases `section`; Eve must open it against the manifest, and must not open what is still closed. */
  const release = async (alice: Fighter, eve: Fighter, character: SealedCharacter, copy: NonNullable<Awaited<ReturnType<typeof fetch>>>, section: CharacterSection, stillClosed: CharacterSection | null) => {
    alice.keyring.release({ endpoint: eve.endpoint, publicKey: eve.publicKey }, character.version, section, character.keys[section]);
    released.add(releaseKey(alice, eve, character.version, section));
    const key = await keyArrives(eve, alice, character.version, section);
    if (!key) {
      count.keysLate++;
      return false;
    }
    if (!openSection(copy.manifest, copy.sections[section], section, key).ok) {
      count.releasedNotOpened++;
      return false;
    }
    if (stillClosed && !released.has(releaseKey(alice, eve, character.version, stillClosed)) && eve.keyring.keyFor(alice.publicKey, character.version, stillClosed)) count.openedBeforeRelease++;
    return true;
  };

  const engage = async (alice: Fighter, eve: Fighter) => {
    count.engagements++;
    const character = await characterOf(alice);
    const copy = character && (await fetch(eve, alice, character.version));
    if (!character || !copy) {
      count.skipped++;
      return;
    }
    // Before its release Eve holds no key for a section, and a guessed one opens nothing.
    const guess = deps.rng.fork(`guess:${count.engagements}`).bytes(32);
    for (const section of CHARACTER_SECTIONS) {
      if (openSection(copy.manifest, copy.sections[section], section, guess).ok) count.openedBeforeRelease++;
      if (!released.has(releaseKey(alice, eve, character.version, section)) && eve.keyring.keyFor(alice.publicKey, character.version, section)) count.openedBeforeRelease++;
    }
    if (!(await release(alice, eve, character, copy, 'equipped', 'inventory'))) return;
    count.equippedOpened++;
    // Alice equips an item from her inventory: its key goes to her opponent.
    if (!(await release(alice, eve, character, copy, 'inventory', null))) return;
    count.inventoryOpened++;
    count.completed++;
  };

  /** Two live players of one group, drawn from the seed; none when no group has two. */
  const pair = (draw: Rng): [Fighter, Fighter] | null => {
    const byGroup = new Map<string, Fighter[]>();
    for (const f of fighters.values()) {
      const g = f.alive() ? f.group() : null;
      if (g !== null) byGroup.set(g, [...(byGroup.get(g) ?? []), f]);
    }
    const groups = [...byGroup.values()].filter((fs) => fs.length >= 2);
    if (groups.length === 0) return null;
    const [alice, eve] = draw.shuffle([...draw.pick(groups)]);
    return [alice as Fighter, eve as Fighter];
  };

  return {
    joined(fighter) {
      fighters.set(fighter.id, fighter);
    },
    start(startAtMs, stopAtMs) {
      const periodMs = spec.everyS * 1000;
      for (let i = 1, at = startAtMs + periodMs; at < stopAtMs; i++, at += periodMs) {
        deps.scheduler.schedule(at, () => {
          const fight = pair(deps.rng.fork(`engagement:${i}`));
          // A fighter that crashed or left mid-engagement (its DHT closed under a read) is churn, not a fault.
          if (fight) engage(...fight).catch((e: unknown) => (fight.every((f) => f.alive()) ? deps.onError(e) : count.skipped++));
        });
      }
    },
    figures: () => ({ ...count }),
  };
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** The shards' engagement figures summed; null when no shard had engagements. */
export function mergeEngagementFigures(all: readonly EngagementFigures[]): EngagementFigures | null {
  return all.length === 0 ? null : mergeCounterSnapshots(all);
}
