import { BanType, KeyCertificateType, verifyCertificate, type BanCertificate, type GameKey, type KeyCertificate } from '../auth/certificates.js';
import type { IdentityVerdict } from '../auth/identity.js';
import { DomainTag, equalBytes, sha256, taggedSha256, toHex } from '../crypto/index.js';
import { createBot, createGame, decodeState, encodeState, encodeUpdate, restoreGame, type Avatar, type Bot, type Game, type GameEffect, type GameSnapshot, START_HP } from '../game/index.js';
import { MAX_GROUP_SIZE, NEO_COUNTERS, type NeoConfig, type NeoCounter, type NeoEndpoint, type NeoEvidence, type NeoPlayedUpdate, type NeoSession, type UpdateOutcome } from '../neo/index.js';
import type { Endpoint, Incoming, PeerNode } from '../net/index.js';
import type { Rng, RngSeed } from '../random/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { DecodeError } from '../wire/index.js';
import { groupEndpointOf, type GroupEndpoint, type GroupRoute } from './endpoint.js';
import { GroupBan, GroupJoin, GroupState, GroupWelcome, MAX_PLAYED_NOTICES, type GroupStateBody, type GroupBanBody, type GroupJoinBody, type GroupWelcomeBody } from './messages.js';
import { decodePayload, encodeFittedPayload, MAX_NOTICE_BYTES, type MembershipOp } from './payload.js';
import { RESYNC_GROUP_COUNTERS, Resync, type ResyncOutcome } from './resync.js';

export interface GroupSeat {
  readonly publicKey: Uint8Array;
  readonly endpoint: Endpoint;
  /** The player's place in the game state; stable while the player stays in the group. */
  readonly seat: number;
}

/** An agreed membership: NEO runs over `members` (in this order) from `startRound` on. */
export interface GroupView {
  readonly sessionId: Uint8Array;
  readonly number: number;
  readonly startRound: number;
  readonly members: readonly GroupSeat[];
}

export interface GroupConfig {
  /** Seats in the game (the most players the group holds at once). */
  readonly seats: number;
  /** Every replica's game seed: places players and chests. */
  readonly gameSeed: RngSeed;
  /**
   * The game world's side in tiles for groups in a world of zones (src/zones): every group of the
   * world shares its coordinates, so a player keeps its position when handed over; no chests (a
   * chest copied into four parts of a split could be opened four times). Default: src/game's.
   */
  readonly worldSize?: number;
  /** NEO settings for every view; `lastRound` is the group's last round with an update. */
  readonly neo: NeoConfig & { readonly lastRound: number };
  /** A member whose updates were dropped this many rounds in a row may be removed (a crash). Default 10. */
  readonly evictAfterRounds?: number;
  /**
   * The authority's key (the root of trust): `ban` operations and `group-ban` gossip are checked
   * against it. Without it every ban is refused (counted), the same way by every replica.
   */
  readonly authorityPublicKey?: Uint8Array;
}

/** Signed evidence NEO found against a member of this member's view, with that member's key. */
export type GroupEvidence = NeoEvidence & { readonly offender: Uint8Array; readonly sessionId: Uint8Array; readonly view: number };

export type GroupEvent =
  | {
      readonly type: 'view-change';
      readonly view: number;
      readonly round: number;
      readonly members: number;
      readonly joined: number;
      readonly left: number;
      readonly removed: number;
      /** Members excluded by an authority ban. */
      readonly banned: number;
      readonly leaderChanged: boolean;
      /**
       * The leader (member 0) was removed as silent (a crash): rounds from its first missing update to
       * this view's first round, in which its standby (member 1) leads. Agreed: every replica has the same record.
       */
      readonly failoverRounds?: number;
    }
  | {
      /** The group divided: this member plays on in `part`, a new session, from `round`. */
      readonly type: 'divided';
      readonly parent: Uint8Array;
      readonly sessionId: Uint8Array;
      readonly round: number;
      readonly part: number;
      /** Members per part (0–3) at the division. */
      readonly parts: readonly number[];
    }
  | {
      /** The group folded back into its parent leaf (a merge): the same members, a new session, from `round`. */
      readonly type: 'collapsed';
      readonly parent: Uint8Array;
      readonly sessionId: Uint8Array;
      readonly round: number;
      readonly members: number;
    }
  /** `startMs`: when `round` starts on the shared clock (hand-overs compare two groups' schedules). */
  | { readonly type: 'joined'; readonly view: number; readonly round: number; readonly startMs: number }
  /** `round` is the first round without this member; `startMs` when it starts. */
  | { readonly type: 'left'; readonly view: number; readonly round: number; readonly startMs: number; readonly reason: 'leave' | 'removed' | 'alone' };

/**
 * How a group divides (a quadtree leaf, src/zones): the rule is applied by every replica to agreed
 * facts only (the member count, the positions in the game state), so every replica divides the
 * same way at the same round.
 */
export interface GroupDivision {
  /** Whether a group of `members` players divides (checked after every played round). */
  shouldDivide(members: number): boolean;
  /** The part (0–3) an agreed position goes to. */
  partOf(x: number, y: number): number;
  /** This member now plays in part `part`: that group's own division rule (none: it never divides). */
  divided(part: number): GroupDivision | undefined;
  /** This member's wish to fold the group back into its parent (a merge): from what it knows of the neighbours, not agreed. */
  wantsCollapse?(): boolean;
  /** Whether a `collapse` operation played in a group of `members` players is applied (agreed facts only). */
  mayCollapse?(members: number): boolean;
  /** The group folded back into its parent: the parent's division rule. */
  collapsed?(): GroupDivision | undefined;
}

/** A character door's answer: the reason is the door's own (`edited`, `unwitnessed`, ...). */
export type CharacterVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface GroupMemberDeps {
  readonly peer: PeerNode;
  readonly neo: NeoEndpoint;
  readonly clock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  /** The bot's own random stream. */
  readonly botRng: Rng;
  /** A movement model's destination per round (null: roam). */
  readonly steer?: (round: number) => { readonly x: number; readonly y: number } | null;
  /** Every update of another member this member played: its latency from creation, and who sent it. */
  readonly onPlayout?: (latencyMs: number, sender: GroupSeat) => void;
  /** Told of every view change this member applies (every member of the group tells the same change) and of its own arrival and departure. */
  readonly onEvent?: (event: GroupEvent) => void;
  /** Every decided round of every view this member ran, after it was played (NeoSessionDeps.onDecided). */
  readonly onDecided?: (view: GroupView, round: number, outcomes: readonly UpdateOutcome[], stateHash: string) => void;
  /** Signed evidence against another member (a cheat-proof candidate); `member` is the one that found it. */
  readonly onEvidence?: (evidence: GroupEvidence, member: GroupMember) => void;
  /** A member's round message whose content signature failed, though its envelope's MAC held (NeoSessionDeps.onBadSignature). */
  readonly onBadSignature?: (offender: Uint8Array, round: number) => void;
  /**
   * Checks a joiner's identity (src/auth createIdentityVerifier) before this member sponsors it:
   * banned, expired, forged and unknown identities are refused and counted. Absent: anyone may join.
   */
  readonly identity?: {
    check(publicKey: Uint8Array, attached?: { readonly keyCertificate?: KeyCertificate; readonly gameKey?: GameKey }): Promise<IdentityVerdict>;
    /** Told of every valid ban this member learns (exclude() or group-ban gossip), so the banned player is refused at the door too. */
    learnBan?(ban: BanCertificate): boolean;
  };
  /** Told of every join request refused for its identity. */
  readonly onJoinRefused?: (publicKey: Uint8Array, verdict: Exclude<IdentityVerdict, 'ok'>) => void;
  /**
   * Checks the character a joiner brings (its `group-join` field, opaque here) after its identity
   * and before this member sponsors it: a game with witnessed characters gives the storage layer's
   * door (docs/storage.md, "The door at admission"). Refused joiners are counted
   * (`joinsRefusedCharacter`) and told to `onCharacterRefused`. Absent: no character is asked for.
   */
  readonly characterDoor?: { check(publicKey: Uint8Array, character: Uint8Array | null): Promise<CharacterVerdict> };
  readonly onCharacterRefused?: (publicKey: Uint8Array, reason: string) => void;
  /** The character this player brings to its join requests (asked afresh for each one); none when absent. */
  readonly character?: () => Uint8Array | null;
  /** The avatar a player handed over from another group brings (src/zones): asked afresh for each join request. */
  readonly avatar?: () => Avatar | null;
  /** This player's certificates, attached to its join requests. */
  readonly credentials?: { readonly keyCertificate?: KeyCertificate; readonly gameKey?: GameKey };
  /** The group divides into parts (a quadtree leaf splitting); groups with a division may also shrink to one member. */
  readonly division?: GroupDivision;
  /** Told of every successful resynchronisation of this member's game (src/groups/resync.ts). */
  readonly onResync?: (outcome: ResyncOutcome) => void;
  /**
   * Every notice (GroupPayload.notices) in the rounds this member plays, in the agreed order: the
   * layer that proposed it checks and applies it, the same way at every replica.
   */
  readonly onNotice?: (notice: Uint8Array, round: number) => void;
  /**
   * Notices that are votes (a game process's outcome, src/compute/outcome.ts): not played one by one
   * but tallied within the round they are played in, and what the round's votes decide applied to
   * the game right after its updates (and recorded, so a resync replays it). `decide` must answer
   * the same at every replica from the votes (member index and bytes) and the view's size.
   */
  readonly votes?: {
    isVote(notice: Uint8Array): boolean;
    decide(votes: readonly { readonly member: number; readonly notice: Uint8Array }[], context: { readonly members: number; readonly seats: number; readonly round: number; readonly session: Uint8Array }): readonly GameEffect[];
  };
}

export const GROUP_COUNTERS = [
  'viewChanges',
  'admitted',
  'leaves',
  'removals',
  'opsDeferred',
  'opsRefused',
  'malformedPayloads',
  'joinRequests',
  'welcomesSent',
  'statesSent',
  'welcomesRefused',
  /** Welcomes that arrived rounds after their view began (the joiner starts from the round in progress). */
  'welcomesLate',
  /** Views a joiner gave up because the game state never came. */
  'viewsAbandoned',
  'statesRefused',
  /** Members excluded by an authority ban (applied view changes). */
  'bans',
  'banGossipSent',
  'banGossipReceived',
  /** Ban certificates (gossip or exclude()) whose signatures did not verify, or that name nobody in the view. */
  'banGossipRefused',
  /** Join requests refused for the joiner's identity, by verdict. */
  'joinsRefusedBanned',
  'joinsRefusedExpired',
  'joinsRefusedForged',
  'joinsRefusedUnknown',
  /** Join requests refused for the character the joiner brought (GroupMemberDeps.characterDoor). */
  'joinsRefusedCharacter',
  /** Notices the group had played already (two members proposed the same one): not played again. */
  'noticesRepeated',
  ...RESYNC_GROUP_COUNTERS,
] as const;
export type GroupCounter = (typeof GROUP_COUNTERS)[number];

export type GroupMemberState = 'joining' | 'member' | 'leaving' | 'left' | 'crashed' | 'finished';

export interface GroupMember {
  readonly publicKey: Uint8Array;
  readonly state: GroupMemberState;
  /** Resolves when this member is out of the group: left, removed, crashed, or the last round played. */
  readonly done: Promise<void>;
  /** Founders: round `startRound` of the first view at `startMs` on the shared clock. */
  begin(startMs: number): void;
  /** Graceful leave: proposed in the next updates until a view without this member takes effect. */
  leave(): void;
  /** Stops at once, telling nobody (a crash); the host closes the socket. */
  crash(): void;
  /**
   * Puts a notice (at most MAX_NOTICE_BYTES) into this member's updates, one per update in the
   * order proposed, until the group plays it or `rounds` rounds have passed.
   */
  propose(notice: Uint8Array, rounds?: number): void;
  /**
   * Puts a vote (GroupMemberDeps.votes) into this member's update of exactly `round`, ahead of any
   * other notice; false when that round's update is already made, another vote is queued for it,
   * or the round is past the run.
   */
  voteAt(round: number, notice: Uint8Array): boolean;
  /**
   * This player's member of group session `session`, in that group's agreed view: itself when its
   * view is of that session (a zone player, src/zones, may sit in two groups during a hand-over).
   */
  memberOf(session: Uint8Array): GroupMember | null;
  /**
   * Propose the exclusion of a banned player: `ban` and `keyCertificate` are the authority's, and
   * the key must be a member of the current view. Also gossips them to the view (`group-ban`).
   * False (and counted) when they do not verify or name nobody here.
   */
  exclude(ban: BanCertificate, keyCertificate: KeyCertificate): boolean;
  counters(): Record<GroupCounter, number>;
  /** NEO counters summed over every view this member ran. */
  neoCounters(): Record<NeoCounter, number>;
  /** This replica's state hash (hex) after `round`, if one of its views still keeps it (recent rounds only). */
  playedHashAt(round: number): string | undefined;
  /** The round in progress on this member's schedule, and when a round starts (shared clock); null before it holds a view. */
  schedule(): { readonly roundNow: number; startOfRound(round: number): number } | null;
  /** This member's own place in its game (the agreed position, hp and gold); null before it holds the game or once dead. */
  avatar(): Avatar | null;
  /**
   * Whether this member's view can no longer agree: at most half of it played an update in the last
   * evictAfterRounds rounds (this member counts as live), or not even this member's own updates were
   * played. Such a group can agree on nothing again, not even removing its silent members (a group
   * of two, or of three, after a crash).
   */
  stranded(): boolean;
  /** Until when (this clock's ms) a view this member has left still answers fetches for its last rounds; 0 if it left none. */
  answersFetchesUntilMs(): number;
  readonly view: GroupView | null;
  readonly game: Game | null;
  readonly roundMs: number;
}

/** The state a sponsor sends its joiner (group-state): the game after the round before its first, and the group's bookkeeping a replica needs to judge alike. */
interface GroupStateToSend {
  readonly view: number;
  readonly round: number;
  readonly bytes: Uint8Array;
  readonly missed: readonly number[];
  readonly notices: readonly Uint8Array[];
}

interface PendingChange {
  readonly view: GroupView;
  readonly removedSeats: readonly number[];
  readonly addedSeats: readonly { readonly seat: number; readonly avatar?: Avatar }[];
  /** Joiners this member sponsored: it sends them the welcome now and the state after the change. */
  readonly sponsored: readonly GroupSeat[];
  readonly leaderChanged: boolean;
  /** The leader was removed as silent: its first round without a played update. */
  readonly leaderSilentFrom?: number;
  readonly left: number;
  readonly removed: number;
  readonly banned: number;
  /** A division: this member's part and every part's size. */
  readonly division?: { readonly parent: Uint8Array; readonly part: number; readonly parts: readonly number[] };
  /** A collapse into the parent leaf. */
  readonly collapse?: { readonly parent: Uint8Array };
}

/** Extra rounds before a view that admits a player takes effect (see decideChange). */
const ADMIT_EXTRA_LEAD_ROUNDS = 10;
/** A joiner still without the game state this many rounds into its view gives the view up. */
const ABANDON_VIEW_AFTER_ROUNDS = 30;
/** How long a door's verdict on a joiner's character answers that joiner's repeated requests. */
const DOOR_VERDICT_FRESH_MS = 5_000;
/** A welcome whose view started more than this many rounds ago is too late to join on. */
const LATE_WELCOME_ROUNDS = 2;

const IDLE_UPDATE = encodeUpdate({ dx: 0, dy: 0, action: { kind: 'none' } });
/** Join requests are held this many rounds for the sponsor to get them into a view. */
const ADMIT_HOLD_ROUNDS = 100;
const MAX_ADMIT_REQUESTS = 16;

/**
 * A group's leader and standby, derived from the agreed view alone (so every member names the
 * same): member 0 leads, member 1 stands by. Views keep the members who stay in order, so when
 * the leader leaves or is removed the standby leads the next view.
 */
export function leadersOf(view: GroupView): { readonly leader: GroupSeat; readonly standby: GroupSeat | null } {
  return { leader: view.members[0] as GroupSeat, standby: view.members[1] ?? null };
}

/** A founding member of a group: every founder builds the same first view. */
export function createFounder(view: GroupView, config: GroupConfig, deps: GroupMemberDeps, avatars?: ReadonlyMap<number, Avatar>): GroupMember {
  checkView(view, config, deps.division ? 1 : 2);
  const member = new Member(config, deps);
  member.found(view, avatars);
  return member;
}

/**
 * A player joining a running group: asks `contacts()` (rotating) until a member sponsors it, takes
 * the view from the welcome and the game state from its sponsor, and plays from the view's first round.
 */
export function createJoiner(sessionId: Uint8Array, contacts: () => readonly Endpoint[], config: GroupConfig, deps: GroupMemberDeps): GroupMember {
  const member = new Member(config, deps);
  member.requestJoin(sessionId, contacts);
  return member;
}

function checkView(view: GroupView, config: GroupConfig, minMembers: number): void {
  if (view.members.length < minMembers || view.members.length > config.seats) throw new RangeError(`group view: between ${minMembers} and ${config.seats} members, got ${view.members.length}`);
  const seats = new Set(view.members.map((m) => m.seat));
  if (seats.size !== view.members.length || [...seats].some((s) => !Number.isInteger(s) || s < 0 || s >= config.seats)) {
    throw new RangeError(`group view: seats must be distinct integers in [0, ${config.seats - 1}]`);
  }
}

class Member implements GroupMember {
  readonly publicKey: Uint8Array;
  state: GroupMemberState = 'joining';
  readonly done: Promise<void>;
  view: GroupView | null = null;
  game: Game | null = null;
  /** See answersFetchesUntilMs. */
  private answeringUntilMs = 0;
  private resolveDone: () => void = () => {};
  private bot: Bot | null = null;
  private session: NeoSession | null = null;
  private nextSession: NeoSession | null = null;
  private readonly allSessions: NeoSession[] = [];
  private pending: PendingChange | null = null;
  /** Consecutive rounds each member of the current view had no accepted update: agreed by every replica. */
  private missed: number[] = [];
  /** The door's verdicts on the characters of recent join requests, by joiner and character. */
  private readonly doorVerdicts = new Map<string, { readonly verdict: Promise<CharacterVerdict>; readonly untilMs: number }>();
  private readonly admitRequests = new Map<string, { seat: GroupSeat; avatar: Avatar | null; untilRound: number }>();
  private leaveRequested = false;
  /** Digests of the notices this group played lately (oldest first): a notice is played once per group, joiners included. */
  private playedNotices: Uint8Array[] = [];
  /** Notices proposed until played (or given up at `untilRound`). */
  private notices: { readonly bytes: Uint8Array; untilRound: number | null; readonly rounds: number }[] = [];
  /** Votes for exact rounds (voteAt), and the last round whose update was made. */
  private readonly votesAt = new Map<number, Uint8Array>();
  private payloadRound = -1;
  /** Verified bans of current members, proposed until the exclusion is agreed; keyed by member key (hex). */
  private readonly bans = new Map<string, { ban: BanCertificate; keySignature: Uint8Array }>();
  /** The latest change's welcome and post-change state, so any member can answer a joiner that asks again. */
  private lastWelcome: { view: GroupView; lastRound: number } | null = null;
  /** The state a joiner was welcomed with: the round it is the state after, and its hash. */
  private welcomedWith: { readonly round: number; readonly hash: string } | null = null;
  private lastState: GroupStateToSend | null = null;
  private joinTimer: TimerHandle | null = null;
  private readonly evictAfter: number;
  private readonly leadRounds: number;
  private readonly count = Object.fromEntries(GROUP_COUNTERS.map((c) => [c, 0])) as Record<GroupCounter, number>;
  /** Which round messages NEO samples for a signature check: a stream of this member's own. */
  private readonly sampleRandom: () => number;
  private readonly resync: Resync;
  private readonly groups: GroupEndpoint;
  private readonly route: GroupRoute;
  /** Sessions routed to this member: its view's, and while a split is pending its child's. */
  private readonly routedSessions: Uint8Array[] = [];
  /** The schedule of the last view this member left (a 'left' event's round start). */
  private lastSchedule: NeoSession | null = null;
  /** This group's division rule; replaced by the part's own when it divides. */
  private division: GroupDivision | undefined;
  /** Fewest members a view keeps: a divisible group (a quadtree leaf) may hold one player. */
  private readonly minMembers: number;

  constructor(
    private readonly config: GroupConfig,
    private readonly deps: GroupMemberDeps,
  ) {
    // Welcomes (one datagram) cap groups that admit players at MAX_CHANGING_GROUP_SIZE; profiles check that.
    if (config.seats < 2 || config.seats > MAX_GROUP_SIZE) throw new RangeError(`group seats must be in [2, ${MAX_GROUP_SIZE}], got ${config.seats}`);
    this.publicKey = deps.peer.publicKey;
    this.evictAfter = config.evictAfterRounds ?? 10;
    this.division = deps.division;
    this.minMembers = deps.division ? 1 : 2;
    const sampleRng = deps.botRng.fork('neo-signature-sample');
    this.sampleRandom = () => sampleRng.float();
    // A change decided in round r takes effect once every member has surely decided r, even one that
    // had to wait for the forced decision: r + d + maxWait, plus a margin for the news to arrive.
    this.leadRounds = (config.neo.pipelineDepth ?? 1) + (config.neo.maxWaitRounds ?? 8) + 3;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const transport = deps.peer.transport;
    this.groups = groupEndpointOf(transport);
    this.resync = new Resync(
      { stateHashEvery: config.neo.stateHashEvery ?? 10, seats: config.seats },
      {
        transport,
        clock: deps.clock,
        scheduler: deps.scheduler,
        publicKey: this.publicKey,
        counters: this.count,
        game: () => this.game,
        adopt: (game, hashes) => this.adoptGame(game, hashes),
        view: () => this.view,
        roundMs: () => this.roundMs,
        roundNow: () => this.roundNow(),
        ...(deps.onResync ? { onResync: deps.onResync } : {}),
      },
    );
    this.route = {
      onJoin: (m) => this.onJoinRequest(m),
      onWelcome: (m) => this.onWelcome(m),
      onState: (m) => this.onState(m),
      onBan: (m) => this.onBan(m),
      onResyncFetch: (m) => this.resync.answer(m),
      onResyncState: (m) => this.resync.receive(m),
    };
  }

  get roundMs(): number {
    return this.session?.roundMs ?? this.config.neo.roundMs;
  }

  counters(): Record<GroupCounter, number> {
    return { ...this.count };
  }

  playedHashAt(round: number): string | undefined {
    for (const s of this.allSessions) {
      const hash = s.playedHash(round);
      if (hash !== undefined) return hash;
    }
    // A joiner holds the state after the round before its first view, received, not played: its hash counts too.
    return this.welcomedWith?.round === round ? this.welcomedWith.hash : undefined;
  }

  neoCounters(): Record<NeoCounter, number> {
    const sum = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
    for (const s of this.allSessions) {
      const c = s.counterSnapshot();
      for (const k of NEO_COUNTERS) sum[k] += c[k];
    }
    // Resynchronisation is NEO's (SPEC §5) but runs here, over the game: its counters join the sum.
    for (const [k, v] of Object.entries(this.resync.neo) as [NeoCounter, number][]) sum[k] += v;
    return sum;
  }

  /** A resync healed the game: play on from the fetched state, and report the corrected hashes. */
  private adoptGame(game: Game, hashes: ReadonlyMap<number, string>): void {
    this.game = game;
    for (const s of this.allSessions) s.replaceStateHashes(hashes);
  }

  /** The round of the current view's schedule in progress now. */
  private roundNow(): number {
    return this.session?.roundAt(this.deps.clock.nowMs()) ?? 0;
  }

  // ---- founding and joining ---------------------------------------------------------------------

  private routeSession(sessionId: Uint8Array): void {
    this.groups.register(sessionId, this.route);
    this.routedSessions.push(sessionId);
  }

  private unrouteSession(sessionId: Uint8Array): void {
    this.groups.unregister(sessionId, this.route);
    const i = this.routedSessions.indexOf(sessionId);
    if (i >= 0) this.routedSessions.splice(i, 1);
  }

  private unrouteAll(): void {
    for (const id of this.routedSessions) this.groups.unregister(id, this.route);
    this.routedSessions.length = 0;
  }

  /** Founders of a group in a world (a quadtree leaf) start where their `avatars` (by seat) stand. */
  found(view: GroupView, avatars?: ReadonlyMap<number, Avatar>): void {
    this.routeSession(view.sessionId);
    const game = createGame({ members: this.config.seats, seed: this.config.gameSeed, ...(this.config.worldSize ? { worldSize: this.config.worldSize, chests: 0 } : {}) });
    const occupied = new Set(view.members.map((m) => m.seat));
    for (let seat = 0; seat < this.config.seats; seat++) if (!occupied.has(seat)) game.setSeat(seat, false);
    for (const [seat, avatar] of avatars ?? []) if (occupied.has(seat)) game.setSeat(seat, true, avatar);
    // A group founded mid-run (a player walking into an empty leaf) plays from its first round on.
    this.game = view.startRound > 0 ? restoreGame({ ...game.snapshot(), round: view.startRound - 1 }) : game;
    this.enterView(view);
    this.session = this.openSession(view, null);
    this.state = 'member';
  }

  begin(startMs: number): void {
    this.session?.start(startMs);
  }

  requestJoin(sessionId: Uint8Array, contacts: () => readonly Endpoint[]): void {
    this.routeSession(sessionId);
    let attempt = 0;
    const ask = () => {
      this.joinTimer = null;
      if (this.state !== 'joining' || this.game !== null) return;
      this.abandonStaleView();
      const list = contacts();
      const to = list[attempt++ % Math.max(1, list.length)];
      const c = this.deps.credentials;
      if (to) this.deps.peer.transport.send(to, GroupJoin, { session: sessionId, keyCertificate: c?.keyCertificate ?? null, gameKey: c?.gameKey ?? null, avatar: this.deps.avatar?.() ?? null, character: this.deps.character?.() ?? null });
      // Retries until the state arrived: a lost request, welcome or state costs one retry period.
      this.joinTimer = this.deps.scheduler.schedule(this.deps.clock.nowMs() + 5 * this.config.neo.roundMs, ask);
    };
    ask();
  }

  /**
   * A joiner holding a view but, long after it began, still no game state (the state was lost and
   * the group has changed again since, so nobody keeps it) gives that view up and asks afresh; the
   * group evicts the silent seat and admits it again.
   */
  private abandonStaleView(): void {
    const session = this.session;
    if (!session || !this.view || this.game) return;
    const giveUpAt = session.startOfRound(this.view.startRound + ABANDON_VIEW_AFTER_ROUNDS);
    if (this.deps.clock.nowMs() < giveUpAt) return;
    this.deps.neo.leave(session);
    this.session = null;
    this.view = null;
    this.count.viewsAbandoned++;
  }

  private onJoinRequest(m: Incoming<GroupJoinBody>): void {
    const key = m.senderKey;
    const view = this.view;
    if (!key || !view || (this.state !== 'member' && this.state !== 'leaving') || !equalBytes(m.body.session, view.sessionId)) return;
    this.count.joinRequests++;
    const identity = this.deps.identity;
    const admit = () => this.checkCharacter(key, m.from, m.body.avatar, m.body.character);
    if (!identity) return admit();
    const attached = { ...(m.body.keyCertificate ? { keyCertificate: m.body.keyCertificate } : {}), ...(m.body.gameKey ? { gameKey: m.body.gameKey } : {}) };
    void identity.check(key, attached).then((verdict) => {
      if (verdict === 'ok') return admit();
      const counter = verdict === 'banned' ? 'joinsRefusedBanned' : verdict === 'expired' ? 'joinsRefusedExpired' : verdict === 'forged' ? 'joinsRefusedForged' : 'joinsRefusedUnknown';
      this.count[counter]++;
      this.deps.onJoinRefused?.(key, verdict);
    });
  }

  /** The second check at the door, once the identity passed: the character the joiner brings, when this group asks for one. */
  private checkCharacter(key: Uint8Array, from: Endpoint, avatar: Avatar | null, character: Uint8Array | null): void {
    const door = this.deps.characterDoor;
    if (!door) return this.holdJoinRequest(key, from, avatar);
    const refuse = (reason: string) => {
      this.count.joinsRefusedCharacter++;
      this.deps.onCharacterRefused?.(key, reason);
    };
    // A joiner repeats its request every retry period: the same character is checked once (a check
    // costs lookups and signature verifications), its verdict shared by the repeats while it is fresh.
    const id = `${toHex(key)}/${character ? toHex(sha256(character)) : '-'}`;
    const nowMs = this.deps.clock.nowMs();
    for (const [k, v] of this.doorVerdicts) if (v.untilMs <= nowMs) this.doorVerdicts.delete(k);
    let checked = this.doorVerdicts.get(id)?.verdict;
    if (!checked) {
      checked = door.check(key, character);
      this.doorVerdicts.set(id, { verdict: checked, untilMs: nowMs + DOOR_VERDICT_FRESH_MS });
      if (this.doorVerdicts.size > MAX_ADMIT_REQUESTS) this.doorVerdicts.delete(this.doorVerdicts.keys().next().value as string);
    }
    checked.then(
      (verdict) => (verdict.ok ? this.holdJoinRequest(key, from, avatar) : refuse(verdict.reason)),
      // A door that could not answer (its DHT closing under it) admits nobody.
      () => refuse('door-failed'),
    );
  }

  private holdJoinRequest(key: Uint8Array, from: Endpoint, avatar: Avatar | null): void {
    const view = this.view;
    if (!view || (this.state !== 'member' && this.state !== 'leaving')) return;
    const id = toHex(key);
    // Asked again by someone already admitted: the welcome (or the state) was lost on the way.
    const target = this.pending?.view.members.find((s) => equalBytes(s.publicKey, key)) ?? view.members.find((s) => equalBytes(s.publicKey, key));
    if (target) {
      // Only a member of that view answers: a joiner trusts a welcome and a state from its own view's members.
      const welcome = this.lastWelcome;
      if (!welcome || !welcome.view.members.some((s) => equalBytes(s.publicKey, this.publicKey))) return;
      if (welcome.view.members.some((s) => equalBytes(s.publicKey, key))) this.sendWelcome(target, welcome.view);
      if (this.lastState && this.lastState.view === welcome.view.number) this.sendState(target, this.lastState);
      return;
    }
    if (this.admitRequests.size >= MAX_ADMIT_REQUESTS && !this.admitRequests.has(id)) return;
    const round = this.session?.nextRound ?? 0;
    // A repeated request refreshes the avatar: a player handed over keeps walking while it waits.
    this.admitRequests.set(id, { seat: { publicKey: key, endpoint: from, seat: -1 }, avatar, untilRound: round + ADMIT_HOLD_ROUNDS });
  }

  private onWelcome(m: Incoming<GroupWelcomeBody>): void {
    const w = m.body;
    const from = m.senderKey;
    if (this.state !== 'joining' || !from) return;
    const me = w.members.findIndex((s) => equalBytes(s.publicKey, this.publicKey));
    const sponsor = w.members.findIndex((s) => equalBytes(s.publicKey, from));
    const seats = new Set(w.members.map((s) => s.seat));
    const valid = me >= 0 && sponsor >= 0 && sponsor !== me && w.members.length >= 2 && seats.size === w.members.length && [...seats].every((s) => s < this.config.seats) && w.roundMs >= 1 && w.roundMs <= 60_000 && Number.isFinite(w.startOffsetMs) && Math.abs(w.startOffsetMs) < 600_000;
    if (!valid) return void this.count.welcomesRefused++;
    // The first welcome wins; a later one for the same view is a retransmission.
    if (this.view) return;
    // Another member of this player still runs that view (one it is leaving, or winding down after
    // it left): a peer joins a view once, so this join waits for a later one.
    if (this.deps.neo.has(w.session, w.view)) return void this.count.welcomesRefused++;
    // A view that began rounds ago: join it from the round in progress (NeoSession.start skips the
    // past ones). Staying silent instead would leave an admitted seat that counts in every majority.
    if (w.startOffsetMs < -LATE_WELCOME_ROUNDS * w.roundMs) this.count.welcomesLate++;
    const view: GroupView = { sessionId: w.session, number: w.view, startRound: w.startRound, members: w.members.map((s) => ({ publicKey: s.publicKey, endpoint: { host: s.host, port: s.port }, seat: s.seat })) };
    this.enterView(view);
    const startMs = this.deps.clock.nowMs() + w.startOffsetMs;
    this.session = this.openSession(view, { startMs, roundMs: w.roundMs, lastRound: Math.min(w.lastRound, this.config.neo.lastRound) });
    this.session.start();
  }

  private onState(m: Incoming<GroupStateBody>): void {
    const from = m.senderKey;
    const view = this.view;
    if (this.state !== 'joining' || this.game || !view || !from || !equalBytes(m.body.session, view.sessionId) || m.body.view !== view.number) return;
    if (m.body.round !== view.startRound - 1 || !view.members.some((s) => equalBytes(s.publicKey, from))) return void this.count.statesRefused++;
    let snapshot: GameSnapshot;
    let game: Game;
    try {
      snapshot = decodeState(m.body.state);
      if (snapshot.members.length !== this.config.seats || snapshot.round !== m.body.round || m.body.missed.length !== view.members.length) return void this.count.statesRefused++;
      game = restoreGame(snapshot);
    } catch (e) {
      if (e instanceof DecodeError || e instanceof RangeError || e instanceof TypeError) return void this.count.statesRefused++;
      throw e;
    }
    this.game = game;
    this.welcomedWith = { round: snapshot.round, hash: toHex(game.stateHash()) };
    this.missed = [...m.body.missed];
    this.playedNotices = [...m.body.notices];
    this.state = 'member';
    this.joinTimer?.cancel();
    this.deps.onEvent?.({ type: 'joined', view: view.number, round: view.startRound, startMs: this.session?.startOfRound(view.startRound) ?? this.deps.clock.nowMs() });
    this.session?.poke();
  }

  // ---- bans -------------------------------------------------------------------------------------

  exclude(ban: BanCertificate, keyCertificate: KeyCertificate): boolean {
    if (!this.acceptBan(ban, keyCertificate)) return false;
    const view = this.view as GroupView;
    for (const s of view.members) {
      if (equalBytes(s.publicKey, this.publicKey)) continue;
      this.deps.peer.transport.send(s.endpoint, GroupBan, { session: view.sessionId, ban, keyCertificate });
      this.count.banGossipSent++;
    }
    return true;
  }

  private onBan(m: Incoming<GroupBanBody>): void {
    const view = this.view;
    if (!view || !equalBytes(m.body.session, view.sessionId)) return;
    this.count.banGossipReceived++;
    this.acceptBan(m.body.ban, m.body.keyCertificate);
  }

  /** Verifies a ban against the authority key and remembers it for proposal if it names a current member. */
  private acceptBan(ban: BanCertificate, keyCertificate: KeyCertificate): boolean {
    const view = this.view;
    const authority = this.config.authorityPublicKey;
    const ed = this.deps.peer.ed25519;
    const valid =
      view !== null &&
      authority !== undefined &&
      ban.playerId === keyCertificate.playerId &&
      verifyCertificate(BanType, ban, authority, ed) &&
      verifyCertificate(KeyCertificateType, keyCertificate, authority, ed) &&
      view.members.some((s) => equalBytes(s.publicKey, keyCertificate.publicKey));
    if (!valid) {
      this.count.banGossipRefused++;
      return false;
    }
    const id = toHex(keyCertificate.publicKey);
    if (!this.bans.has(id)) {
      this.bans.set(id, { ban, keySignature: keyCertificate.signature });
      this.deps.identity?.learnBan?.(ban);
    }
    return true;
  }

  /** The member a ban op names: the one whose key, with the ban's player id, the authority certified. */
  private bannedMember(view: GroupView, op: { ban: BanCertificate; keySignature: Uint8Array }): number {
    const authority = this.config.authorityPublicKey;
    const ed = this.deps.peer.ed25519;
    if (!authority || !verifyCertificate(BanType, op.ban, authority, ed)) return -1;
    return view.members.findIndex((s) => verifyCertificate(KeyCertificateType, { playerId: op.ban.playerId, publicKey: s.publicKey, signature: op.keySignature }, authority, ed));
  }

  // ---- views and sessions -----------------------------------------------------------------------

  /**
   * `missed` carries over for the members who stay (a crashed member is removed after
   * evictAfterRounds silent rounds even when views change often, as they do while players are
   * handed over); joiners start at 0, and a joiner takes the whole array from its sponsor's state.
   */
  private enterView(view: GroupView, missed?: readonly number[]): void {
    this.missed = missed ? [...missed] : this.carriedMissed(view);
    this.view = view;
    const mine = view.members.find((s) => equalBytes(s.publicKey, this.publicKey));
    if (mine && (!this.bot || this.bot.member !== mine.seat)) {
      this.bot = createBot({ member: mine.seat, rng: this.deps.botRng, ...(this.deps.steer ? { steer: this.deps.steer } : {}) });
    }
  }

  private carriedMissed(next: GroupView): number[] {
    const old = this.view;
    return next.members.map((s) => {
      const i = old ? old.members.findIndex((o) => equalBytes(o.publicKey, s.publicKey)) : -1;
      return i >= 0 ? (this.missed[i] ?? 0) : 0;
    });
  }

  private openSession(view: GroupView, timing: { startMs: number; roundMs: number; lastRound: number } | null): NeoSession {
    const me = view.members.findIndex((s) => equalBytes(s.publicKey, this.publicKey));
    const peer = this.deps.peer;
    const session = this.deps.neo.join(
      { sessionId: view.sessionId, number: view.number, startRound: view.startRound, members: view.members.map((s) => ({ publicKey: s.publicKey, endpoint: s.endpoint })) },
      { ...this.config.neo, ...(timing ? { roundMs: timing.roundMs, lastRound: timing.lastRound } : {}) },
      {
        sign: (msg) => peer.signer.sign(msg),
        verify: (sig, msg, pk) => peer.ed25519.verify(sig, msg, pk),
        random: this.sampleRandom,
        clock: this.deps.clock,
        scheduler: this.deps.scheduler,
        memberIndex: me,
        startMs: timing?.startMs ?? this.deps.clock.nowMs(),
        nextUpdate: (round) => this.nextPayload(round),
        playRound: (round, updates) => this.play(view, round, updates),
        stateHash: () => (this.game as Game).stateHash(),
        canPlay: (round) => this.game !== null && this.game.lastRound === round - 1 && this.view === view,
        onDecided: (round, outcomes, stateHash) => {
          this.resync.played(view, round, stateHash);
          this.deps.onDecided?.(view, round, outcomes, stateHash);
        },
        onStateHash: (member, round, hash) => this.resync.report(view, me, member, round, hash),
        onEvidence: (evidence) => {
          const offender = view.members[evidence.member];
          if (offender) this.deps.onEvidence?.({ ...evidence, offender: offender.publicKey, sessionId: view.sessionId, view: view.number }, this);
        },
        onBadSignature: (member, round) => {
          const offender = view.members[member];
          if (offender) this.deps.onBadSignature?.(offender.publicKey, round);
        },
        ...(this.deps.onPlayout ? { onPlayout: this.playoutFrom(view, this.deps.onPlayout) } : {}),
      },
    );
    this.allSessions.push(session);
    session.done.then(() => this.sessionFinished(session));
    return session;
  }

  private playoutFrom(view: GroupView, onPlayout: (latencyMs: number, sender: GroupSeat) => void): (latencyMs: number, member: number) => void {
    return (latencyMs, member) => {
      const sender = view.members[member];
      if (sender) onPlayout(latencyMs, sender);
    };
  }

  private nextPayload(round: number): Uint8Array {
    const update = this.game && this.bot ? encodeUpdate(this.bot.nextUpdate(this.game.snapshot(), round)) : IDLE_UPDATE;
    this.notices = this.notices.filter((n) => (n.untilRound ??= round + n.rounds) >= round);
    this.payloadRound = Math.max(this.payloadRound, round);
    const vote = this.votesAt.get(round);
    for (const r of this.votesAt.keys()) if (r <= round) this.votesAt.delete(r);
    return encodeFittedPayload(update, this.proposals(round), vote ?? this.notices[0]?.bytes);
  }

  /** What this member asks the group to change; repeated each round until the change is agreed. */
  private proposals(round: number): MembershipOp[] {
    const view = this.view;
    if (!view || this.pending || this.state === 'joining' || round + this.leadRounds > this.config.neo.lastRound) return [];
    // A ban (176 bytes of signatures) travels alone: the sealed update holds at most 208 bytes.
    for (const [id, b] of this.bans) {
      if (!view.members.some((s) => toHex(s.publicKey) === id)) {
        this.bans.delete(id);
        continue;
      }
      return [{ kind: 'ban', ban: b.ban, keySignature: b.keySignature }];
    }
    const ops: MembershipOp[] = [];
    if (this.leaveRequested) ops.push({ kind: 'leave' });
    if (this.division?.wantsCollapse?.()) ops.push({ kind: 'collapse' });
    view.members.forEach((s, i) => {
      if ((this.missed[i] ?? 0) >= this.evictAfter && !equalBytes(s.publicKey, this.publicKey)) ops.push({ kind: 'remove', publicKey: s.publicKey });
    });
    // A member on its way out does not sponsor: the joiner takes the welcome and the state only from a member of the new view.
    for (const [id, req] of this.leaveRequested ? [] : this.admitRequests) {
      if (req.untilRound < round || view.members.some((s) => equalBytes(s.publicKey, req.seat.publicKey))) {
        this.admitRequests.delete(id);
        continue;
      }
      ops.push({ kind: 'admit', publicKey: req.seat.publicKey, host: req.seat.endpoint.host, port: req.seat.endpoint.port, ...(req.avatar ? { avatar: req.avatar } : {}) });
    }
    return ops;
  }

  /** Plays one decided round of `view`: the game updates, then the membership operations they carried. */
  private play(view: GroupView, round: number, accepted: readonly NeoPlayedUpdate[]): void {
    const game = this.game as Game;
    const ops: { from: number; op: MembershipOp }[] = [];
    const notices: { member: number; notice: Uint8Array }[] = [];
    const updates = accepted.map(({ member, payload }) => {
      const decoded = decodePayload(payload);
      const seat = (view.members[member] as GroupSeat).seat;
      if (!decoded) {
        this.count.malformedPayloads++;
        // The game counts it as malformed too, the same way in every replica.
        return { member: seat, payload };
      }
      for (const op of decoded.ops) ops.push({ from: member, op });
      for (const notice of decoded.notices ?? []) notices.push({ member, notice });
      return { member: seat, payload: decoded.update };
    });
    game.applyRound(round, updates);
    const votes = this.deps.votes;
    const isVote = (n: Uint8Array) => votes?.isVote(n) === true;
    const effects = votes ? votes.decide(notices.filter((n) => isVote(n.notice)), { members: view.members.length, seats: game.members, round, session: view.sessionId }) : [];
    game.applyEffects(effects);
    // In member order, whatever order NEO listed the updates in: every replica applies them alike.
    for (const { notice } of notices.filter((n) => !isVote(n.notice)).sort((a, b) => a.member - b.member)) {
      this.notices = this.notices.filter((n) => !equalBytes(n.bytes, notice));
      const digest = sha256(notice);
      if (this.playedNotices.some((d) => equalBytes(d, digest))) {
        this.count.noticesRepeated++;
        continue;
      }
      this.playedNotices = [...this.playedNotices, digest].slice(-MAX_PLAYED_NOTICES);
      this.deps.onNotice?.(notice, round);
    }
    this.resync.record(round, updates, effects);
    const played = new Set(accepted.map((u) => u.member));
    this.missed = this.missed.map((n, i) => (played.has(i) ? 0 : n + 1));
    const collapse = ops.some((o) => o.op.kind === 'collapse');
    const membership = collapse ? ops.filter((o) => o.op.kind !== 'collapse') : ops;
    if (membership.length > 0) this.decideChange(view, round, membership);
    if (collapse && !this.pending && this.division?.mayCollapse?.(view.members.length)) this.decideCollapse(view, round);
    if (!this.pending && this.division?.shouldDivide(view.members.length)) this.decideDivision(view, round, this.division);
    if (this.pending && round === this.pending.view.startRound - 1) this.applyChange();
  }

  /** Every replica runs this on the same operations in the same round, so every replica decides the same view. */
  private decideChange(view: GroupView, round: number, ops: readonly { from: number; op: MembershipOp }[]): void {
    const effective = round + this.leadRounds;
    if (this.pending || effective > this.config.neo.lastRound) {
      this.count.opsDeferred += ops.length;
      return;
    }
    const removed = new Set<number>();
    const removedAsSilent = new Set<number>();
    const added: (GroupSeat & { avatar?: Avatar })[] = [];
    const sponsored: GroupSeat[] = [];
    let left = 0;
    let evicted = 0;
    let banned = 0;
    for (const { from, op } of ops) {
      if (op.kind === 'ban') {
        // Self-verifying, so every replica decides the same: the authority signed both the ban and the key binding.
        const i = this.bannedMember(view, op);
        if (i < 0) {
          this.count.opsRefused++;
          continue;
        }
        if (!removed.has(i)) banned++;
        removed.add(i);
      } else if (op.kind === 'leave') {
        if (!removed.has(from)) left++;
        removed.add(from);
      } else if (op.kind === 'remove') {
        const i = view.members.findIndex((s) => equalBytes(s.publicKey, op.publicKey));
        // Only what every replica can check: the member's updates were missing for evictAfter rounds.
        if (i < 0 || (this.missed[i] ?? 0) < this.evictAfter) {
          this.count.opsRefused++;
          continue;
        }
        if (!removed.has(i)) evicted++;
        removed.add(i);
        removedAsSilent.add(i);
      } else if (op.kind === 'admit') {
        const known = view.members.some((s) => equalBytes(s.publicKey, op.publicKey)) || added.some((s) => equalBytes(s.publicKey, op.publicKey));
        const size = view.members.length - removed.size + added.length;
        if (known || size >= this.config.seats) {
          this.count.opsRefused++;
          continue;
        }
        const seat = { publicKey: op.publicKey, endpoint: { host: op.host, port: op.port }, seat: -1, ...(op.avatar && avatarFits(op.avatar, this.game as Game) ? { avatar: op.avatar } : {}) };
        added.push(seat);
        if (equalBytes((view.members[from] as GroupSeat).publicKey, this.publicKey)) sponsored.push(seat);
      }
    }
    if (removed.size === 0 && added.length === 0) return;
    const remaining = view.members.filter((_, i) => !removed.has(i));
    // Seats freed by this change may be taken by its joiners: the game vacates before it fills.
    const taken = new Set(remaining.map((s) => s.seat));
    const addedSeats: { seat: number; avatar?: Avatar }[] = [];
    const joined = added.map(({ avatar, ...s }) => {
      let seat = 0;
      while (taken.has(seat)) seat++;
      taken.add(seat);
      addedSeats.push({ seat, ...(avatar ? { avatar } : {}) });
      return { ...s, seat };
    });
    const members = [...remaining, ...joined];
    // A joiner needs the welcome before the view starts, and its first contact with the sponsor may
    // wait for an identity check in the DHT: views that admit someone start later.
    const startRound = effective + (joined.length > 0 ? ADMIT_EXTRA_LEAD_ROUNDS : 0);
    if (startRound > this.config.neo.lastRound) {
      this.count.opsDeferred += ops.length;
      return;
    }
    const next: GroupView = { sessionId: view.sessionId, number: view.number + 1, startRound, members };
    this.pending = {
      view: next,
      removedSeats: [...removed].map((i) => (view.members[i] as GroupSeat).seat),
      addedSeats,
      sponsored: joined.filter((j) => sponsored.some((s) => equalBytes(s.publicKey, j.publicKey))),
      leaderChanged: members.length > 0 && !equalBytes((members[0] as GroupSeat).publicKey, (view.members[0] as GroupSeat).publicKey),
      // The leader's missed rounds run up to this round: it was last played missed[0] rounds ago.
      ...(removedAsSilent.has(0) ? { leaderSilentFrom: round - (this.missed[0] ?? 0) + 1 } : {}),
      left,
      removed: evicted,
      banned,
    };
    this.session?.endAfter(startRound - 1);
    const stays = members.some((s) => equalBytes(s.publicKey, this.publicKey));
    if (stays && members.length >= this.minMembers) this.openNextSession(next);
    this.lastWelcome = { view: next, lastRound: this.config.neo.lastRound };
    for (const s of this.pending.sponsored) this.sendWelcome(s, next);
  }

  /** The next view's NEO session runs on the current one's schedule, from the change's round on. */
  private openNextSession(next: GroupView): void {
    const current = this.session as NeoSession;
    this.nextSession = this.openSession(next, { startMs: current.startOfRound(next.startRound), roundMs: current.roundMsAt(next.startRound), lastRound: this.config.neo.lastRound });
    this.nextSession.start();
  }

  /**
   * Every replica divides the group the same way: the parts are the agreed positions after `round`
   * (a player who walks across a line before the division takes effect is handed over later), each
   * part a new session whose id every member derives, keeping the members' order and seats.
   */
  private decideDivision(view: GroupView, round: number, division: GroupDivision): void {
    const effective = round + this.leadRounds;
    if (effective > this.config.neo.lastRound) return;
    const positions = (this.game as Game).snapshot().members;
    const partOf = view.members.map((s) => {
      const at = positions[s.seat] as { x: number; y: number };
      return division.partOf(at.x, at.y);
    });
    const me = view.members.findIndex((s) => equalBytes(s.publicKey, this.publicKey));
    const mine = partOf[me] as number;
    const parts = [0, 1, 2, 3].map((p) => partOf.filter((q) => q === p).length);
    const members = view.members.filter((_, i) => partOf[i] === mine);
    const next: GroupView = { sessionId: partSessionId(view.sessionId, effective, mine), number: view.number + 1, startRound: effective, members };
    this.pending = {
      view: next,
      removedSeats: view.members.filter((_, i) => partOf[i] !== mine).map((s) => s.seat),
      addedSeats: [],
      sponsored: [],
      leaderChanged: !equalBytes((members[0] as GroupSeat).publicKey, (view.members[0] as GroupSeat).publicKey),
      left: 0,
      removed: 0,
      banned: 0,
      division: { parent: view.sessionId, part: mine, parts },
    };
    this.session?.endAfter(effective - 1);
    this.routeSession(next.sessionId);
    this.openNextSession(next);
  }

  /** Every replica folds the group into its parent at the same round: the same members and seats, a session every member derives. */
  private decideCollapse(view: GroupView, round: number): void {
    const effective = round + this.leadRounds;
    if (effective > this.config.neo.lastRound) return;
    const next: GroupView = { sessionId: partSessionId(view.sessionId, effective, COLLAPSE_PART), number: view.number + 1, startRound: effective, members: view.members };
    this.pending = { view: next, removedSeats: [], addedSeats: [], sponsored: [], leaderChanged: false, left: 0, removed: 0, banned: 0, collapse: { parent: view.sessionId } };
    this.session?.endAfter(effective - 1);
    this.routeSession(next.sessionId);
    this.openNextSession(next);
  }

  /** After the old view's last round: the game's seats change, joiners get the state, the new view plays on. */
  private applyChange(): void {
    const change = this.pending as PendingChange;
    const game = this.game as Game;
    const round = change.view.startRound - 1;
    for (const seat of change.removedSeats) {
      game.setSeat(seat, false);
      this.resync.recordSeat(round, seat, false);
    }
    for (const { seat, avatar } of change.addedSeats) {
      game.setSeat(seat, true, avatar);
      this.resync.recordSeat(round, seat, true, avatar);
    }
    this.lastState = { view: change.view.number, round, bytes: encodeState(game.snapshot()), missed: this.carriedMissed(change.view), notices: this.playedNotices };
    for (const s of change.sponsored) this.sendState(s, this.lastState);
    this.count.viewChanges++;
    this.count.admitted += change.addedSeats.length;
    this.count.leaves += change.left;
    this.count.removals += change.removed;
    this.count.bans += change.banned;
    const divided = change.division;
    if (change.collapse) {
      this.deps.onEvent?.({ type: 'collapsed', parent: change.collapse.parent, sessionId: change.view.sessionId, round: change.view.startRound, members: change.view.members.length });
      this.division = this.division?.collapsed?.();
      this.unrouteSession(change.collapse.parent);
      this.admitRequests.clear();
      this.lastWelcome = null;
      this.lastState = null;
    } else if (divided) {
      this.deps.onEvent?.({ type: 'divided', parent: divided.parent, sessionId: change.view.sessionId, round: change.view.startRound, part: divided.part, parts: divided.parts });
      this.division = this.division?.divided(divided.part);
      // Joiners asked for the group that divided: they ask again where their position now leads them.
      this.admitRequests.clear();
      this.unrouteSession(divided.parent);
      this.lastWelcome = null;
      this.lastState = null;
    } else {
      this.deps.onEvent?.(
        {
          type: 'view-change',
          view: change.view.number,
          round: change.view.startRound,
          members: change.view.members.length,
          joined: change.addedSeats.length,
          left: change.left,
          removed: change.removed,
          banned: change.banned,
          leaderChanged: change.leaderChanged,
          ...(change.leaderSilentFrom !== undefined ? { failoverRounds: change.view.startRound - change.leaderSilentFrom } : {}),
        },
      );
    }
    this.pending = null;
    const stays = change.view.members.some((s) => equalBytes(s.publicKey, this.publicKey));
    const old = this.session as NeoSession;
    this.lastSchedule = old;
    this.retire(old);
    if (!stays || change.view.members.length < this.minMembers) {
      this.session = null;
      this.nextSession = null;
      this.finish('left', !stays ? (this.leaveRequested ? 'leave' : 'removed') : 'alone', change.view.number, change.view.startRound);
      return;
    }
    this.enterView(change.view);
    this.session = this.nextSession;
    this.nextSession = null;
    // Not now: the old view is still inside its play of this round and hashes the state right after.
    const next = this.session;
    queueMicrotask(() => next?.poke());
  }

  /** A finished view keeps answering fetches for the rounds a slower member may still ask about. */
  private retire(session: NeoSession): void {
    const depth = this.config.neo.pipelineDepth ?? 1;
    const grace = session.startOfRound(session.finalRound + depth + (this.config.neo.maxWaitRounds ?? 8) + 2);
    this.answeringUntilMs = Math.max(this.answeringUntilMs, grace);
    this.deps.scheduler.schedule(Math.max(grace, this.deps.clock.nowMs()), () => this.deps.neo.leave(session));
  }

  answersFetchesUntilMs(): number {
    return this.answeringUntilMs;
  }

  schedule(): { readonly roundNow: number; startOfRound(round: number): number } | null {
    const session = this.session;
    return session ? { roundNow: session.roundAt(this.deps.clock.nowMs()), startOfRound: (round) => session.startOfRound(round) } : null;
  }

  stranded(): boolean {
    const view = this.view;
    if (!view || (this.state !== 'member' && this.state !== 'leaving')) return false;
    // Nothing of its own played either: the group accepts nothing (a group of three with a crashed
    // member never again knows every ballot, so it is never certain of a majority of two).
    const mine = view.members.findIndex((s) => equalBytes(s.publicKey, this.publicKey));
    if ((this.missed[mine] ?? 0) >= this.evictAfter) return true;
    const live = view.members.filter((_, i) => i === mine || (this.missed[i] ?? 0) < this.evictAfter).length;
    return live * 2 <= view.members.length;
  }

  avatar(): Avatar | null {
    const seat = this.view?.members.find((s) => equalBytes(s.publicKey, this.publicKey))?.seat;
    const m = seat === undefined ? undefined : this.game?.snapshot().members[seat];
    return m && m.alive ? { x: m.x, y: m.y, hp: m.hp, gold: m.gold } : null;
  }

  private sessionFinished(session: NeoSession): void {
    // The group's last round (the run's end) was played in the view this member is in.
    if (session === this.session && session.finalRound >= this.config.neo.lastRound && this.state !== 'crashed') {
      this.finish('finished', null, session.view.number, session.finalRound);
    }
  }

  private finish(state: GroupMemberState, reason: 'leave' | 'removed' | 'alone' | null, view: number, round: number): void {
    this.state = state;
    this.joinTimer?.cancel();
    this.resync.stop();
    this.unrouteAll();
    if (reason) this.deps.onEvent?.({ type: 'left', view, round, startMs: this.lastSchedule?.startOfRound(round) ?? this.deps.clock.nowMs(), reason });
    this.resolveDone();
  }

  leave(): void {
    if (this.state === 'member') {
      this.leaveRequested = true;
      this.state = 'leaving';
    } else if (this.state === 'joining') {
      this.crash();
    }
  }

  memberOf(session: Uint8Array): GroupMember | null {
    // A member on its way out (a hand-over) still plays in the view until its leave is agreed.
    const playing = this.state === 'member' || this.state === 'leaving';
    return playing && this.view && this.game && equalBytes(this.view.sessionId, session) ? this : null;
  }

  voteAt(round: number, notice: Uint8Array): boolean {
    if (!(notice instanceof Uint8Array) || notice.length > MAX_NOTICE_BYTES) throw new RangeError(`voteAt: a vote is at most ${MAX_NOTICE_BYTES} bytes`);
    if (!Number.isSafeInteger(round) || round <= this.payloadRound || round > this.config.neo.lastRound) return false;
    // One vote per update: a second one for the round (another process's) waits for nothing and is refused.
    const queued = this.votesAt.get(round);
    if (queued) return equalBytes(queued, notice);
    this.votesAt.set(round, notice);
    return true;
  }

  propose(notice: Uint8Array, rounds = 30): void {
    if (!(notice instanceof Uint8Array) || notice.length > MAX_NOTICE_BYTES) throw new RangeError(`propose: a notice is at most ${MAX_NOTICE_BYTES} bytes`);
    if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`propose: rounds must be a positive integer, got ${rounds}`);
    if (this.notices.some((n) => equalBytes(n.bytes, notice))) return;
    this.notices.push({ bytes: notice, untilRound: null, rounds });
  }

  crash(): void {
    if (this.state === 'left' || this.state === 'crashed' || this.state === 'finished') return;
    this.state = 'crashed';
    this.joinTimer?.cancel();
    this.resync.stop();
    this.unrouteAll();
    for (const s of this.allSessions) this.deps.neo.leave(s);
    this.resolveDone();
  }

  // ---- joiners ----------------------------------------------------------------------------------

  private sendWelcome(to: GroupSeat, view: GroupView): void {
    const current = this.session ?? this.nextSession;
    if (!current) return;
    this.deps.peer.transport.send(to.endpoint, GroupWelcome, {
      session: view.sessionId,
      view: view.number,
      startRound: view.startRound,
      startOffsetMs: current.startOfRound(view.startRound) - this.deps.clock.nowMs(),
      roundMs: current.roundMsAt(view.startRound),
      lastRound: this.config.neo.lastRound,
      members: view.members.map((s) => ({ publicKey: s.publicKey, host: s.endpoint.host, port: s.endpoint.port, seat: s.seat })),
    });
    this.count.welcomesSent++;
  }

  private sendState(to: GroupSeat, state: GroupStateToSend): void {
    const view = this.view as GroupView;
    this.deps.peer.transport.send(to.endpoint, GroupState, { session: view.sessionId, view: state.view, round: state.round, state: state.bytes, missed: state.missed.map((n) => Math.min(n, 0xffff)), notices: [...state.notices] });
    this.count.statesSent++;
  }
}

/** An avatar every replica can place: on the map, alive, within the game's bounds (remote input: checked, never thrown on). */
function avatarFits(avatar: Avatar, game: Game): boolean {
  return avatar.x < game.worldSize && avatar.y < game.worldSize && avatar.hp >= 1 && avatar.hp <= START_HP;
}

/** The "part" a collapsed group's session is derived with: not a quarter (0–3). */
const COLLAPSE_PART = 4;

/** The session id of part `part` of a group divided (or collapsed, COLLAPSE_PART) at `round`: every member derives the same. */
function partSessionId(parent: Uint8Array, round: number, part: number): Uint8Array {
  const at = new Uint8Array(5);
  new DataView(at.buffer).setUint32(0, round);
  at[4] = part;
  return taggedSha256(DomainTag.groupSession, parent, at).subarray(0, parent.length);
}
