import type { Signer } from '../crypto/index.js';
import type { DhtNode } from '../dht/index.js';
import type { Clock } from '../time/clock.js';
import { houseRecord, houseSubject, MAX_HOUSE_SLOTS, readHouse, type House } from './house.js';

export interface HouseStoreConfig {
  /** How long a version lives in the DHT without its owner (holders republish it until then). Default 24 h. */
  readonly ttlMs?: number;
  /** A save is acknowledged once at least this many of the k closest nodes hold the version. Default 3. */
  readonly ackReplicas?: number;
  /** Valid answers a load collects before it takes the newest (a stale holder cannot hide a newer version alone). Default 3. */
  readonly quorum?: number;
}

export interface HouseStoreDeps {
  /** The player's DHT, reduced to the two calls houses need. */
  readonly dht: Pick<DhtNode, 'put' | 'get'>;
  readonly signer: Signer;
  /** Monotonic: latencies. */
  readonly clock: Clock;
  /** Unix-epoch ms: record expiry. */
  readonly wallClock: Clock;
}

export interface SaveResult {
  readonly house: House;
  /** Whether at least `ackReplicas` nodes hold this version: only then may the owner (or the harness) count on it. */
  readonly acknowledged: boolean;
  /** Nodes that hold it, of those it was sent to. */
  readonly holders: number;
  readonly targets: number;
  readonly latencyMs: number;
}

export interface LoadResult {
  /** The newest valid version the lookup found, or null. */
  readonly house: House | null;
  readonly latencyMs: number;
}

export interface HouseStore {
  /** Writes the next version of the owner's house in `slot` (version 1 first) and waits for the holders' answers. */
  save(slot: number, contents: Uint8Array): Promise<SaveResult>;
  /** Reads anyone's house: every answer was checked by the DHT against the house policy. */
  load(owner: Uint8Array, slot: number): Promise<LoadResult>;
  /** The last version this owner saved in `slot` (0: none). */
  versionOf(slot: number): number;
}

const DEFAULTS = { ttlMs: 24 * 3_600_000, ackReplicas: 3, quorum: 3 } as const;

/** A player's houses over its DHT (docs/storage.md, "Houses"). */
export function createHouseStore(config: HouseStoreConfig, deps: HouseStoreDeps): HouseStore {
  const { ttlMs, ackReplicas, quorum } = { ...DEFAULTS, ...config };
  for (const [name, v] of Object.entries({ ttlMs, ackReplicas, quorum })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`house store: ${name} must be a positive integer, got ${String(v)}`);
  }
  const owner = deps.signer.publicKey;
  const versions = new Array<number>(MAX_HOUSE_SLOTS).fill(0);
  return {
    async save(slot, contents) {
      houseSubject(owner, slot);
      const house: House = { owner, slot, version: (versions[slot] as number) + 1, contents };
      const record = houseRecord(house, deps.signer, deps.wallClock.nowMs() + ttlMs);
      versions[slot] = house.version;
      const start = deps.clock.nowMs();
      const result = await deps.dht.put(record);
      return { house, acknowledged: result.acked >= ackReplicas, holders: result.acked, targets: result.targets, latencyMs: deps.clock.nowMs() - start };
    },
    async load(of, slot) {
      const start = deps.clock.nowMs();
      const result = await deps.dht.get('house', houseSubject(of, slot), { quorum });
      return { house: result.record && readHouse(result.record), latencyMs: deps.clock.nowMs() - start };
    },
    versionOf(slot) {
      return versions[slot] ?? 0;
    },
  };
}
