import { emptySybilFigures, sybilIdentitySeed, sybilMembership, SYBIL_HOUSE_SLOT, type SybilFigures } from '../attacks/index.js';
import type { Ed25519Backend } from '../crypto/index.js';
import { installDht, type DhtNode } from '../dht/index.js';
import type { Endpoint, PeerNode } from '../net/index.js';
import { startPeerNode } from '../peer/index.js';
import { createHouseStore, housePolicy } from '../storage/index.js';
import type { ShardComponentDeps } from './shard-component.js';

/** Versions of its house each Sybil tries to store, one a second from its join on. */
export const SYBIL_HOUSE_VERSIONS = 3;
const SYBIL_VERSION_EVERY_MS = 1000;
/** As players' (workers/shard.ts): loopback answers well within it. */
const SYBIL_DHT_TIMEOUT_MS = 600;
const SYBIL_HOUSE_BYTES = 64;

export interface ShardSybilsDeps extends ShardComponentDeps {
  readonly runSeed: number;
  readonly ed25519: Ed25519Backend;
  /** The run's bootstrap nodes: the way into the players' DHT. */
  readonly bootstrap: readonly Endpoint[];
}

/** One storage attack of the profile as the shard hosting it receives it: for each node, the credential it presents (null: none). */
export interface SybilLaunch {
  readonly attack: number;
  readonly credentials: readonly (Uint8Array | null)[];
}

export interface ShardSybils {
  /** Starts the attack's nodes: bind, bootstrap into the run's DHT, then save their houses. */
  launch(launch: SybilLaunch): Promise<void>;
  /** What the shard's Sybils did so far, from their own DHTs' counters. */
  figures(): SybilFigures;
  close(): Promise<void>;
}

interface Sybil {
  readonly peer: PeerNode;
  readonly dht: DhtNode;
  readonly forged: boolean;
  houseVersions: number;
}

/**
 * The Sybil nodes a worker shard hosts (docs/attacks.md, "dht-sybil"). A Sybil runs an ordinary DHT
 * node (honest code) whose membership presents a bad credential or none and believes everyone: the
 * attack is only who it is. It bootstraps through the run's bootstrap nodes, which answer its reads
 * (a joining node must be able to), so it learns and asks honest players; then it puts its house.
 */
export function createShardSybils(deps: ShardSybilsDeps): ShardSybils {
  const sybils: Sybil[] = [];
  let closed = false;

  const start = async (attack: number, node: number, credential: Uint8Array | null): Promise<Sybil> => {
    const identitySeed = sybilIdentitySeed(deps.runSeed, attack, node);
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed, ed25519: deps.ed25519, clock: deps.clock });
    const membership = sybilMembership(credential);
    const dht = installDht(peer.transport, { requestTimeoutMs: SYBIL_DHT_TIMEOUT_MS }, {
      clock: deps.clock,
      scheduler: deps.scheduler,
      rng: deps.rng.fork(`sybil-dht:${attack}:${node}`),
      verify: (s, m, k) => deps.ed25519.verify(s, m, k),
      policies: { house: housePolicy() },
      wallClock: deps.wallClock,
      ...(membership ? { membership } : {}),
    });
    const sybil: Sybil = { peer, dht, forged: credential !== null, houseVersions: 0 };
    sybils.push(sybil);
    return sybil;
  };

  /** Its house, version after version: each put asks the closest honest nodes to hold it. */
  const saveHouses = (sybil: Sybil, attack: number, node: number) => {
    const store = createHouseStore({}, { dht: sybil.dht, signer: sybil.peer.signer, clock: deps.clock, wallClock: deps.wallClock });
    const save = (version: number) => {
      if (closed || version > SYBIL_HOUSE_VERSIONS) return;
      sybil.houseVersions++;
      store.save(SYBIL_HOUSE_SLOT, deps.rng.fork(`sybil-house:${attack}:${node}:${version}`).bytes(SYBIL_HOUSE_BYTES)).catch((e: unknown) => closed || deps.onError(e));
      deps.scheduler.schedule(deps.clock.nowMs() + SYBIL_VERSION_EVERY_MS, () => save(version + 1));
    };
    save(1);
  };

  return {
    async launch({ attack, credentials }) {
      await Promise.all(
        credentials.map(async (credential, node) => {
          if (closed) return;
          const sybil = await start(attack, node, credential);
          await sybil.dht.bootstrap(deps.bootstrap);
          if (!closed) saveHouses(sybil, attack, node);
        }),
      );
    },
    figures() {
      const f: { -readonly [K in keyof SybilFigures]: number } = emptySybilFigures();
      for (const s of sybils) {
        const c = s.dht.stats().counters;
        f.nodes++;
        if (s.forged) f.forgedNodes++;
        f.requests += c.requestsSent;
        f.storesSent += c.storesSent;
        f.storesAcked += c.storesAcked;
        f.houseVersions += s.houseVersions;
      }
      return f;
    },
    async close() {
      closed = true;
      for (const s of sybils) s.dht.close();
      await Promise.all(sybils.map((s) => s.peer.close()));
    },
  };
}
