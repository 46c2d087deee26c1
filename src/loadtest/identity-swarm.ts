import {
  GameKeyType,
  KeyCertificateType,
  PaymentTokenType,
  decodeCertificate,
  dhtCertificateSource,
  systemWallClock,
  verifyCertificate,
  type PaymentToken,
} from '../auth/index.js';
import { startIdentityInfrastructure } from '../controller/identity.js';
import { createEd25519, equalBytes } from '../crypto/index.js';
import { sumDhtStats, type DhtConfig, type DhtStats } from '../dht/index.js';
import { createLatencyHistogram, type LatencyHistogram, type LatencySummary } from '../metrics/index.js';
import { createRng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import { createTimerQueue } from '../time/timer-queue.js';
import { startPlayer, type Player as PeerPlayer } from '../peer/index.js';
import { churnIntervalMs, handlerErrorLog, runChurnWorkload } from './population.js';

/**
 * Issue 5's figure on real loopback UDP (SPEC §3, §4): a real authority (temp SQLite file), the
 * payment stand-in and DHT bootstrap nodes (`startIdentityInfrastructure`, as the controller runs
 * them), then a population of players that each join — register with the authority, publish
 * their certificates in the DHT, check them — and look each other up through the DHT while
 * players crash (DHT and socket closed, no hand-off) and as many new ones join. A lookup is a
 * random joined live player fetching a random registered player's certificates with
 * `dhtCertificateSource(dht).fetch(key)`; it succeeds only if the key certificate and the game key
 * verify under the authority key, name that player's key and id, and the game key has not
 * expired. Used by `npm run bench:identity` and the integration test.
 */
export interface IdentitySwarmOptions {
  readonly peers: number;
  /** The run's seed: identities, the authority's key, the payment tokens and the workload derive from it. */
  readonly seed: number;
  /** The players' DHT configuration (the bootstrap nodes keep the defaults). */
  readonly dht?: DhtConfig;
  /** How long lookups and churn run after the initial population has joined. */
  readonly durationMs: number;
  /** Crash leaves per minute as a fraction of the initial population; as many players join. */
  readonly churnPerMinute: number;
  readonly lookupsPerSecond: number;
  /** Initial players joining at once. Default 10. */
  readonly joinWave?: number;
  /**
   * How the initial population joins. 'overlay-first' (default): every player first enters
   * (registers, then bootstraps its DHT node with its key certificate, which the DHT asks of its
   * members), then each publishes and checks its certificates in the formed overlay, as a newcomer
   * to a running game does. 'burst': each runs the whole join flow at once, so the first waves
   * publish their certificates into an overlay of a few nodes and the records reach their final k
   * closest nodes by join-time transfers and republishing.
   */
  readonly initialJoin?: 'overlay-first' | 'burst';
  /** Called about once a second with progress. */
  readonly onProgress?: (progress: IdentitySwarmProgress) => void;
}

export interface IdentitySwarmProgress {
  readonly elapsedMs: number;
  /** Joined players alive now. */
  readonly live: number;
  readonly lookups: number;
  readonly successes: number;
  readonly crashes: number;
  /** Players that joined during the run (the initial population excluded). */
  readonly joins: number;
}

export interface IdentityLookupFailure {
  readonly targetAlive: boolean;
  /** What was missing or wrong in the fetched bundle. */
  readonly reason: 'no-key-certificate' | 'bad-key-certificate' | 'no-game-key' | 'bad-game-key' | 'expired' | 'error';
}

export interface IdentitySwarmResult extends IdentitySwarmProgress {
  readonly successRate: number;
  /** Lookups whose target had crashed by then, and how many of those succeeded. */
  readonly lookupsOfDeparted: number;
  readonly successesOfDeparted: number;
  readonly failures: readonly IdentityLookupFailure[];
  /** Successful lookups, start to verified bundle (three DHT gets in parallel: key certificate, game key, ban). */
  readonly latencyMs: LatencySummary;
  readonly latencyHistogram: LatencyHistogram;
  /** Players whose join completed (registered, certificates published and checked). */
  readonly registrations: number;
  readonly joinFailures: readonly string[];
  /** The authority's own count of accounts created. */
  readonly authorityRegistrations: number;
  /** Certificate records republished by `join`'s check (not found right after publishing). */
  readonly republished: number;
  /** Initial population: time for all of it to join (the overlay's bootstrap included). */
  readonly initialJoinMs: number;
  /** Datagrams to and from the authority after each player's join, per player-minute after join. */
  readonly acMessagesAfterJoin: number;
  readonly playerMinutesAfterJoin: number;
  readonly acMessagesPerPlayerMinute: number;
  /** Summed over every player that ever ran (departed ones at their departure) and the bootstrap nodes. */
  readonly dht: DhtStats;
  readonly timerLatenessMs: LatencySummary;
  /** Transport handler errors of the players, and authority internal errors. */
  readonly handlerErrors: readonly string[];
}

/** A player of the swarm: what startPlayer composed, and the swarm's bookkeeping. */
interface Player extends PeerPlayer {
  readonly index: number;
  /** Set once `join` succeeded. */
  playerId: bigint | null;
  joinedAtMs: number;
  acAtJoin: number;
  alive: boolean;
}

const EXTRA_TOKENS = 4;

export async function runIdentitySwarm(options: IdentitySwarmOptions): Promise<IdentitySwarmResult> {
  const clock = systemClock;
  const wallClock = systemWallClock;
  const root = createRng(options.seed).fork('identity-swarm');
  const pick = root.fork('workload');
  const churnEveryMs = churnIntervalMs(options.churnPerMinute, options.peers);
  const maxJoins = Number.isFinite(churnEveryMs) ? Math.ceil(options.durationMs / churnEveryMs) : 0;
  const infra = await startIdentityInfrastructure(options.seed, options.peers + maxJoins + EXTRA_TOKENS);
  const authorityKey = infra.task.authority.publicKey;
  const ed25519 = createEd25519('native');

  const lateness = createLatencyHistogram();
  const scheduler = createTimerQueue({ clock, onLateness: (ms) => lateness.recordMs(ms) });
  const { lines: handlerErrors, record: onHandlerError } = handlerErrorLog(100);
  const joinFailures: string[] = [];
  const all: Player[] = [];
  const live: Player[] = [];
  /** Joined players, departed ones included: the lookup targets. */
  const registered: Player[] = [];
  const departedStats: DhtStats[] = [];
  let acMessagesAfterJoin = 0;
  let playerMsAfterJoin = 0;
  let republished = 0;
  let spawned = 0;
  const counts = { lookups: 0, successes: 0, crashes: 0, joins: 0, lookupsOfDeparted: 0, successesOfDeparted: 0 };

  const tokenFor = (index: number): PaymentToken | null => {
    const bytes = infra.task.tokens.get(index);
    return bytes ? decodeCertificate(PaymentTokenType, bytes) : null;
  };

  const spawn = async (): Promise<Player> => {
    const index = spawned++;
    const started = await startPlayer(
      {
        bind: { host: '127.0.0.1', port: 0 },
        identitySeed: root.fork('identity').fork(`player:${index}`).bytes(32),
        authority: infra.task.authority,
        bootstrap: infra.task.bootstrap,
        ...(options.dht ? { dht: options.dht } : {}),
      },
      { ed25519, clock, wallClock, scheduler, rng: root.fork(`dht:${index}`), onHandlerError },
    );
    const player: Player = { ...started, index, playerId: null, joinedAtMs: 0, acAtJoin: 0, alive: true };
    all.push(player);
    live.push(player);
    return player;
  };

  const username = (player: Player) => `player-${options.seed}-${player.index}`;

  /** The first half of the join flow (`PlayerServices.enter`): register, bootstrap; a failure shows in `join`, which tries again. */
  const enter = async (player: Player): Promise<void> => {
    const token = tokenFor(player.index);
    if (token) await player.services.enter(username(player), token);
  };

  /** The join flow (`PlayerServices.join`): register, bootstrap (unless entered), publish, check. */
  const join = async (player: Player): Promise<void> => {
    const token = tokenFor(player.index);
    const result = token ? await player.services.join(username(player), token) : ({ ok: false, reason: 'no-token' } as const);
    if (!result.ok) {
      joinFailures.push(`player ${player.index}: ${result.reason}`);
      return;
    }
    if (!player.alive) return;
    player.playerId = result.keyCertificate.playerId;
    player.joinedAtMs = clock.nowMs();
    player.acAtJoin = player.services.acMessages();
    republished += result.republished;
    registered.push(player);
  };

  /** A crash: DHT stopped, socket closed, no hand-off and no goodbye. */
  const crash = async (player: Player) => {
    player.alive = false;
    live.splice(live.indexOf(player), 1);
    if (player.playerId !== null) {
      acMessagesAfterJoin += player.services.acMessages() - player.acAtJoin;
      playerMsAfterJoin += clock.nowMs() - player.joinedAtMs;
    }
    await player.close(false);
    // After the socket closed, so lookups the close cut short have settled as abandoned.
    departedStats.push(player.services.dht.stats());
  };

  const lookup = async () => {
    const readers = live.filter((p) => p.playerId !== null);
    if (readers.length === 0 || registered.length < 2) return;
    const reader = pick.pick(readers);
    let target = pick.pick(registered);
    while (target === reader) target = pick.pick(registered);
    const targetKey = target.peer.publicKey;
    const startedAt = clock.nowMs();
    let failure: IdentityLookupFailure['reason'] | null = null;
    try {
      const bundle = await dhtCertificateSource(reader.services.dht).fetch(targetKey);
      const kc = bundle.keyCertificate;
      const gk = bundle.gameKey;
      if (!kc) failure = 'no-key-certificate';
      else if (kc.playerId !== target.playerId || !equalBytes(kc.publicKey, targetKey) || !verifyCertificate(KeyCertificateType, kc, authorityKey, ed25519)) failure = 'bad-key-certificate';
      else if (!gk) failure = 'no-game-key';
      else if (gk.playerId !== kc.playerId || !verifyCertificate(GameKeyType, gk, authorityKey, ed25519)) failure = 'bad-game-key';
      else if (gk.expiresAtMs <= BigInt(Math.floor(wallClock.nowMs()))) failure = 'expired';
    } catch (e) {
      failure = 'error';
      onHandlerError(e, 'lookup');
    }
    // A lookup the reader's own crash cut short is neither a success nor a failure.
    if (!reader.alive) return;
    counts.lookups++;
    const targetAlive = target.alive;
    if (!targetAlive) counts.lookupsOfDeparted++;
    if (failure === null) {
      counts.successes++;
      if (!targetAlive) counts.successesOfDeparted++;
      latency.recordMs(clock.nowMs() - startedAt);
    } else {
      failures.push({ targetAlive, reason: failure });
    }
  };

  const failures: IdentityLookupFailure[] = [];
  const latency = createLatencyHistogram();

  try {
    // Initial population, in waves. With 'overlay-first' the players first enter (register and
    // bootstrap their DHT nodes: the overlay forms), then publish; with 'burst' each runs the
    // whole join flow at once, so the first waves publish into an overlay of a few nodes.
    const joinStart = clock.nowMs();
    const wave = options.joinWave ?? 10;
    const initial: Player[] = [];
    for (let i = 0; i < options.peers; i++) initial.push(await spawn());
    const waves = (fn: (p: Player) => Promise<unknown>) => async () => {
      for (let i = 0; i < initial.length; i += wave) await Promise.all(initial.slice(i, i + wave).map(fn));
    };
    if ((options.initialJoin ?? 'overlay-first') === 'overlay-first') await waves(enter)();
    await waves(join)();
    const initialJoinMs = clock.nowMs() - joinStart;

    const start = clock.nowMs();
    const progress = (): IdentitySwarmProgress => ({
      elapsedMs: clock.nowMs() - start,
      live: live.filter((p) => p.playerId !== null).length,
      lookups: counts.lookups,
      successes: counts.successes,
      crashes: counts.crashes,
      joins: counts.joins,
    });

    const churn = () => {
      const candidates = live.filter((p) => p.playerId !== null);
      if (candidates.length === 0) return;
      counts.crashes++;
      counts.joins++;
      return crash(pick.pick(candidates)).then(async () => join(await spawn()));
    };
    await runChurnWorkload(
      { startMs: start, durationMs: options.durationMs, churnEveryMs, operationEveryMs: 1000 / options.lookupsPerSecond, churn, operation: lookup, everySecond: () => options.onProgress?.(progress()) },
      { clock },
    );
    const final = progress();

    const now = clock.nowMs();
    for (const p of live) {
      if (p.playerId === null) continue;
      acMessagesAfterJoin += p.services.acMessages() - p.acAtJoin;
      playerMsAfterJoin += now - p.joinedAtMs;
    }
    const dht = sumDhtStats([...departedStats, ...live.map((p) => p.services.dht.stats()), ...infra.bootstrap.map((n) => n.stats())]);
    const authority = infra.authority.counters();
    if (authority.internalErrors > 0) handlerErrors.push(`authority: ${authority.internalErrors} internal errors`);
    const playerMinutesAfterJoin = playerMsAfterJoin / 60_000;
    return {
      ...final,
      successRate: counts.lookups === 0 ? 0 : counts.successes / counts.lookups,
      lookupsOfDeparted: counts.lookupsOfDeparted,
      successesOfDeparted: counts.successesOfDeparted,
      failures,
      latencyMs: latency.summary(),
      latencyHistogram: latency,
      registrations: registered.length,
      joinFailures,
      authorityRegistrations: authority.registrations,
      republished,
      initialJoinMs,
      acMessagesAfterJoin,
      playerMinutesAfterJoin,
      acMessagesPerPlayerMinute: playerMinutesAfterJoin > 0 ? acMessagesAfterJoin / playerMinutesAfterJoin : 0,
      dht,
      timerLatenessMs: lateness.summary(),
      handlerErrors,
    };
  } finally {
    await Promise.all(live.map((p) => p.close(false)));
    scheduler.close();
    await infra.close();
  }
}
