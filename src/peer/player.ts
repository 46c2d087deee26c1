import {
  certificateRecordPolicies,
  certificateRecords,
  createIdentityVerifier,
  dhtCertificateSource,
  installAuthClient,
  keyCertificateMembership,
  type AuthClient,
  type AuthFailure,
  type GameKey,
  type IdentityVerifier,
  type KeyCertificate,
  type PaymentToken,
} from '../auth/index.js';
import { installComputeService, type ComputeService, type ComputeServiceConfig, type ComputeServiceDeps } from '../compute/index.js';
import type { Ed25519Backend } from '../crypto/index.js';
import { installDht, type DhtConfig, type DhtNode, type MembershipRefusal, type RecordPolicies } from '../dht/index.js';
import { installNeo, type NeoEndpoint } from '../neo/index.js';
import type { Endpoint, PeerNode, Transport } from '../net/index.js';
import type { Rng } from '../random/index.js';
import { areaPolicy, characterPolicy, housePolicy } from '../storage/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { zoneLeadersPolicy } from '../zones/index.js';
import { installCharacterServices, type CharacterServices, type CharacterServicesConfig, type CharacterServicesDeps } from './characters.js';
import { startPeerNode, type PeerNodeConfig, type PeerNodeDeps } from './node.js';

/**
 * A player's services on its peer (SPEC §3, §4): the DHT on the peer's socket (with the policies
 * of certificate records and of zone-leaders records, gated on authority key certificates), the
 * authority client, and the identity verifier fed by the DHT (first-contact checks: the group's
 * door). `join` is the join flow: register with the authority (once, with a payment token; it talks
 * to the authority directly, not through the DHT), bootstrap the DHT presenting the key
 * certificate just received (a node without one gets no routing-table slot), publish the
 * certificates in the DHT, check they are there and republish if not.
 */
export interface PlayerServicesConfig {
  readonly authority: { readonly endpoint: Endpoint; readonly publicKey: Uint8Array };
  readonly bootstrap: readonly Endpoint[];
  readonly dht?: DhtConfig;
  /** How long a verified identity is trusted before it is checked again. Default 60 s. */
  readonly identityCacheTtlMs?: number;
}

export interface PlayerServicesDeps {
  /** The shared monotonic clock (timers, request timeouts). */
  readonly clock: Clock;
  /** Unix-epoch ms: certificate and record expiry. */
  readonly wallClock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly rng: Rng;
  /** Where the DHT's lookup latencies go (DhtDeps.onLookupLatency): one recorder for a host's many players. */
  readonly onLookupLatency?: (kind: 'findNode' | 'findValue', latencyMs: number) => void;
  /**
   * The transport the DHT runs on, given the peer; the peer's own by default. The harness puts a
   * malicious holder's wrapper here (src/attacks), so the honest composition has no attack branch.
   */
  readonly dhtTransport?: (peer: PeerNode) => Transport;
  /** Told of each refusal of the DHT's membership gate (DhtDeps.onMembershipRefusal): the harness attributes them to its Sybils. */
  readonly onDhtRefusal?: (refusal: MembershipRefusal, nodeIdHex: string) => void;
}

export type EnterResult =
  | { readonly ok: true; readonly keyCertificate: KeyCertificate; readonly gameKey: GameKey }
  | { readonly ok: false; readonly reason: AuthFailure | 'dht-unreachable' };

export type JoinResult =
  | { readonly ok: true; readonly keyCertificate: KeyCertificate; readonly gameKey: GameKey; readonly republished: number }
  | { readonly ok: false; readonly reason: AuthFailure | 'dht-unreachable' };

export interface PlayerServices {
  readonly dht: DhtNode;
  readonly auth: AuthClient;
  readonly verifier: IdentityVerifier;
  /**
   * The first half of `join`: register with the authority (once), then bootstrap the DHT presenting
   * the key certificate. Done once; a failed attempt may be repeated. A population that forms its
   * overlay before anyone publishes (the identity swarm) enters everyone first.
   */
  enter(username: string, token: PaymentToken): Promise<EnterResult>;
  /** `enter` unless done already, then publish the certificates, check they are there and republish if not. */
  join(username: string, token: PaymentToken): Promise<JoinResult>;
  /** Checks the own certificates are in the DHT and republishes them if not; the count republished. */
  ensurePublished(): Promise<number>;
  /** Datagrams exchanged with the authority so far (both directions, retries included). */
  acMessages(): number;
  /** Graceful: hand the held records to the closest remaining nodes first. */
  close(graceful: boolean): Promise<void>;
}

/**
 * Every record type a player's DHT stores and reads, with its policy: the authority's certificates
 * and bans, the leaves' leader records, the owners' houses and character sections. The run's
 * bootstrap nodes apply the same, so whatever a player may store, any node may hold.
 */
export function playerRecordPolicies(authorityPublicKey: Uint8Array, ed25519: Pick<Ed25519Backend, 'verify'>): RecordPolicies {
  const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed25519.verify(s, m, k);
  return { ...certificateRecordPolicies(authorityPublicKey, ed25519), 'zone-leaders': zoneLeadersPolicy(verify), house: housePolicy(), 'player-data': characterPolicy(), 'zone-data': areaPolicy() };
}

export function startPlayerServices(peer: PeerNode, config: PlayerServicesConfig, deps: PlayerServicesDeps): PlayerServices {
  const ed25519 = peer.ed25519;
  const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed25519.verify(s, m, k);
  let certificates: { keyCertificate: KeyCertificate; gameKey: GameKey } | null = null;
  const dht = installDht(deps.dhtTransport?.(peer) ?? peer.transport, config.dht ?? {}, {
    clock: deps.clock,
    scheduler: deps.scheduler,
    rng: deps.rng,
    verify,
    policies: playerRecordPolicies(config.authority.publicKey, ed25519),
    wallClock: deps.wallClock,
    membership: keyCertificateMembership(config.authority.publicKey, ed25519, () => certificates?.keyCertificate ?? null),
    ...(deps.onLookupLatency ? { onLookupLatency: deps.onLookupLatency } : {}),
    ...(deps.onDhtRefusal ? { onMembershipRefusal: deps.onDhtRefusal } : {}),
  });
  const auth = installAuthClient(peer.transport, { authority: config.authority }, { ed25519 });
  const verifier = createIdentityVerifier(
    // A negative verdict is often transient (certificates still on their way into the DHT): re-asked after a second.
    { authorityPublicKey: config.authority.publicKey, cacheTtlMs: config.identityCacheTtlMs ?? 60_000, negativeCacheTtlMs: 1000 },
    { clock: deps.wallClock, ed25519, source: dhtCertificateSource(dht) },
  );

  const ensurePublished = async (): Promise<number> => {
    if (!certificates) return 0;
    const found = await dht.get('key-certificate', peer.publicKey);
    const keyFound = await dht.get('game-key', peer.publicKey);
    if (found.record && keyFound.record) return 0;
    const records = certificateRecords(peer.signer, certificates.keyCertificate, certificates.gameKey);
    await Promise.all(records.map((r) => dht.put(r)));
    return records.length;
  };

  const registerThenBootstrap = async (username: string, token: PaymentToken): Promise<EnterResult> => {
    // The key certificate first: it is the credential the DHT asks of its members.
    if (!certificates) {
      const reg = await auth.register(username, token);
      if (!reg.ok) return reg;
      certificates = { keyCertificate: reg.keyCertificate, gameKey: reg.gameKey };
    }
    const reached = await dht.bootstrap(config.bootstrap);
    if (reached.reached === 0 && config.bootstrap.length > 0) return { ok: false, reason: 'dht-unreachable' };
    return { ok: true, ...certificates };
  };
  let entered: Promise<EnterResult> | null = null;
  const enter = (username: string, token: PaymentToken): Promise<EnterResult> => {
    entered ??= registerThenBootstrap(username, token).then((result) => {
      if (!result.ok) entered = null;
      return result;
    });
    return entered;
  };

  return {
    dht,
    auth,
    verifier,
    enter,
    async join(username, token) {
      const entry = await enter(username, token);
      if (!entry.ok) return entry;
      await Promise.all(certificateRecords(peer.signer, entry.keyCertificate, entry.gameKey).map((r) => dht.put(r)));
      const republished = await ensurePublished();
      return { ok: true, keyCertificate: entry.keyCertificate, gameKey: entry.gameKey, republished };
    },
    ensurePublished,
    acMessages() {
      const c = auth.counters();
      return c.messagesSent + c.messagesReceived;
    },
    async close(graceful) {
      auth.close();
      if (graceful) await dht.leave();
      else dht.close();
    },
  };
}

/** Who a player is and where its socket binds, besides what its services need: plain data. */
export interface PlayerConfig extends PlayerServicesConfig {
  readonly bind: PeerNodeConfig;
  /** 32-byte Ed25519 seed of its long-term key; the harness derives it from the profile seed so runs repeat. */
  readonly identitySeed: Uint8Array;
  /** Its witnessed character's settings (witnesses, threshold, slack, the rule's gold limit); defaults where absent. */
  readonly characters?: CharacterServicesConfig;
  /** Its executor's and groups' exchange of game-process steps. */
  readonly compute?: ComputeServiceConfig;
}

/** A player's collaborators: its services' and its peer node's, and the hooks the harness injects. */
export interface PlayerDeps extends PlayerServicesDeps, Omit<PeerNodeDeps, 'identitySeed' | 'clock'> {
  /**
   * The transport NEO runs on, given the bound peer; the peer's own by default. The harness puts a
   * cheater's attack transport here, so the honest composition has no attack branch.
   */
  readonly neoTransport?: (peer: PeerNode) => Transport;
  /** The rule it witnesses others' characters by, given the game's (CharacterServicesDeps.witnessRule): a colluder's in the harness. */
  readonly witnessRule?: CharacterServicesDeps['witnessRule'];
  /** Whether an owner plays in this player's agreed view of a group session (CharacterServicesDeps.playsWith): the groups are composed after the player, by its host. */
  readonly playsWith?: CharacterServicesDeps['playsWith'];
  /** What it returns as an executor of game processes, given the honest step (ComputeServiceDeps.step): a colluding executor's in the harness. */
  readonly computeStep?: ComputeServiceDeps['step'];
  /** Outcomes its groups' coordinators announce (ComputeServiceDeps.onOutcome): its host hands them to its member of that group. */
  readonly onComputeOutcome?: ComputeServiceDeps['onOutcome'];
}

/** Everything a player runs on its one socket (startPlayer). */
export interface Player {
  readonly peer: PeerNode;
  readonly services: PlayerServices;
  /** Its witnessed character's services: keyring, witness service (owner and witness), door. */
  readonly characters: CharacterServices;
  /** Where the player's groups run their NEO sessions. */
  readonly neo: NeoEndpoint;
  /** Game processes: it runs the steps groups ask of it, and asks the executors its groups draw. */
  readonly compute: ComputeService;
  /** Stops the services (graceful: the DHT hands its records off first), then closes the socket. */
  close(graceful: boolean): Promise<void>;
}

/**
 * Composes a player (docs/architecture.md, "A player's services"): binds its peer node, starts its
 * services (DHT, authority client, identity verifier, join flow), installs NEO for its groups and
 * its witnessed-character services (every player is a witness of the characters whose witness key
 * it sits next to, and the owner of its own).
 * The harness's shards and `p2p-mmog peer` both start players here, so they run the same stack.
 */
export async function startPlayer(config: PlayerConfig, deps: PlayerDeps): Promise<Player> {
  const peer = await startPeerNode(config.bind, peerNodeDeps(config.identitySeed, deps));
  const services = await stopIfThrows(() => startPlayerServices(peer, config, deps), peer, null);
  const neo = await stopIfThrows(() => installNeo(deps.neoTransport?.(peer) ?? peer.transport), peer, services);
  const characters = await stopIfThrows(() => installCharacterServices(peer, services.dht, config.characters ?? {}, characterDeps(deps)), peer, services);
  const compute = await stopIfThrows(() => installComputeService(config.compute ?? {}, computeDeps(peer, deps)), peer, services);
  return { peer, services, neo, characters, compute, close: (graceful) => stopServicesThenSocket(peer, services, graceful) };
}

function characterDeps(deps: PlayerDeps): CharacterServicesDeps {
  const nonces = deps.rng.fork('character-keys');
  return { scheduler: deps.scheduler, clock: deps.clock, wallClock: deps.wallClock, randomBytes: (n) => nonces.bytes(n), ...(deps.witnessRule ? { witnessRule: deps.witnessRule } : {}), ...(deps.playsWith ? { playsWith: deps.playsWith } : {}) };
}

function computeDeps(peer: PeerNode, deps: PlayerDeps): ComputeServiceDeps {
  return { transport: peer.transport, signer: peer.signer, verify: (s, m, k) => peer.ed25519.verify(s, m, k), scheduler: deps.scheduler, clock: deps.clock, ...(deps.computeStep ? { step: deps.computeStep } : {}), ...(deps.onComputeOutcome ? { onOutcome: deps.onComputeOutcome } : {}) };
}

/** One step of a start: a socket bound for a start that failed (a hook rejecting its arguments, say) must not outlive it. */
async function stopIfThrows<T>(step: () => T, peer: PeerNode, services: PlayerServices | null): Promise<T> {
  try {
    return step();
  } catch (error) {
    await stopServicesThenSocket(peer, services, false);
    throw error;
  }
}

function peerNodeDeps(identitySeed: Uint8Array, deps: PlayerDeps): PeerNodeDeps {
  return { identitySeed, clock: deps.clock, ed25519: deps.ed25519, shaping: deps.shaping, onHandlerError: deps.onHandlerError };
}

/** The services first: a graceful DHT leave hands its records off over the socket. */
async function stopServicesThenSocket(peer: PeerNode, services: PlayerServices | null, graceful: boolean): Promise<void> {
  try {
    await services?.close(graceful);
  } finally {
    await peer.close();
  }
}
