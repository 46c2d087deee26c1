/**
 * A piscina task hosting one shard of peers for the life of a run: its groups on real sockets, a
 * timer queue of its own, the schedule's spawns and leaves as the controller sends them, telemetry
 * to the controller once a second.
 */
import { createAttackLedger, createAttackTransport, createCollusion, createSanctioner, type AttackSpec, type Collusion } from '../src/attacks/index.js';
import { KeyCertificateType, PaymentTokenType, decodeCertificate, encodeCertificate, systemWallClock, type GameKey, type KeyCertificate } from '../src/auth/index.js';
import type { ShardAuthFigures, ShardCommand, ShardDhtFigures, ShardGroup, ShardGroupEvent, ShardMessage, ShardResult, ShardSample, ShardTask, ShardTraffic, UpdateCounts } from '../src/controller/contract.js';
import { createEd25519, equalBytes, toHex } from '../src/crypto/index.js';
import { countDivergentReplicas, createFounder, createJoiner, type GroupConfig, type GroupEvent, type GroupMember, type GroupSeat, type GroupView, type ReplicaAtEnd } from '../src/groups/index.js';
import { sumDhtStats } from '../src/dht/index.js';
import { createEventLoopMonitor, createLatencyHistogram, createTaggedLatency, type LatencyHistogram } from '../src/metrics/index.js';
import { NEO_COUNTERS, type NeoCounter } from '../src/neo/index.js';
import { createDeferredShaper, createLinkShaper, endpointId, readSocketDrops, type DeferredShaper } from '../src/net/index.js';
import { startPlayer, type PeerNode, type Player as PeerPlayer } from '../src/peer/index.js';
import { createRng } from '../src/random/index.js';
import { createSteer, DISPERSE_LEG_ROUNDS } from '../src/scenario/movement.js';
import { expandPeerSet, shapingForMembers } from '../src/scenario/profile.js';
import { MAX_TAG_PAIRS, tagSpaceForProfile } from '../src/scenario/tags.js';
import { monotonicNowMs, systemClock, type Clock } from '../src/time/clock.js';
import { createTimerQueue } from '../src/time/timer-queue.js';
import { START_HP } from '../src/game/index.js';
import { regionRect } from '../src/scenario/world.js';
import { createZoneEventTracker, type ZoneEventSpec } from '../src/controller/zone-events.js';
import { createShardHouses } from '../src/controller/shard-houses.js';
import { createShardCharacters, type CharacterOwner } from '../src/controller/shard-characters.js';
import type { OwnerGroup } from '../src/storage/index.js';
import { createShardCharacterAttacks, type HostedPlayer } from '../src/controller/character-attacks.js';
import { createShardAreas, type Place } from '../src/controller/shard-areas.js';
import { createShardEngagements, type Fighter } from '../src/controller/shard-engagements.js';
import { createShardStorageAttacks } from '../src/controller/shard-storage-attacks.js';
import { createShardCompute, type ComputeHost, type OutcomeVoter } from '../src/controller/shard-compute.js';
import { createLocalDirectory, createZonePlayer, leafKey, zoneAndNested, zoneOf, type WorldDefinition, type RunSchedule, type ZoneDirectory, type ZoneEvent, type ZonePlayer } from '../src/zones/index.js';

/** A player as the shard hosts it: what startPlayer composed, and the shard's bookkeeping. */
interface Player extends PeerPlayer {
  readonly id: number;
  readonly group: number;
  member: GroupMember | null;
  closed: boolean;
  /** When the join flow finished (shared clock) and how many AC datagrams it took; null until then. */
  joinedAtMs: number | null;
  acMessagesAtJoin: number;
  closedAtMs: number | null;
  /** Told to leave while still in its join flow: it stops there instead of joining. */
  leaveRequested: boolean;
  /** Cheats (an attack transport under its NEO endpoint). */
  readonly attacker: boolean;
  /** A malicious DHT node (storage.maliciousHolders): it keeps no houses. */
  readonly maliciousHolder: boolean;
  /** Its tags (src/scenario/tags.ts) as a mask, and the indexes of the named ones it carries. */
  readonly tagMask: number;
  readonly namedTags: readonly number[];
  credentials: { keyCertificate: KeyCertificate; gameKey: GameKey } | null;
}

interface HostedGroup {
  readonly plan: ShardGroup;
  readonly sessionId: Uint8Array;
  readonly shaper: DeferredShaper;
}

/**
 * Players' DHT request timeout: loopback plus the profiles' shaped delays answer well within it,
 * and a first-contact check that meets a crashed node waits this long, not the DHT's default 1 s.
 */
const PLAYER_DHT_TIMEOUT_MS = 600;

/**
 * How soon a group asks again an executor that has not answered: a few round trips of the profiles'
 * shaped links, so a lost datagram costs a step about this much (the service's default, 500 ms,
 * made every lost answer a 500 ms step).
 */
const PLAYER_COMPUTE_RETRY_MS = 200;

/** How long an impostor keeps asking to be admitted. */
const IMPOSTOR_GIVES_UP_AFTER_ROUNDS = 50;

/** When the founders check their certificates are still findable (see 'start'), spread over a window. */
const RECHECK_AFTER_START_MS = 3000;
const RECHECK_SPREAD_MS = 10_000;

/** The golden ratio's fractional part: multiples of it mod 1 are spread about evenly however many there are. */
const GOLDEN_FRACTION = 0.6180339887498949;

/** Over this many rounds the founders' groups start, a few at a time (see firstRoundOffsetMs). */
const START_RAMP_ROUNDS = 20;

/**
 * When a founding group plays its round 0, after the start signal. Every member of a group starts
 * its rounds at the same instant (NEO needs that), but groups must not (docs/harness.md):
 * - a phase in the round, a golden-ratio share of R: groups in phase made every member of a shard
 *   sign, seal and send at once, ten times a second, bursts that made timers late while the threads
 *   were half idle;
 * - a whole number of rounds, so the groups start a few at a time over START_RAMP_ROUNDS: all
 *   starting in the same second made that second the run's heaviest (code not yet compiled by the
 *   JIT, every member's first messages at once, late timers, fetches for what was merely late,
 *   members evicted for it). Later groups simply finish as much later.
 */
function firstRoundOffsetMs(groupIndex: number, groupsTotal: number, roundMs: number): number {
  const ramp = Math.floor((groupIndex * START_RAMP_ROUNDS) / Math.max(1, groupsTotal));
  return goldenShareMs(groupIndex, roundMs) + ramp * roundMs;
}

/** A deterministic offset in [0, windowMs) for the index-th of anything (a group's phase, a player's chore), spread about evenly. */
function goldenShareMs(index: number, windowMs: number): number {
  return Math.floor(((index * GOLDEN_FRACTION) % 1) * windowMs);
}

/** The last engagement starts this long before the end, so its key exchange ends inside the run. */
const ENGAGEMENTS_END_BEFORE_S = 4;

/** Game world side in tiles (src/game default). */
const WORLD_SIZE = 64;

export default async function runShard(task: ShardTask): Promise<ShardResult> {
  // On an agent on another machine the run's times are the controller's clock, not this one's (docs/agents.md).
  const offsetMs = task.clockOffsetMs ?? 0;
  const clock: Clock = offsetMs === 0 ? systemClock : { nowMs: () => monotonicNowMs() + offsetMs };
  const ed25519 = createEd25519('native');
  const root = createRng(task.seed);
  // Samples go into the second's histograms only; the run's are the seconds merged once a second
  // (one record per sample rather than two: a timer item and a playout each record one).
  const lateness = createLatencyHistogram();
  let latenessInterval = createLatencyHistogram();
  const scheduler = createTimerQueue({ clock, onLateness: (ms) => latenessInterval.recordMs(ms) });
  const playout = createLatencyHistogram();
  let playoutInterval = createLatencyHistogram();
  // The same samples kept by group, by the sender's and receiver's tags and by receiver, for
  // sub-metrics and "who suffers"; the named tags' also per second, for their latency-over-time lines.
  const tags = tagSpaceForProfile(task.profile, expandPeerSet);
  const tagged = createTaggedLatency({ maxPairs: MAX_TAG_PAIRS });
  const tagIntervals = tags.names.map(() => createLatencyHistogram());
  // One histogram for every player's DHT lookups: per-player histograms cost 172 KB each.
  const dhtLatency = createLatencyHistogram();
  const onLookupLatency = (_kind: 'findNode' | 'findValue', ms: number) => dhtLatency.recordMs(ms);
  const post = (m: ShardMessage) => task.port.postMessage(m);
  const handlerErrors: string[] = [];
  const onHandlerError = (error: unknown, kind: string) => handlerErrors.push(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  /**
   * What each harness component of the shard is given: the clocks, the timer queue, its own stream
   * of the seed, and an error hook that reports under its name (and stays quiet while the shard shuts down).
   */
  const componentDeps = (stream: string, errorsAs = stream) => ({
    clock,
    wallClock: systemWallClock,
    scheduler,
    rng: root.fork(stream),
    onError: (e: unknown) => shuttingDown || onHandlerError(e, errorsAs),
  });
  const rounds = task.neo.rounds;
  // A world of zones (src/zones): its groups share its coordinates and one directory of leaves.
  const world = task.profile.world ?? null;
  const worldSize = world ? Math.max(world.width, world.height) : WORLD_SIZE;
  const directory = world ? createLocalDirectory(world) : null;
  const quadtree = world ? { splits: 0, merges: 0, handovers: 0, founded: 0, handoverGaps: {} as Record<string, number>, aoiKnown: 0, aoiExisting: 0 } : null;
  // Zone-wide events of the regions this shard hosts (a region's groups are all here).
  const hostedRegions = new Set(task.groups.flatMap((g) => (g.leaf ? [g.leaf.region] : [])));
  const zoneEventSpecs = world ? (task.profile.world?.events ?? []).filter((e) => world.zones.some((top, region) => hostedRegions.has(region) && zoneAndNested(world, top.id).has(e.zone))) : [];
  const zoneEvents = world && directory && zoneEventSpecs.length > 0 ? createZoneEventTracker(world, directory) : null;
  // The shard's groups of a world exchange players, so their links are shaped by one shaper over all of them.
  const worldShaper = world ? createDeferredShaper() : null;
  const groupConfig = (g: ShardGroup): GroupConfig => ({
    seats: task.neo.seats,
    gameSeed: `${task.seed}/group/${g.groupIndex}`,
    neo: {
      roundMs: task.neo.roundMs,
      lastRound: rounds - 1,
      pipelineDepth: task.neo.pipelineDepth,
      stateHashEvery: task.neo.stateHashEvery,
      maxWaitRounds: task.neo.maxWaitRounds,
      ...(task.neo.adaptation ? { adaptation: task.neo.adaptation } : {}),
    },
    evictAfterRounds: task.neo.evictAfterRounds,
    authorityPublicKey: task.identity.authority.publicKey,
    ...(world ? { worldSize } : {}),
  });

  const ledger = createAttackLedger();
  const attackSpecs = new Map(task.attacks.map((a) => [a.player, a.specs]));
  // Colluders of a group share one collusion; profiles keep colluders in one group, so in one shard.
  const collusions = new Map<number, Collusion>();
  const collusionOf = (group: number) => {
    let c = collusions.get(group);
    if (!c) collusions.set(group, (c = createCollusion()));
    return c;
  };
  const players = new Map<number, Player>();
  /** By socket port: a playout names its sender by its seat in the view (GroupSeat). */
  const playersByPort = new Map<number, Player>();
  const groups = new Map<number, HostedGroup>();
  const allPlayers: Player[] = [];
  const events: ShardGroupEvent[] = [];
  let pendingEvents: ShardGroupEvent[] = [];
  const groupTotals = { viewChanges: 0, admitted: 0, leaves: 0, removals: 0, elections: 0, leaderFailovers: {} as Record<string, number> };
  const reportedViews = new Set<string>();

  /** A cheater is an honest member over a lying transport: its NEO endpoint sees only what the attack lets through. */
  const attackTransport = (specs: readonly AttackSpec[], group: HostedGroup) => (peer: PeerNode) =>
    createAttackTransport(peer.transport, specs, { sign: (m) => peer.signer.sign(m), clock, scheduler, ledger, collusion: collusionOf(group.plan.groupIndex) });

  // Malicious DHT holders among the players (each drawn from the seed alone, the same in every run of it) and Sybil nodes.
  const storageAttacks = createShardStorageAttacks(task.profile, {
    runSeed: task.seed,
    ed25519,
    ...componentDeps('storage-attacks', 'sybil'),
    bootstrap: task.identity.bootstrap,
    draw: (id) => root.fork('malicious-holders').fork(String(id)).float(),
  });

  /** Player `id`'s long-term key seed: from the seed alone, so a colluder knows its friend's key before either is bound. */
  const identitySeedOf = (id: number) => root.fork('identity').fork(`player:${id}`).bytes(32);

  const bindPlayer = async (id: number, group: HostedGroup): Promise<Player> => {
    const specs = attackSpecs.get(id);
    const holderBehaviour = storageAttacks.holderBehaviour(id);
    const witnessRule = characterAttacks?.witnessRule(id);
    const computeStep = compute?.stepHook(id);
    // The player's groups are composed after it: its character services ask through this late binding.
    let bound: Player | null = null;
    const playsWith = (owner: Uint8Array, session: Uint8Array) => viewHolds(bound?.member?.view ?? null, owner, session);
    const started = await startPlayer(
      {
        bind: { host: task.bindHost ?? '127.0.0.1', port: 0 },
        identitySeed: identitySeedOf(id),
        authority: task.identity.authority,
        bootstrap: task.identity.bootstrap,
        dht: { requestTimeoutMs: PLAYER_DHT_TIMEOUT_MS },
        compute: { retryMs: PLAYER_COMPUTE_RETRY_MS },
      },
      {
        ed25519,
        clock,
        wallClock: systemWallClock,
        scheduler,
        rng: root.fork(`dht:${id}`),
        shaping: { shaper: group.shaper.shaper, scheduler },
        onHandlerError,
        onLookupLatency,
        ...(specs ? { neoTransport: attackTransport(specs, group) } : {}),
        ...(holderBehaviour ? { dhtTransport: storageAttacks.holderTransport(holderBehaviour) } : {}),
        ...(storageAttacks.onDhtRefusal ? { onDhtRefusal: storageAttacks.onDhtRefusal } : {}),
        ...(witnessRule ? { witnessRule } : {}),
        ...(computeStep ? { computeStep } : {}),
        ...(compute ? { onComputeOutcome: (outcome, from) => compute.onOutcome((session) => bound && outcomeVoter(bound, session), outcome, from) } : {}),
        playsWith,
      },
    );
    const tagMask = tags.maskOf(id);
    const namedTags = tags.names.flatMap((name, i) => (tags.has(tagMask, name) ? [i] : []));
    const player: Player = { ...started, id, group: group.plan.groupIndex, member: null, closed: false, joinedAtMs: null, acMessagesAtJoin: 0, closedAtMs: null, leaveRequested: false, attacker: specs !== undefined, maliciousHolder: holderBehaviour !== null, tagMask, namedTags, credentials: null };
    bound = player;
    players.set(id, player);
    playersByPort.set(player.peer.transport.local.port, player);
    allPlayers.push(player);
    return player;
  };

  const authTotals = { registrations: 0, registrationFailures: 0, republished: 0 };
  /**
   * The join flow: register with the authority, publish the certificates, check them in the DHT.
   * Then the player keeps its data (`keeps`): houses, areas, its character; an attacker that only
   * came to try something (a tampered character) keeps none.
   */
  const identify = async (player: Player, keeps = true): Promise<boolean> => {
    const bytes = task.identity.tokens.get(player.id);
    const token = bytes ? decodeCertificate(PaymentTokenType, bytes) : null;
    const result = token ? await player.services.join(`player-${task.seed}-${player.id}`, token) : { ok: false as const, reason: 'no-token' };
    if (!result.ok) {
      authTotals.registrationFailures++;
      onHandlerError(new Error(`player ${player.id} could not join: ${result.reason}`), 'identity');
      return false;
    }
    authTotals.registrations++;
    authTotals.republished += result.republished;
    player.credentials = { keyCertificate: result.keyCertificate, gameKey: result.gameKey };
    player.joinedAtMs = clock.nowMs();
    player.acMessagesAtJoin = player.services.acMessages();
    if (keeps) characters?.joined(characterOwner(player));
    if (keeps && !player.maliciousHolder) {
      houses?.joined({ id: player.id, signer: player.peer.signer, dht: player.services.dht, alive: () => !player.closed });
      areas?.joined({ id: player.id, signer: player.peer.signer, dht: player.services.dht, alive: () => !player.closed, place: () => placeOf(player) });
      engagements?.joined(fighterOf(player));
    }
    return true;
  };

  /**
   * Where a player's bot heads: the movement model's point; in a world, always a point of the
   * player's region (its shard's directory knows only that region's leaves), so where the model
   * lets the bot roam it walks random waypoints there instead.
   */
  const steerFor = (player: Player) => {
    const context = { seed: task.seed, player: player.id, group: player.group, worldSize };
    const steer = createSteer(task.movement, context);
    const region = world ? groups.get(player.group)?.plan.leaf?.region : undefined;
    if (!world || region === undefined) return steer;
    const wander = createSteer({ model: 'random-waypoint', minLegRounds: DISPERSE_LEG_ROUNDS.min, maxLegRounds: DISPERSE_LEG_ROUNDS.max }, context) as NonNullable<typeof steer>;
    const r = regionRect(world, region);
    return (round: number) => {
      const to = steer?.(round);
      if (to) return { x: Math.min(r.x + r.width - 1, Math.max(r.x, to.x)), y: Math.min(r.y + r.height - 1, Math.max(r.y, to.y)) };
      // A waypoint of the whole world folded into the region, so wanderers spread over it rather than along its edges.
      const w = wander(round);
      return w && { x: r.x + (w.x % r.width), y: r.y + (w.y % r.height) };
    };
  };

  const memberDeps = (player: Player) => {
    const steer = steerFor(player);
    // Honest members turn what NEO proves into cheat proofs at the authority; cheaters do not.
    const sanctioner = player.attacker ? null : createSanctioner({ client: player.services.auth, ledger });
    return {
      onDecided: ledger.observer(player.peer.publicKey),
      // A bad signature behind a good MAC: the member's own observation, detected but not provable.
      onBadSignature: (offender: Uint8Array, round: number) => ledger.evidence(player.peer.publicKey, offender, round),
      ...(sanctioner ? { onEvidence: sanctioner.onEvidence } : {}),
      identity: player.services.verifier,
      onJoinRefused: (key: Uint8Array, verdict: string) => ledger.joinRefused(player.peer.publicKey, key, verdict),
      ...characterDeps(player),
      ...(player.credentials ? { credentials: player.credentials } : {}),
      // First contact is checked at the group's door: a join request carries the joiner's
      // certificates and the sponsor checks them (and the DHT for a ban) before admitting it.
      peer: player.peer,
      neo: player.neo,
      clock,
      scheduler,
      botRng: root.fork(`bot:${player.id}`),
      ...(steer ? { steer } : {}),
      onPlayout: (ms: number, sender: GroupSeat) => {
        playoutInterval.recordMs(ms);
        tagged.record(ms, player.group, playersByPort.get(sender.endpoint.port)?.tagMask ?? 0, player.tagMask, player.id);
        for (const i of player.namedTags) tagIntervals[i]?.recordMs(ms);
      },
      onEvent: (event: GroupEvent) => groupEvent(player, event, String(player.group)),
      ...(compute ? { votes: compute.votes } : {}),
    };
  };

  const record = (e: ShardGroupEvent) => {
    events.push(e);
    pendingEvents.push(e);
  };

  const housesSpec = task.profile.storage?.houses;
  const houses = housesSpec
    ? createShardHouses(housesSpec, {
        ...componentDeps('houses'),
        onAudit: (a) => record({ type: 'storage-audit', ...a, group: 0, atMs: clock.nowMs() }),
      })
    : null;

  const charactersSpec = task.profile.storage?.characters;
  const characters = charactersSpec
    ? createShardCharacters(charactersSpec, componentDeps('characters'))
    : null;
  const engagementsSpec = task.profile.storage?.engagements;
  const engagements = engagementsSpec
    ? createShardEngagements(engagementsSpec, {
        ...componentDeps('engagements'),
        ...(characters ? { characterOf: (id: number) => characters.latest(id) } : {}),
      })
    : null;
  const fighterOf = (player: Player): Fighter => ({
    id: player.id,
    publicKey: player.peer.publicKey,
    signer: player.peer.signer,
    endpoint: player.peer.transport.local,
    dht: player.services.dht,
    keyring: player.characters.keyring,
    alive: () => !player.closed,
    group: () => (player.member?.state === 'member' && player.member.view ? toHex(player.member.view.sessionId) : null),
  });

  const characterAttacks = characters
    ? createShardCharacterAttacks(task.profile.characterAttacks, {
        ledger,
        characters,
        ...componentDeps('character-attacks'),
        keyOf: (id) => ed25519.createSigner(identitySeedOf(id)).publicKey,
        expand: expandPeerSet,
      })
    : null;
  const characterOwner = (player: Player): CharacterOwner => ({
    id: player.id,
    signer: player.peer.signer,
    dht: player.services.dht,
    witness: player.characters.witness,
    door: player.characters.door,
    group: () => ownerGroup(player.member?.state === 'member' ? player.member.view : null),
    alive: () => !player.closed,
  });
  /**
   * Where the profile keeps characters, a member checks a joiner's character at the door after its
   * identity (docs/storage.md, "The door at admission"), and a joiner brings its latest witnessed one.
   */
  const characterDeps = (player: Player) =>
    characters
      ? {
          characterDoor: characters.admissionDoor(player.characters.door),
          onCharacterRefused: (key: Uint8Array, reason: string) => ledger.joinRefused(player.peer.publicKey, key, `character-${reason}`),
          character: () => characters.claimOf(player.id),
        }
      : {};
  /** The shard's players as the character attacks look at them. */
  const hostedPlayers = (): HostedPlayer[] =>
    allPlayers.map((p) => ({ id: p.id, group: p.group, owner: characterOwner(p), door: p.characters.door, playing: p.member?.state === 'member', cheats: p.attacker }));

  // Game processes (src/controller/shard-compute.ts): every group's monsters, stepped by executors drawn from the shard's players.
  const compute =
    task.profile.compute && task.compute
      ? createShardCompute(task.profile.compute, task.profile.computeAttacks, {
          ...componentDeps('compute'),
          runSeed: task.seed,
          draw: task.compute,
          ledger,
          keyOf: (id) => ed25519.createSigner(identitySeedOf(id)).publicKey,
          hosted: new Set(task.groups.flatMap((g) => g.peers)),
          expand: expandPeerSet,
          verify: (signature, message, key) => ed25519.verify(signature, message, key),
        })
      : null;
  const computeHosts = (): ComputeHost[] =>
    allPlayers.map((p) => ({
      id: p.id,
      publicKey: p.peer.publicKey,
      signer: p.peer.signer,
      endpoint: p.peer.transport.local,
      compute: p.compute,
      auth: p.services.auth,
      candidate: p.joinedAtMs !== null && !p.closed,
      cheats: p.attacker,
      group: () => hostGroup(p),
      exclude: (ban, cert) => p.member?.exclude(ban, cert) ?? false,
      voter: (session) => outcomeVoter(p, session),
    }));

  const ephemeralSpec = task.profile.storage?.ephemeral;
  const areas = ephemeralSpec
    ? createShardAreas(ephemeralSpec, {
        ...componentDeps('areas'),
        templateSeed: `${task.seed}:zones`,
        onReset: (r) => record({ type: 'zone-reset', ...r, group: 0, atMs: clock.nowMs() }),
        onAudit: (a) => record({ type: 'zone-audit', ...a, group: 0, atMs: clock.nowMs() }),
      })
    : null;

  /** Where a player stands by its group's agreed state: its zone in a world; without one, its group's own small world. */
  const placeOf = (player: Player): Place | null => {
    const at = player.member?.avatar();
    if (!at) return null;
    if (!world) return { zone: `group:${player.group}`, zoneRect: { x: 0, y: 0, width: worldSize, height: worldSize }, x: at.x, y: at.y };
    const zone = zoneOf(world, at.x, at.y);
    return zone && { zone: zone.id, zoneRect: zone.rect, x: at.x, y: at.y };
  };

  /** A group event, counted once per group (`groupKey`: the group's index, or its session in a world). */
  const groupEvent = (player: Player, event: GroupEvent, groupKey: string) => {
    if (event.type === 'divided' || event.type === 'collapsed') return;
    if (event.type === 'view-change') {
      // Every member of the group applies the same change; count it once.
      const key = `${groupKey}/${event.view}`;
      if (reportedViews.has(key)) return;
      reportedViews.add(key);
      groupTotals.viewChanges++;
      groupTotals.admitted += event.joined;
      groupTotals.leaves += event.left;
      groupTotals.removals += event.removed;
      if (event.leaderChanged) groupTotals.elections++;
      if (event.failoverRounds !== undefined) groupTotals.leaderFailovers[event.failoverRounds] = (groupTotals.leaderFailovers[event.failoverRounds] ?? 0) + 1;
    }
    record({ ...event, group: player.group, atMs: clock.nowMs() });
  };

  /** What a player of a world reports: its groups' events, and the quadtree's splits, hand-overs and foundings. */
  const mergedLeaves = new Set<string>();
  const zoneEvent = (player: Player, tree: NonNullable<typeof quadtree>) => (e: ZoneEvent) => {
    const atMs = clock.nowMs();
    if (e.type === 'group') {
      const event = e.event;
      if (event.type === 'collapsed') {
        // A merge is a leaf re-formed from its children: counted once, until that leaf splits again.
        const leaf = leafKey({ zoneId: e.leaf.zoneId, path: e.leaf.path.slice(0, -1) });
        if (mergedLeaves.has(leaf)) return;
        mergedLeaves.add(leaf);
        tree.merges++;
        return record({ type: 'merge', leaf, round: event.round, group: player.group, atMs });
      }
      if (event.type !== 'divided') return groupEvent(player, event, toHex(e.sessionId));
      // Every member of the leaf divides at the same round: one split.
      const key = `split/${toHex(event.parent)}/${event.round}`;
      if (reportedViews.has(key)) return;
      reportedViews.add(key);
      tree.splits++;
      mergedLeaves.delete(leafKey(e.leaf));
      record({ type: 'split', leaf: leafKey(e.leaf), round: event.round, parts: event.parts, group: player.group, atMs });
    } else if (e.type === 'zone-event') {
      zoneEvents?.played(e, atMs);
    } else if (e.type === 'handover') {
      tree.handovers++;
      tree.handoverGaps[e.gapRounds] = (tree.handoverGaps[e.gapRounds] ?? 0) + 1;
      record({ type: 'handover', player: player.id, from: leafKey(e.from), to: leafKey(e.to), gapRounds: e.gapRounds, group: player.group, atMs });
    } else {
      tree.founded++;
      record({ type: 'founded', leaf: leafKey(e.leaf), round: e.round, player: player.id, group: player.group, atMs });
    }
  };

  /** A zone player of `p`, in the shard's world. */
  const zonePlayer = (p: Player, plan: ShardGroup) => {
    const { onEvent: _groupEvents, ...deps } = memberDeps(p);
    const dht = p.services.dht;
    return createZonePlayer(
      { world: world as WorldDefinition, group: groupConfig(plan) },
      {
        ...deps,
        directory: directory as ZoneDirectory,
        onEvent: zoneEvent(p, quadtree as NonNullable<typeof quadtree>),
        // Groups publish their leaders' records in the players' DHT; arrivals look their leaf up there.
        leaderRecords: { put: (record) => dht.put(record), get: async (subject) => (await dht.get('zone-leaders', subject)).record },
        wallNowMs: () => systemWallClock.nowMs(),
      },
    );
  };

  /**
   * A player of the schedule arriving in a world: where the plan put it (a player of the ramp-up),
   * or a point of its region drawn from the seed (a replacement); it enters through the directory.
   */
  const enterWorld = (p: Player, plan: ShardGroup & { leaf: NonNullable<ShardGroup['leaf']> }) => {
    const seat = plan.peers.indexOf(p.id);
    const planned = seat >= 0 ? plan.leaf.spawns[seat] : undefined;
    const r = regionRect(world as WorldDefinition, plan.leaf.region);
    const draw = root.fork('spawn').fork(`player:${p.id}`);
    const at = planned ?? { x: r.x + draw.int(r.width), y: r.y + draw.int(r.height) };
    const zone = zonePlayer(p, plan);
    zone.enter({ ...at, hp: START_HP, gold: 0 }, runSchedule(plan));
    return zone;
  };

  /** The rounds of the run as the plan's group plays them (its phase and ramp offset from the start signal). */
  const runSchedule = (plan: ShardGroup): RunSchedule => {
    const firstMs = startAtMs + firstRoundOffsetMs(plan.groupIndex, task.groupsTotal, task.neo.roundMs);
    return { roundAt: (nowMs) => Math.max(0, Math.floor((nowMs - firstMs) / task.neo.roundMs)), startOfRound: (round) => firstMs + round * task.neo.roundMs };
  };

  /** The founders of a world's initial leaf: zone players, each starting where the plan put it. */
  const foundLeaf = (plan: ShardGroup & { leaf: NonNullable<ShardGroup['leaf']> }, view: GroupView, founders: readonly Player[]) => {
    const avatars = new Map(view.members.map((m) => [m.seat, { ...(plan.leaf.spawns[m.seat] as { x: number; y: number }), hp: START_HP, gold: 0 }]));
    for (const p of founders) {
      const zone = zonePlayer(p, plan);
      zone.found({ zoneId: plan.leaf.zoneId, path: plan.leaf.path }, view, avatars);
      p.member = zone;
    }
  };

  try {
    for (const plan of task.groups) {
      const group: HostedGroup = { plan, sessionId: root.fork(`group:${plan.groupIndex}`).bytes(16), shaper: worldShaper ?? createDeferredShaper() };
      groups.set(plan.groupIndex, group);
      for (const id of plan.peers) await bindPlayer(id, group);
      const founders = plan.founders.map((id) => players.get(id) as Player);
      await Promise.all(founders.map((p) => identify(p)));
      const view = {
        sessionId: group.sessionId,
        number: 1,
        startRound: 0,
        members: founders.map((p) => ({ publicKey: p.peer.publicKey, endpoint: p.peer.transport.local, seat: plan.peers.indexOf(p.id) })),
      };
      if (plan.leaf) foundLeaf({ ...plan, leaf: plan.leaf }, view, founders);
      else for (const p of founders) p.member = createFounder(view, groupConfig(plan), memberDeps(p));
    }
  } catch (error) {
    // Sockets already bound must not outlive a failed start.
    await Promise.allSettled(allPlayers.map((p) => p.close(false)));
    scheduler.close();
    throw error;
  }
  const initialPorts = allPlayers.map((p) => p.peer.transport.local.port);
  const dropsAtBind = new Map(readSocketDrops(new Set(initialPorts)) ?? []);
  // A closed socket's counter disappears from /proc/net/udp: its last reading stands.
  const lastDrops = new Map<number, number>();
  let dropsReadable = true;
  post({ type: 'ready', shardIndex: task.shardIndex, ports: initialPorts });

  /**
   * When a member's part ends: one that left keeps its socket while the view it left still answers
   * fetches (GroupMember.answersFetchesUntilMs), one that played the run's last round stays up like
   * the founders until the shard stops, and a crashed one closes now. The messages of a member's
   * last rounds may still sit in a shaped queue, and slower members fetch those rounds from it:
   * closed at once, it left them to decide those rounds by force, differently.
   */
  const closeWhenDone = (player: Player, member: GroupMember) => {
    if (member.state === 'left') scheduler.schedule(Math.max(clock.nowMs(), member.answersFetchesUntilMs()), () => close(player, true));
    else if (member.state !== 'finished') close(player, false);
  };

  const close = (player: Player, graceful: boolean) => {
    if (player.closed) return;
    player.closed = true;
    player.closedAtMs = clock.nowMs();
    readDrops();
    void player.close(graceful);
  };

  const spawn = async (id: number, groupIndex: number) => {
    const group = groups.get(groupIndex);
    if (!group) return;
    const player = players.get(id) ?? (await bindPlayer(id, group));
    if (player.member || player.closed) return;
    if (!dropsAtBind.has(player.peer.transport.local.port)) dropsAtBind.set(player.peer.transport.local.port, 0);
    if (player.joinedAtMs === null && !(await identify(player))) return;
    // A joiner asks a group that checks characters only with a witnessed one to show.
    await characters?.ready(player.id);
    if (player.leaveRequested || player.closed) return close(player, false);
    if (group.plan.leaf) player.member = enterWorld(player, { ...group.plan, leaf: group.plan.leaf });
    else {
      const contacts = () => [...players.values()].filter((p) => p.group === groupIndex && p.member && (p.member.state === 'member' || p.member.state === 'leaving')).map((p) => p.peer.transport.local);
      player.member = createJoiner(group.sessionId, contacts, groupConfig(group.plan), memberDeps(player));
    }
    const member = player.member;
    void member.done.then(() => closeWhenDone(player, member));
  };

  /** A player with a bad identity asks to join; it never registered, and gives up after a while. */
  const impostor = async (command: Extract<ShardCommand, { type: 'impostor' }>) => {
    const group = groups.get(command.group);
    if (!group) return;
    const player = await bindPlayer(command.player, group);
    player.credentials = { ...command.credentials };
    ledger.joinAttempt(command.kind, player.peer.publicKey);
    const contacts = () => [...players.values()].filter((p) => p.group === command.group && p.member && p.member.state === 'member').map((p) => p.peer.transport.local);
    const member = createJoiner(group.sessionId, contacts, groupConfig(group.plan), memberDeps(player));
    player.member = member;
    scheduler.schedule(clock.nowMs() + IMPOSTOR_GIVES_UP_AFTER_ROUNDS * task.neo.roundMs, () => {
      member.crash();
      close(player, false);
    });
  };

  /** A certified player edits its witnessed character at home and asks to be admitted with it; it gives up like an impostor. */
  const tamperedJoin = async (command: Extract<ShardCommand, { type: 'tampered-character' }>) => {
    const group = groups.get(command.group);
    if (!group || !characterAttacks || !(await identify(await bindPlayer(command.player, group), false))) return;
    const player = players.get(command.player) as Player;
    const claim = await characterAttacks.tamper(characterOwner(player), command.edit);
    if (!claim || player.closed) return;
    ledger.joinAttempt('tampered-character', player.peer.publicKey);
    const contacts = () => [...players.values()].filter((p) => p.group === command.group && p.member && p.member.state === 'member').map((p) => p.peer.transport.local);
    const member = createJoiner(group.sessionId, contacts, groupConfig(group.plan), { ...memberDeps(player), character: () => claim });
    player.member = member;
    scheduler.schedule(clock.nowMs() + IMPOSTOR_GIVES_UP_AFTER_ROUNDS * task.neo.roundMs, () => {
      member.crash();
      close(player, false);
    });
  };

  const leave = (id: number, mode: 'graceful' | 'crash') => {
    const player = players.get(id);
    const member = player?.member;
    if (player && !member) player.leaveRequested = true;
    if (!player || !member) return;
    if (mode === 'crash') {
      member.crash();
      close(player, false);
      return;
    }
    member.leave();
    void member.done.then(() => closeWhenDone(player, member));
    // A leave that cannot be agreed (a group without a live majority) ends as a crash.
    scheduler.schedule(clock.nowMs() + 200 * task.neo.roundMs, () => {
      member.crash();
      close(player, false);
    });
  };

  /** A scheduled zone-wide event: raised in its zone's busiest group; that group's leader crashes with it if the profile says so. */
  const raiseZoneEvent = (spec: ZoneEventSpec) => {
    const hosted = allPlayers.flatMap((p) => (p.member && !p.closed && 'raise' in p.member ? [{ id: p.id, zone: p.member as ZonePlayer }] : []));
    const raised = zoneEvents?.raise(spec, hosted, clock.nowMs());
    if (!raised) return;
    if (raised.leader !== null) leave(raised.leader, 'crash');
    record({ type: 'zone-event', zone: spec.zone, kind: spec.kind, player: raised.raiser, groups: raised.groups, crashed: raised.leader, group: players.get(raised.raiser)?.group ?? 0, atMs: clock.nowMs() });
  };

  // Measured from the start signal on, so binding sockets does not count as event-loop delay.
  let loop: ReturnType<typeof createEventLoopMonitor> | null = null;
  const loopHistogram = createLatencyHistogram();
  let started = false;
  /** The start signal's round-0 time (shared clock). */
  let startAtMs = 0;
  let shuttingDown = false;
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  task.port.on('message', (command: ShardCommand) => {
    switch (command.type) {
      case 'stop':
        stopRequested();
        break;
      case 'start':
        if (started) break;
        started = true;
        startAtMs = command.startAtMs;
        loop ??= createEventLoopMonitor({ resolutionMs: 10 });
        if (worldShaper) {
          const peers = allPlayers.map((p) => p.id);
          worldShaper.attach(createLinkShaper(shapingForMembers(task.profile, peers, allPlayers.map((p) => endpointId(p.peer.transport.local))), { rng: root.fork('links:world'), clock }, { startMs: command.startAtMs }));
        }
        for (const g of worldShaper ? [] : groups.values()) {
          g.shaper.attach(createLinkShaper(shapingForMembers(task.profile, g.plan.peers, g.plan.peers.map((id) => endpointId((players.get(id) as Player).peer.transport.local))), { rng: root.fork(`links:${g.plan.groupIndex}`), clock }, { startMs: command.startAtMs }));
        }
        for (const p of players.values()) p.member?.begin(command.startAtMs + firstRoundOffsetMs(p.group, task.groupsTotal, task.neo.roundMs));
        for (const spec of zoneEventSpecs) scheduler.schedule(command.startAtMs + spec.atS * 1000, () => raiseZoneEvent(spec));
        houses?.start(command.startAtMs, task.profile.durationS);
        characters?.start(command.startAtMs);
        characterAttacks?.start(command.startAtMs, hostedPlayers);
        areas?.start(command.startAtMs, task.profile.durationS);
        engagements?.start(command.startAtMs, command.startAtMs + (task.profile.durationS - ENGAGEMENTS_END_BEFORE_S) * 1000);
        compute?.start(command.startAtMs, command.startAtMs + task.profile.durationS * 1000, computeHosts);
        // Founders published while the overlay was still forming, into nodes that may no longer be
        // the closest to their keys once everyone is in: the join flow's check runs again then,
        // spread over a window rather than all at once (a burst of lookups makes timers late).
        for (const p of players.values()) {
          scheduler.schedule(command.startAtMs + RECHECK_AFTER_START_MS + goldenShareMs(p.id, RECHECK_SPREAD_MS), () => {
            if (p.joinedAtMs === null || p.closed) return;
            p.services.ensurePublished().then(
              (n) => (authTotals.republished += n),
              (e: unknown) => shuttingDown || onHandlerError(e, 'republish'),
            );
          });
        }
        break;
      case 'spawn':
        // A join flow still running when the run ends is cut short by the closing sockets: not an error.
        spawn(command.player, command.group).catch((e: unknown) => shuttingDown || onHandlerError(e, 'spawn'));
        break;
      case 'leave':
        leave(command.player, command.mode);
        break;
      case 'impostor':
        impostor(command).catch((e: unknown) => shuttingDown || onHandlerError(e, 'impostor'));
        break;
      case 'tampered-character':
        tamperedJoin(command).catch((e: unknown) => shuttingDown || onHandlerError(e, 'tampered-character'));
        break;
      case 'sybil':
        storageAttacks
          .launchSybils({ attack: command.attack, credentials: command.credentials.map((c) => c && encodeCertificate(KeyCertificateType, c)) })
          .catch((e: unknown) => shuttingDown || onHandlerError(e, 'sybil'));
        break;
    }
  });

  function readDrops(): void {
    const open = allPlayers.filter((p) => !p.closed).map((p) => p.peer.transport.local.port);
    const now = readSocketDrops(new Set(open));
    dropsReadable = now !== null;
    if (now) for (const [port, d] of now) lastDrops.set(port, d);
  }

  const sample = (): ShardSample => {
    readDrops();
    let kernelDrops = 0;
    for (const [port, d] of lastDrops) kernelDrops += d - (dropsAtBind.get(port) ?? 0);
    const active = allPlayers.filter((p) => p.member && !['left', 'crashed', 'finished'].includes(p.member.state));
    const counters = sumCounters(allPlayers);
    return {
      atMs: clock.nowMs(),
      counters,
      updates: updateCounts(counters),
      traffic: traffic(allPlayers),
      kernelDrops: dropsReadable ? kernelDrops : null,
      processCpuMs: processCpuMs(),
      peersAlive: active.length,
      roundMs: active.find((p) => p.member?.state === 'member')?.member?.roundMs ?? task.neo.roundMs,
      groups: { ...groupTotals, leaderFailovers: { ...groupTotals.leaderFailovers }, memberCounters: sumMemberCounters(allPlayers, (m) => m.counters()), quadtree: quadtree && { ...quadtree, handoverGaps: { ...quadtree.handoverGaps }, leafGroups: leafGroups(allPlayers), zone: sumMemberCounters(allPlayers, (m) => ('zoneCounters' in m ? (m as ZonePlayer).zoneCounters() : null)), events: zoneEvents?.figures() ?? null } },
      dht: dhtFigures(allPlayers, dhtLatency),
      auth: authFigures(allPlayers, authTotals, clock.nowMs()),
      attacks: ledger.summary(),
      storage: houses?.figures() ?? null,
      characters: characters && { ...characters.figures(), colluding: characterAttacks?.figures() ?? [] },
      ephemeral: areas?.figures() ?? null,
      engagements: engagements?.figures() ?? null,
      compute: compute?.figures() ?? null,
      maliciousHolders: storageAttacks.holderTotals(),
      storageAttacks: storageAttacks.summary(allPlayers.map((p) => ({ dht: p.services.dht, certified: p.joinedAtMs !== null, maliciousHolder: p.maliciousHolder, open: !p.closed }))),
    };
  };

  // The run is over once no member is left playing: every one finished its last round, left or crashed.
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  const telemetry = setInterval(() => {
    if (started && world && quadtree) measureTopology(allPlayers, world, quadtree);
    const loopSample = loop?.sample();
    if (loopSample) loopHistogram.mergeEncoded([loopSample.encoded]);
    post({
      type: 'telemetry',
      shardIndex: task.shardIndex,
      sample: sample(),
      playoutInterval: playoutInterval.encode(),
      latenessInterval: latenessInterval.encode(),
      eventLoopInterval: loopSample?.encoded ?? createLatencyHistogram().encode(),
      tagIntervals: tagIntervals.map((h) => (h.count > 0 ? h.encode() : null)),
      events: pendingEvents,
    });
    for (const h of tagIntervals) h.reset();
    pendingEvents = [];
    playout.merge(playoutInterval);
    lateness.merge(latenessInterval);
    playoutInterval = createLatencyHistogram();
    latenessInterval = createLatencyHistogram();
    const playing = allPlayers.some((p) => p.member && (p.member.state === 'member' || p.member.state === 'leaving'));
    if (started && !playing) resolveFinished();
  }, 1000);

  await Promise.race([finished, stopped]);
  // The final audit reads through every shard's players: it ran before the last round, and the sockets stay up until it ends.
  await houses?.finalAudit();
  await areas?.finalAudit();
  shuttingDown = true;
  clearInterval(telemetry);
  playout.merge(playoutInterval);
  lateness.merge(latenessInterval);
  // Read before the sockets close: a closed socket's drop counter disappears from /proc/net/udp.
  const final = sample();
  const divergentAtEnd = divergentReplicas(allPlayers);
  const last = (loop as ReturnType<typeof createEventLoopMonitor> | null)?.sample();
  if (last) loopHistogram.mergeEncoded([last.encoded]);
  for (const p of allPlayers) p.member?.crash();
  // A player still closing (a graceful leave handing its records off) only loses its socket.
  const closing = [...allPlayers.map((p) => (p.closed ? p.peer.close() : p.close(false))), storageAttacks.close()];
  scheduler.close();
  await Promise.all(closing);
  (loop as ReturnType<typeof createEventLoopMonitor> | null)?.stop();
  task.port.close();
  return {
    shardIndex: task.shardIndex,
    sample: final,
    divergentAtEnd,
    playout: playout.encode(),
    tagged: tagged.encode(),
    lateness: lateness.encode(),
    eventLoop: loopHistogram.encode(),
    handlerErrors,
    ports: initialPorts,
    events,
    unsentEvents: pendingEvents,
  };
}

/** Counters of every player's member summed by name; `read` gives none for a member without them. */
function sumMemberCounters(players: readonly Player[], read: (member: GroupMember) => Readonly<Record<string, number>> | null): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const p of players) {
    const counters = p.member && read(p.member);
    if (counters) for (const [k, v] of Object.entries(counters)) sum[k] = (sum[k] ?? 0) + v;
  }
  return sum;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Whether `view` is of group session `session` and lists `owner`. */
function viewHolds(view: GroupView | null, owner: Uint8Array, session: Uint8Array): boolean {
  return view !== null && equalBytes(view.sessionId, session) && view.members.some((m) => equalBytes(m.publicKey, owner));
}

/** A player's group as the computation sees it: its agreed view, its seat there, its game and its round schedule; null outside one. */
function hostGroup(p: Player): ReturnType<ComputeHost['group']> {
  const m = p.member;
  if (!m || m.state !== 'member' || !m.view || !m.game) return null;
  const me = m.view.members.find((s) => equalBytes(s.publicKey, p.peer.publicKey));
  return me ? { session: m.view.sessionId, members: m.view.members, seat: me.seat, game: m.game, schedule: () => roundSchedule(m) } : null;
}

function roundSchedule(m: NonNullable<Player['member']>): { roundNow: number; roundMs: number } | null {
  const now = m.schedule();
  return now && { roundNow: now.roundNow, roundMs: m.roundMs };
}

/** A player's member of group session `session` as a voter on the outcomes announced there; null outside that group. */
function outcomeVoter(p: Player, session: Uint8Array): OutcomeVoter | null {
  const m = p.member?.memberOf(session) ?? null;
  const view = m?.view ?? null;
  const game = m?.game ?? null;
  if (!m || !view || !game) return null;
  return {
    publicKey: p.peer.publicKey,
    members: view.members.map((s) => s.publicKey),
    seats: game.members,
    lastRound: () => m.game?.lastRound ?? -1,
    schedule: () => roundSchedule(m),
    playedHashAt: (round) => m.playedHashAt(round),
    voteAt: (round, notice) => m.voteAt(round, notice),
  };
}

/** A member's agreed view as its character's group: the session and every member (its seats carry key and endpoint). */
function ownerGroup(view: GroupView | null): OwnerGroup | null {
  return view && { session: view.sessionId, members: view.members };
}

function dhtFigures(players: readonly Player[], latency: LatencyHistogram): ShardDhtFigures {
  const stats = sumDhtStats(players.map((p) => p.services.dht.stats()));
  const hops = stats.lookups.findNode.hops.map((n, h) => n + (stats.lookups.findValue.hops[h] ?? 0));
  return {
    lookups: stats.counters.lookups,
    succeeded: stats.counters.lookupSuccesses,
    failed: stats.counters.lookupFailures,
    hops,
    latency: latency.encode(),
    recordsStored: stats.counters.recordsStored,
    recordsServed: stats.counters.recordsServed,
    recordsRejected: stats.counters.recordsRejected,
    rateLimited: stats.counters.rateLimited,
    membership: {
      verified: stats.counters['membership.verified'],
      badCredentials: stats.counters['membership.badCredentials'],
      refusedContacts: stats.counters['membership.refusedContacts'],
      refusedStores: stats.counters['membership.refusedStores'],
      ignoredAnswers: stats.counters['membership.ignoredAnswers'],
      storeRetries: stats.counters['membership.storeRetries'],
      storesRefused: stats.counters['membership.storesRefused'],
    },
  };
}

function authFigures(players: readonly Player[], totals: { registrations: number; registrationFailures: number; republished: number }, nowMs: number): ShardAuthFigures {
  const verdicts = { ok: 0, banned: 0, expired: 0, forged: 0, unknown: 0 };
  const ignored = { banned: 0, expired: 0, forged: 0, unknown: 0 };
  let acMessagesAfterJoin = 0;
  let playerMsAfterJoin = 0;
  for (const p of players) {
    const v = p.services.verifier.counters();
    for (const k of Object.keys(verdicts) as (keyof typeof verdicts)[]) verdicts[k] += v[`verdict.${k}`];
    // Join requests refused at the group's door, by the joiner's verdict.
    const c = p.member?.counters();
    if (c) {
      ignored.banned += c.joinsRefusedBanned;
      ignored.expired += c.joinsRefusedExpired;
      ignored.forged += c.joinsRefusedForged;
      ignored.unknown += c.joinsRefusedUnknown;
    }
    if (p.joinedAtMs === null) continue;
    acMessagesAfterJoin += p.services.acMessages() - p.acMessagesAtJoin;
    playerMsAfterJoin += (p.closedAtMs ?? nowMs) - p.joinedAtMs;
  }
  return { ...totals, acMessagesAfterJoin, playerMsAfterJoin, verdicts, ignored };
}

/** A player's group at the end: its planned group, or in a world the leaf group (session) it ended in (numbered below 0). */
function groupOfReplica(p: Player, m: GroupMember, sessionNumbers: Map<string, number>): number {
  if (!p.member || !('leaf' in p.member) || !m.view) return p.group;
  const key = toHex(m.view.sessionId);
  let n = sessionNumbers.get(key);
  if (n === undefined) sessionNumbers.set(key, (n = -1 - sessionNumbers.size));
  return n;
}

/** Honest replicas still in their group at the end, outside their group's majority (countDivergentReplicas). */
function divergentReplicas(players: readonly Player[]): number {
  const replicas: ReplicaAtEnd[] = [];
  const sessionNumbers = new Map<string, number>();
  for (const p of players) {
    const m = p.member;
    if (!m || p.attacker || !m.game || (m.state !== 'member' && m.state !== 'leaving' && m.state !== 'finished')) continue;
    replicas.push({ group: groupOfReplica(p, m, sessionNumbers), lastRound: m.game.lastRound, hashAt: (round) => m.playedHashAt(round) });
  }
  return countDivergentReplicas(replicas);
}

function sumCounters(players: readonly Player[]): Record<NeoCounter, number> {
  const sum = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
  for (const p of players) {
    if (!p.member) continue;
    const counters = p.member.neoCounters();
    for (const c of NEO_COUNTERS) sum[c] += counters[c];
  }
  return sum;
}

/** Each update counted once, by its author's own decision about it (the members' counters summed). */
function updateCounts(c: Record<NeoCounter, number>): UpdateCounts {
  return { created: c.updatesCreated, accepted: c.ownAccepted, dropped: c.ownDropped };
}

function traffic(players: readonly Player[]): ShardTraffic {
  const t = { txDatagrams: 0, txBytes: 0, outboundShapingDropped: 0, outboundExtraCopies: 0, inboundShapingDropped: 0 };
  for (const p of players) {
    const s = p.peer.transport.stats();
    t.txDatagrams += s.tx.datagrams;
    t.txBytes += s.tx.bytes;
    t.outboundShapingDropped += sumValues(s.shaping.outbound.dropped);
    t.outboundExtraCopies += s.shaping.outbound.extraCopies;
    t.inboundShapingDropped += sumValues(s.shaping.inbound.dropped);
  }
  return t;
}

function sumValues(record: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(record)) total += v;
  return total;
}

/** Groups holding a leaf of the world now: distinct sessions of the players still in one. */
function leafGroups(players: readonly Player[]): number {
  const sessions = new Set<string>();
  for (const p of players) {
    const view = p.member?.view;
    const state = p.member?.state;
    if (view && (state === 'member' || state === 'leaving' || state === 'finished')) sessions.add(toHex(view.sessionId));
  }
  return sessions.size;
}

/**
 * Topology consistency as VAST measures it: for every player in a group, the players of its own
 * zone within its area of interest (Chebyshev distance ≤ aoiRadius, where each stands in its own
 * group's agreed state), and how many of them it knows. The shard hosts a whole region, so it holds
 * the ground truth.
 */
function measureTopology(players: readonly Player[], world: WorldDefinition, totals: { aoiKnown: number; aoiExisting: number }): void {
  const placed: { key: string; x: number; y: number; zone: string; player: ZonePlayer }[] = [];
  for (const p of players) {
    const m = p.member as ZonePlayer | null;
    if (!m || !('knownPlayers' in m) || (m.state !== 'member' && m.state !== 'leaving')) continue;
    const at = m.avatar();
    const zone = at && zoneOf(world, at.x, at.y);
    if (at && zone) placed.push({ key: toHex(p.peer.publicKey), x: at.x, y: at.y, zone: zone.id, player: m });
  }
  for (const a of placed) {
    const known = a.player.knownPlayers();
    for (const b of placed) {
      if (a === b || a.zone !== b.zone || Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) > world.aoiRadius) continue;
      totals.aoiExisting++;
      if (known.has(b.key)) totals.aoiKnown++;
    }
  }
}
