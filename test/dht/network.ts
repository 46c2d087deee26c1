import { createEd25519, type Ed25519Backend } from '../../src/crypto/index.js';
import { installDht, ownerWriterPolicy, signRecord, type DhtConfig, type DhtNode, type DhtRecord, type RecordPolicies } from '../../src/dht/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng, type Rng } from '../../src/random/index.js';
import { systemClock, type Clock } from '../../src/time/clock.js';
import { createTimerQueue, type TimerQueue } from '../../src/time/timer-queue.js';

/** A member crashes: its DHT stops and its socket closes, nobody is told; it is taken out of `live`. */
export async function crash(m: Member, live: Member[]): Promise<void> {
  live.splice(live.indexOf(m), 1);
  m.dht.close();
  await m.peer.close();
}

/** One DHT node on its own real loopback socket. */
export interface Member {
  readonly peer: PeerNode;
  readonly dht: DhtNode;
  readonly index: number;
}

export interface TestNetwork {
  readonly members: Member[];
  readonly ed25519: Ed25519Backend;
  readonly scheduler: TimerQueue;
  readonly rng: Rng;
  readonly handlerErrors: string[];
  /** Starts one more member (not bootstrapped). */
  spawn(config?: DhtConfig): Promise<Member>;
  /** Closes every member's DHT and socket, and the scheduler. */
  close(): Promise<void>;
}

export const policies: RecordPolicies = { 'player-data': ownerWriterPolicy(), house: ownerWriterPolicy() };

/**
 * Real peers (startPeerNode: real UDP, real Ed25519) with one shared timer queue, as a thread of
 * the harness would host them. Identities come from `seed`, so runs repeat.
 */
export async function createNetwork(options: { seed: string; config?: DhtConfig; policies?: RecordPolicies; clock?: Clock }): Promise<TestNetwork> {
  const clock = options.clock ?? systemClock;
  const ed25519 = createEd25519('native');
  const scheduler = createTimerQueue({ clock });
  const rng = createRng(options.seed);
  const identities = rng.fork('identities');
  const handlerErrors: string[] = [];
  const members: Member[] = [];
  let next = 0;
  const network: TestNetwork = {
    members,
    ed25519,
    scheduler,
    rng,
    handlerErrors,
    async spawn(config) {
      const index = next++;
      const peer = await startPeerNode(
        { host: '127.0.0.1', port: 0 },
        { identitySeed: identities.bytes(32), ed25519, clock, onHandlerError: (e, kind) => handlerErrors.push(`${kind}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`) },
      );
      const dht = installDht(peer.transport, config ?? options.config ?? {}, {
        clock,
        scheduler,
        rng: rng.fork(`dht:${index}`),
        verify: (sig, msg, pk) => ed25519.verify(sig, msg, pk),
        policies: options.policies ?? policies,
      });
      const member = { peer, dht, index };
      members.push(member);
      return member;
    },
    async close() {
      for (const m of members) m.dht.close();
      await Promise.all(members.map((m) => m.peer.close()));
      scheduler.close();
    },
  };
  return network;
}

/** Starts `n` members; each bootstraps from the first `seeds` (the first one from nobody). */
export async function startNetwork(n: number, options: { seed: string; config?: DhtConfig; seeds?: number; policies?: RecordPolicies }): Promise<TestNetwork> {
  const network = await createNetwork(options);
  for (let i = 0; i < n; i++) await network.spawn();
  const seeds = network.members.slice(0, options.seeds ?? 3).map((m) => m.dht.contact);
  // The seeds first (so they know each other), then everyone else a few at a time, as peers would arrive.
  for (const m of network.members.slice(0, seeds.length)) await m.dht.bootstrap(seeds.filter((s) => s !== m.dht.contact));
  const rest = network.members.slice(seeds.length);
  for (let i = 0; i < rest.length; i += 10) await Promise.all(rest.slice(i, i + 10).map((m) => m.dht.bootstrap(seeds)));
  return network;
}

/** A player-data record owned by the member's own key (subject = public key). */
export function playerRecord(member: Member, seq: bigint, value: Uint8Array, ttlMs = 3_600_000): DhtRecord {
  return signRecord({ type: 'player-data', subject: member.peer.publicKey, seq, expiresAtMs: BigInt(Date.now() + ttlMs), value }, member.peer.signer);
}
