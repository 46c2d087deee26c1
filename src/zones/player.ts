import type { BanCertificate, KeyCertificate } from '../auth/index.js';
import { createFounder, createJoiner, groupEndpointOf, leadersOf, GROUP_COUNTERS, type GroupConfig, type GroupCounter, type GroupEvent, type GroupMember, type GroupMemberDeps, type GroupMemberState, type GroupView } from '../groups/index.js';
import { MAX_STEP, type Avatar, type Game } from '../game/index.js';
import { NEO_COUNTERS, type NeoCounter } from '../neo/index.js';
import type { LeafGroup, ZoneDirectory } from './directory.js';
import { leafArea, leafDivision, leafHolds, leafKey, zoneAndNested, zoneById, zoneOf, type LeafAddress } from './leaf.js';
import { distanceToRect, type WorldDefinition } from './geometry.js';
import { equalBytes, toHex } from '../crypto/index.js';
import { endpointId, type Endpoint, type Incoming } from '../net/index.js';
import { MAX_BORDER_HINTS, ZoneBorder, ZoneEventMessage, type ZoneBorderBody, type ZoneEventMessageBody } from './messages.js';
import { checkZoneEvent, signZoneEvent, zoneEventId, type ZoneEventKind } from './events.js';
import { LEADER_COUNTERS, LeaderRecords, type FoundLeaders, type LeaderRecordStore } from './leaders.js';

export interface ZonePlayerConfig {
  readonly world: WorldDefinition;
  /** Every leaf group's settings (seats, NEO, the world's size for the game). */
  readonly group: GroupConfig;
  /** A join still not through after this many rounds is given up and tried again. Default 60. */
  readonly joinTimeoutRounds?: number;
}

/** What a zone player runs on: a group member's collaborators, the directory of leaves, and an observer. */
export interface ZonePlayerDeps extends Omit<GroupMemberDeps, 'division' | 'avatar' | 'onEvent' | 'onNotice'> {
  readonly directory: ZoneDirectory;
  readonly onEvent?: (event: ZoneEvent) => void;
  /**
   * The player's DHT for the records of leaves' leaders (docs/zones.md): its groups publish theirs,
   * and it looks its leaf up there when it arrives. Absent: the directory alone.
   */
  readonly leaderRecords?: LeaderRecordStore;
  /** Unix-epoch ms, for the records' expiry (default Date.now). */
  readonly wallNowMs?: () => number;
}

export type ZoneEvent =
  /** A group event of the leaf this player is in (view changes, divisions, its arrival and departure). */
  | { readonly type: 'group'; readonly leaf: LeafAddress; readonly sessionId: Uint8Array; readonly event: GroupEvent }
  /** The player walked into a leaf nobody held and founded its group. */
  | { readonly type: 'founded'; readonly leaf: LeafAddress; readonly sessionId: Uint8Array; readonly round: number }
  /**
   * The player moved from one leaf's group to another's, joining the new before leaving the old.
   * `gapRounds`: rounds between its last round in the old group and its first in the new (0 when they overlap).
   */
  | { readonly type: 'handover'; readonly from: LeafAddress; readonly to: LeafAddress; readonly gapRounds: number; readonly overlapRounds: number }
  /** A group this player is in played a zone-wide event (every replica of the group tells it, at the same round; once per group). */
  | { readonly type: 'zone-event'; readonly id: string; readonly kind: ZoneEventKind; readonly zoneId: string; readonly leaf: LeafAddress; readonly sessionId: Uint8Array; readonly round: number };

/**
 * A player of a world of zones over its whole life: the group members it has been, one leaf after
 * another. It is itself a GroupMember (the current group's state, view and game; counters summed
 * over every group it was in), so a host treats a player in a world like any group member.
 */
export interface ZonePlayer extends GroupMember {
  /** The leaf whose group plays this player's updates (during a hand-over, the one it is leaving). */
  readonly leaf: LeafAddress | null;
  readonly member: GroupMember | null;
  /** Every group member this player has been, oldest first (their counters add up). */
  readonly members: readonly GroupMember[];
  /** A founder of an initial leaf (the harness plans them): `avatars` by seat; call begin() on the start signal. */
  found(leaf: LeafAddress, view: GroupView, avatars: ReadonlyMap<number, Avatar>): void;
  /**
   * A player arriving in the world where `avatar` stands: it looks its leaf up in the directory and
   * joins the group holding it, or founds the leaf's group alone on `schedule` (the run's rounds).
   */
  enter(avatar: Avatar, schedule: RunSchedule): void;
  /**
   * The players this one knows where they are (public keys, hex): its own group's members, and
   * those of neighbouring leaves whose positions their groups forwarded recently.
   */
  knownPlayers(): ReadonlySet<string>;
  /**
   * Raises a zone-wide event of zone `zoneId` (this player's zone or one it is nested in): signed by
   * this player and proposed in its group; once played there, the group's leaders carry it to every
   * group of the zone. Its id (hex), or null when this player is in no group of that zone.
   */
  raise(zoneId: string, kind: ZoneEventKind): string | null;
  zoneCounters(): Record<ZoneCounter, number>;
}

/** The run's round schedule on the shared clock, for a player that founds a group before it is in any. */
export interface RunSchedule {
  roundAt(nowMs: number): number;
  startOfRound(round: number): number;
}

export const ZONE_COUNTERS = [
  'bordersSent',
  'bordersReceived',
  'bordersRefused',
  'joinTimeouts',
  /** Groups a player walked out of alone because they had lost their live majority (it then entered its leaf afresh). */
  'refounded',
  /** Arrivals that joined the group the DHT record of their leaf named, through its leaders. */
  'arrivalsViaLeaders',
  /** Arrivals whose DHT record named a group that no longer holds the leaf (the directory's answer was used). */
  'arrivalsStaleRecord',
  /** Hand-overs put off because the player's groups check characters at the door and its own was not witnessed yet (GroupMemberDeps.character). */
  'handoversAwaitingCharacter',
  ...LEADER_COUNTERS,
  /** Zone events raised by this player. */
  'eventsRaised',
  /** Zone events played by a group of this player (once per group; every replica counts its own). */
  'eventsPlayed',
  /** Zone-event messages this player sent as a leader or standby of the group that played an event first. */
  'eventsForwarded',
  /** Zone events refused: malformed, or a signature that does not verify (an altered event). */
  'eventsRefused',
  /** Zone-event messages from a player the directory does not list in the group that played the event first. */
  'eventsFromOutsiders',
  /** Zone events for a zone this group is not in (nor nested in). */
  'eventsOfOtherZones',
] as const;
export type ZoneCounter = (typeof ZONE_COUNTERS)[number];

/** Where a player stands, as a neighbouring group's leader reported it. */
interface Spot {
  readonly x: number;
  readonly y: number;
}

/** A group this player is in; a division moves it down the tree (a new leaf and session, the same member). */
interface Place {
  leaf: LeafAddress;
  readonly member: GroupMember;
  sessionId: Uint8Array;
  /** When it began to join (shared clock), for the join timeout. */
  readonly sinceMs: number;
  /** Its first round with the player (a 'joined' event), shared-clock start. */
  firstRoundMs: number | null;
  /** Zone events this group played (ids), and those this member proposed to it. */
  readonly events: Set<string>;
  readonly proposed: Set<string>;
  /** The leaders of the last view this member endorsed for the leaf's DHT record (`LeaderRecords.leadersKey`). */
  endorsed: string | null;
}

const CHECK_EVERY_ROUNDS = 2;
/** A group's leader forwards its players' positions to the neighbouring groups every this many checks. */
const BORDER_EVERY_CHECKS = 2;
/** Forwarded positions, what a leader knows of its neighbours and introductions are forgotten after this many border periods. */
const BORDER_TTL_PERIODS = 3;
/**
 * How far beyond the area of interest a leader looks for the groups it sends its positions to: as
 * far as a player walks between two forwards (MAX_STEP a round), so that one who walks into another's
 * area of interest before the next forward is known there already.
 */
const BORDER_SLACK_TILES = MAX_STEP * BORDER_EVERY_CHECKS * CHECK_EVERY_ROUNDS;
/** How far past its leaf's edge a player walks before it is handed over (hysteresis). */
const HANDOVER_MARGIN_TILES = 2;
/** Checks in a row that see another group holding this leaf before this group's player joins it. */
const COALESCE_AFTER_CHECKS = 3;
/** Checks in a row in a group without a live majority before the player founds its leaf afresh. */
const STRANDED_AFTER_CHECKS = 3;

export function createZonePlayer(config: ZonePlayerConfig, deps: ZonePlayerDeps): ZonePlayer {
  return new Player(config, deps);
}

class Player implements ZonePlayer {
  private current: Place | null = null;
  private next: Place | null = null;
  /** Groups handed over from, still playing this player's updates until their view without it starts. */
  private readonly leaving = new Map<GroupMember, { readonly from: Place; readonly to: Place }>();
  readonly members: GroupMember[] = [];
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};
  private stopped = false;
  private generation = 0;
  private readonly sessionRng;

  private readonly count = Object.fromEntries(ZONE_COUNTERS.map((c) => [c, 0])) as Record<ZoneCounter, number>;
  /** Positions neighbouring groups forwarded: player key (hex) → when they arrived. */
  private readonly foreign = new Map<string, number>();
  private checks = 0;
  /** Neighbouring groups as their leaders last reported them: session (hex) → where their players stand, and when that arrived. */
  private readonly neighbours = new Map<string, { readonly sessionId: Uint8Array; readonly players: readonly Spot[]; readonly atMs: number }>();
  /** Groups another group's leader introduced to this player's group lately: session (hex) → when. */
  private readonly introduced = new Map<string, { readonly sessionId: Uint8Array; readonly atMs: number }>();
  /** Introductions this player made as a leader lately: "to>of" (sessions, hex) → when. */
  private readonly introductions = new Map<string, number>();
  /** The run's rounds, for a player that founds a group before it is in any. */
  private runSchedule: RunSchedule | null = null;
  /** Where an arriving player stands until it is in a group. */
  private arriving: Avatar | null = null;
  /** Checks in a row on which another group held this player's leaf. */
  private coalesceStreak = 0;
  private readonly leaderRecords: LeaderRecords | null;
  /** An arriving player's DHT lookup of its leaf: under way, or its answer (null: no record). */
  private arrivalLookup: 'pending' | { readonly found: FoundLeaders | null } | null = null;
  /** Checks in a row on which this player's group had lost its live majority. */
  private strandedStreak = 0;
  /** The same for each group it is leaving. */
  private readonly leavingStranded = new Map<GroupMember, number>();

  constructor(
    private readonly config: ZonePlayerConfig,
    private readonly deps: ZonePlayerDeps,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.sessionRng = deps.botRng.fork('zone-sessions');
    deps.peer.transport.handle(ZoneBorder, (m) => this.onBorder(m));
    deps.peer.transport.handle(ZoneEventMessage, (m) => this.onEventMessage(m));
    this.leaderRecords = deps.leaderRecords
      ? new LeaderRecords(config.world, { peer: deps.peer, store: deps.leaderRecords, wallNowMs: deps.wallNowMs ?? Date.now })
      : null;
  }

  zoneCounters(): Record<ZoneCounter, number> {
    return { ...this.count, ...this.leaderRecords?.counters() };
  }

  knownPlayers(): ReadonlySet<string> {
    const known = new Set<string>();
    const me = toHex(this.deps.peer.publicKey);
    // Every group it plays: a player handed over still plays its old group's rounds until that group's view without it starts.
    for (const place of this.playing()) for (const s of place.member.view?.members ?? []) known.add(toHex(s.publicKey));
    this.forgetOldBorders(this.deps.clock.nowMs());
    for (const key of this.foreign.keys()) known.add(key);
    known.delete(me);
    return known;
  }

  /** The groups whose rounds this player plays: its current group and those it is leaving. */
  private playing(): Place[] {
    const leaving = [...this.leaving.values()].map((h) => h.from);
    return this.current ? [this.current, ...leaving] : leaving;
  }

  /** Forwarded positions, neighbours and introductions expire; kept bounded even when nobody asks who is known. */
  private forgetOldBorders(now: number): void {
    const oldest = now - this.borderTtlMs();
    for (const [key, atMs] of this.foreign) if (atMs < oldest) this.foreign.delete(key);
    for (const [id, n] of this.neighbours) if (n.atMs < oldest) this.neighbours.delete(id);
    for (const [id, n] of this.introduced) if (n.atMs < oldest) this.introduced.delete(id);
    for (const [pair, atMs] of this.introductions) if (atMs < oldest) this.introductions.delete(pair);
  }

  private borderTtlMs(): number {
    return BORDER_TTL_PERIODS * BORDER_EVERY_CHECKS * CHECK_EVERY_ROUNDS * this.config.group.neo.roundMs;
  }

  /**
   * A neighbouring group's positions, from a member the directory lists in a leaf of this player's
   * zone (a nested zone's players never see out of it, nor the field's into it); refused otherwise.
   */
  private onBorder(m: Incoming<ZoneBorderBody>): void {
    const from = m.senderKey;
    const leaf = from ? this.deps.directory.memberOf(m.body.session, from) : null;
    if (!leaf || leaf.zoneId !== this.current?.leaf.zoneId || leafKey(leaf) !== m.body.leaf) return void this.count.bordersRefused++;
    this.count.bordersReceived++;
    const now = this.deps.clock.nowMs();
    this.forgetOldBorders(now);
    for (const p of m.body.players) this.foreign.set(toHex(p.publicKey), now);
    // Where its players stand: this player's leader sends ours to that group while one of them stands within reach of one of ours.
    this.neighbours.set(toHex(m.body.session), { sessionId: m.body.session, players: m.body.players.map((p) => ({ x: p.x, y: p.y })), atMs: now });
    // Groups the sender saw standing near ours: our leader sends them our positions, and they answer
    // with theirs. One whose positions we hold already needs no introduction.
    for (const session of m.body.near) {
      const id = toHex(session);
      if (!this.neighbours.has(id) && this.deps.directory.group(session)?.leaf.zoneId === leaf.zoneId) this.introduced.set(id, { sessionId: session, atMs: now });
    }
  }

  /** For each group this player leads (member 0 of its view), still playing or leaving, the group's positions go to its neighbours. */
  private forwardBorders(): void {
    for (const place of this.playing()) if (place.member.state === 'member' || place.member.state === 'leaving') this.sendBorder(place);
  }

  /**
   * The leader (member 0) of a group sends the group's agreed positions to every member of the
   * groups of its zone that must see them, within `reach` = aoiRadius + BORDER_SLACK_TILES:
   * those whose leaf lies within reach of where one of its players stands; those whose players, as
   * their own leaders last reported them, stand within reach of one of its players; and those
   * another leader introduced lately. It introduces, in the same messages, the neighbouring groups
   * whose players stand within reach of each other's (`introductionsFor`); a group it would not
   * otherwise send to gets its introductions at its leader and standby only.
   */
  private sendBorder(place: Place): void {
    const { view, game } = place.member;
    if (!view || !game || !equalBytes(view.sessionId, place.sessionId) || !equalBytes(leadersOf(view).leader.publicKey, this.deps.peer.publicKey)) return;
    const state = game.snapshot().members;
    const players = view.members.flatMap((s) => {
      const at = state[s.seat];
      return at && at.alive ? [{ publicKey: s.publicKey, x: at.x, y: at.y }] : [];
    });
    const body = { session: place.sessionId, leaf: leafKey(place.leaf), round: game.lastRound < 0 ? 0 : game.lastRound, players };
    const now = this.deps.clock.nowMs();
    this.forgetOldBorders(now);
    const zoneId = place.leaf.zoneId;
    const reach = this.config.world.aoiRadius + BORDER_SLACK_TILES;
    const within = (a: readonly Spot[], b: readonly Spot[]) => a.some((p) => b.some((q) => Math.max(Math.abs(p.x - q.x), Math.abs(p.y - q.y)) <= reach));
    const groupOf = (sessionId: Uint8Array): LeafGroup | null => {
      const group = equalBytes(sessionId, place.sessionId) ? null : this.deps.directory.group(sessionId);
      return group && group.leaf.zoneId === zoneId ? group : null;
    };
    const targets = new Map<string, readonly Endpoint[]>();
    // Around each player where it stands, not around the leaf: a player walking out of the leaf
    // (its hand-over still under way) is seen by the groups it now stands beside.
    for (const p of players) {
      for (const group of this.deps.directory.near(zoneId, p.x, p.y, reach, place.sessionId)) targets.set(toHex(group.sessionId), group.contacts);
    }
    // Where their players stand, wherever their leaves are (theirs may be walking out of them too).
    for (const [id, n] of this.neighbours) {
      const group = targets.has(id) || !within(n.players, players) ? null : groupOf(n.sessionId);
      if (group) targets.set(id, group.contacts);
    }
    for (const [id, n] of this.introduced) {
      const group = targets.has(id) ? null : groupOf(n.sessionId);
      if (group) targets.set(id, group.contacts);
    }
    const near = this.introductionsFor(place, now, within);
    for (const [id, sessions] of near) {
      const group = targets.has(id) ? null : groupOf(sessions.to);
      // Only a group's leader acts on an introduction (and its standby, who may lead next).
      if (group) targets.set(id, group.leaders.length > 0 ? group.leaders : group.contacts);
    }
    // One message per player, not per group: a player in two of these groups (in transit) gets it once, with both groups' introductions.
    const self = endpointId(this.deps.peer.transport.local);
    const recipients = new Map<string, { readonly to: Endpoint; readonly near: Uint8Array[] }>();
    for (const [id, contacts] of targets) {
      for (const to of contacts) {
        const key = endpointId(to);
        if (key === self) continue;
        const r = recipients.get(key) ?? { to, near: [] };
        for (const session of near.get(id)?.of ?? []) if (r.near.length < MAX_BORDER_HINTS && !r.near.some((n) => equalBytes(n, session))) r.near.push(session);
        recipients.set(key, r);
      }
    }
    for (const { to, near: introduced } of recipients.values()) {
      this.deps.peer.transport.send(to, ZoneBorder, { ...body, near: introduced });
      this.count.bordersSent++;
    }
  }

  /**
   * Introductions: two neighbouring groups of this group's zone whose players stand within reach of
   * each other (as their own leaders reported them to this one) are told of each other, each pair
   * at most once per BORDER_TTL_PERIODS; after that they keep each other informed themselves. Two
   * players who both stand outside their own leaves, where neither leaf's area reaches, are still
   * both beside the leaf where one of them stands: its group hears from both and introduces them.
   */
  private introductionsFor(place: Place, now: number, within: (a: readonly Spot[], b: readonly Spot[]) => boolean): Map<string, { readonly to: Uint8Array; readonly of: Uint8Array[] }> {
    const oldest = now - this.borderTtlMs();
    const zoneId = place.leaf.zoneId;
    const others = [...this.neighbours].filter(([, n]) => !equalBytes(n.sessionId, place.sessionId) && this.deps.directory.group(n.sessionId)?.leaf.zoneId === zoneId);
    const out = new Map<string, { readonly to: Uint8Array; readonly of: Uint8Array[] }>();
    for (const [xid, x] of others) {
      const of: Uint8Array[] = [];
      for (const [yid, y] of others) {
        const pair = `${xid}>${yid}`;
        if (yid === xid || of.length >= MAX_BORDER_HINTS || (this.introductions.get(pair) ?? -Infinity) >= oldest || !within(x.players, y.players)) continue;
        this.introductions.set(pair, now);
        of.push(y.sessionId);
      }
      if (of.length > 0) out.set(xid, { to: x.sessionId, of });
    }
    return out;
  }

  get publicKey(): Uint8Array {
    return this.deps.peer.publicKey;
  }

  get state(): GroupMemberState {
    return this.current?.member.state ?? (this.stopped ? 'left' : 'joining');
  }

  get view(): GroupView | null {
    return this.current?.member.view ?? null;
  }

  get game(): Game | null {
    return this.current?.member.game ?? null;
  }

  get roundMs(): number {
    return this.current?.member.roundMs ?? this.config.group.neo.roundMs;
  }

  propose(notice: Uint8Array, rounds?: number): void {
    this.current?.member.propose(notice, rounds);
  }

  voteAt(round: number, notice: Uint8Array): boolean {
    return this.current?.member.voteAt(round, notice) ?? false;
  }

  memberOf(session: Uint8Array): GroupMember | null {
    for (const place of [this.current, this.next, ...[...this.leaving.values()].map((h) => h.from)]) {
      const member = place?.member.memberOf(session);
      if (member) return member;
    }
    return null;
  }

  exclude(ban: BanCertificate, keyCertificate: KeyCertificate): boolean {
    return this.current?.member.exclude(ban, keyCertificate) ?? false;
  }

  counters(): Record<GroupCounter, number> {
    return sumRecords(this.members.map((m) => m.counters()), GROUP_COUNTERS);
  }

  neoCounters(): Record<NeoCounter, number> {
    return sumRecords(this.members.map((m) => m.neoCounters()), NEO_COUNTERS);
  }

  playedHashAt(round: number): string | undefined {
    return this.current?.member.playedHashAt(round);
  }

  answersFetchesUntilMs(): number {
    return Math.max(0, ...this.members.map((m) => m.answersFetchesUntilMs()));
  }

  schedule(): ReturnType<GroupMember['schedule']> {
    return this.current?.member.schedule() ?? null;
  }

  avatar(): Avatar | null {
    return this.current?.member.avatar() ?? null;
  }

  stranded(): boolean {
    return this.current?.member.stranded() ?? false;
  }

  get leaf(): LeafAddress | null {
    return this.current?.leaf ?? null;
  }

  get member(): GroupMember | null {
    return this.current?.member ?? null;
  }

  found(leaf: LeafAddress, view: GroupView, avatars: ReadonlyMap<number, Avatar>): void {
    const place = this.place(leaf, view.sessionId, (deps) => createFounder(view, this.config.group, deps, avatars));
    place.firstRoundMs = 0;
    this.current = place;
    this.announce(place);
  }

  enter(avatar: Avatar, schedule: RunSchedule): void {
    this.arriving = avatar;
    this.runSchedule = schedule;
    this.keepArriving();
    this.watch();
  }



  begin(startMs: number): void {
    this.current?.member.begin(startMs);
    this.watch();
  }

  leave(): void {
    this.stopped = true;
    this.next?.member.crash();
    if (this.current) this.current.member.leave();
    else this.finish();
  }

  crash(): void {
    this.stopped = true;
    for (const m of this.members) m.crash();
    this.withdrawAll();
    this.resolveDone();
  }

  // ---- places ---------------------------------------------------------------------------------

  private place(leaf: LeafAddress, sessionId: Uint8Array, create: (deps: GroupMemberDeps) => GroupMember): Place {
    const zone = zoneById(this.config.world, leaf.zoneId);
    if (!zone) throw new RangeError(`no zone "${leaf.zoneId}" in the world`);
    const self: { place?: Place } = {};
    const { directory: _directory, onEvent: _onEvent, leaderRecords: _records, wallNowMs: _wall, ...memberDeps } = this.deps;
    const member = create({
      ...memberDeps,
      botRng: this.deps.botRng.fork(`member:${this.generation++}`),
      division: leafDivision(zone, leaf.path, (zoneId, path) => this.deps.directory.under(zoneId, path)),
      avatar: () => this.current?.member.avatar() ?? this.arriving,
      onEvent: (event) => this.onGroupEvent(self.place as Place, event),
      onNotice: (notice, round) => this.onNotice(self.place as Place, notice, round),
    });
    const place: Place = { leaf, member, sessionId, sinceMs: this.deps.clock.nowMs(), firstRoundMs: null, events: new Set(), proposed: new Set(), endorsed: null };
    self.place = place;
    this.members.push(member);
    void member.done.then(() => this.placeEnded(place));
    return place;
  }

  private onGroupEvent(place: Place, event: GroupEvent): void {
    this.deps.onEvent?.({ type: 'group', leaf: place.leaf, sessionId: place.sessionId, event });
    // A member tells of a change just before it enters the new view: its leaders are known right after.
    if (event.type !== 'left')
      queueMicrotask(() => {
        this.announceLeaders(place);
        this.endorseView(place);
      });
    if (event.type === 'divided' || event.type === 'collapsed') {
      this.withdraw(place);
      const path = event.type === 'divided' ? `${place.leaf.path}${event.part}` : place.leaf.path.slice(0, -1);
      place.leaf = { zoneId: place.leaf.zoneId, path };
      place.sessionId = event.sessionId;
      this.announce(place);
    } else if (event.type === 'joined') {
      place.firstRoundMs = event.startMs;
      this.announce(place);
      if (this.next?.member === place.member) this.completeHandover();
    } else if (event.type === 'left' && this.current?.member !== place.member) {
      this.handedOver(place, event.startMs);
    }
  }

  private announce(place: Place): void {
    this.deps.directory.announce(place.leaf, place.sessionId, { publicKey: this.deps.peer.publicKey, endpoint: this.deps.peer.transport.local });
    this.announceLeaders(place);
    this.endorseView(place);
  }

  /**
   * Each view this member enters that names other leaders than the last it endorsed (its first
   * view of the group, a new leader or standby): its endorsement for the leaf's DHT record goes to
   * the view's leader. Members who saw the view before decide alike, so they are the majority.
   */
  private endorseView(place: Place): void {
    const view = place.member.view;
    if (!this.leaderRecords || !view || !equalBytes(view.sessionId, place.sessionId)) return;
    const key = LeaderRecords.leadersKey(view);
    if (place.endorsed === key) return;
    place.endorsed = key;
    this.leaderRecords.viewStarted(place.leaf, view);
  }

  /** The leader and standby of a view announce themselves (every member derives the same two from the view). */
  private announceLeaders(place: Place): void {
    const view = place.member.view;
    if (!view || !equalBytes(view.sessionId, place.sessionId) || !this.leads(view)) return;
    const { leader, standby } = leadersOf(view);
    this.deps.directory.announceLeaders(place.sessionId, standby ? [leader.endpoint, standby.endpoint] : [leader.endpoint]);
  }

  /** Whether this player is the leader or the standby of `view`. */
  private leads(view: GroupView): boolean {
    const { leader, standby } = leadersOf(view);
    return equalBytes(leader.publicKey, this.deps.peer.publicKey) || (standby !== null && equalBytes(standby.publicKey, this.deps.peer.publicKey));
  }

  // ---- zone-wide events -------------------------------------------------------------------------

  raise(zoneId: string, kind: ZoneEventKind): string | null {
    const current = this.current;
    if (!current || current.member.state !== 'member' || !zoneAndNested(this.config.world, zoneId).has(current.leaf.zoneId)) return null;
    const bytes = signZoneEvent({ origin: current.sessionId, seq: this.count.eventsRaised, zone: zoneId, kind }, this.deps.peer.signer);
    this.count.eventsRaised++;
    current.member.propose(bytes);
    return zoneEventId(bytes);
  }

  /**
   * A notice the group played: a zone event is applied once per group (every replica checks the
   * same signature on the same bytes, so all apply or refuse alike). The leader and standby of the
   * group it was raised in carry it on to the zone's other groups.
   */
  private onNotice(place: Place, notice: Uint8Array, round: number): void {
    const checked = checkZoneEvent(notice, (sig, msg, key) => this.deps.peer.ed25519.verify(sig, msg, key));
    if (!checked.ok) return void this.count.eventsRefused++;
    if (!zoneAndNested(this.config.world, checked.event.zone).has(place.leaf.zoneId)) return void this.count.eventsOfOtherZones++;
    place.events.add(checked.id);
    this.count.eventsPlayed++;
    const { event, id } = checked;
    this.deps.onEvent?.({ type: 'zone-event', id, kind: event.kind, zoneId: event.zone, leaf: place.leaf, sessionId: place.sessionId, round });
    const view = place.member.view;
    if (!view || !equalBytes(event.origin, place.sessionId) || !this.leads(view)) return;
    for (const group of this.deps.directory.groupsIn(zoneAndNested(this.config.world, event.zone), place.sessionId)) {
      // Its leaders as they announced themselves; a group whose leaders are not known yet gets it from all its members.
      for (const to of group.leaders.length > 0 ? group.leaders : group.contacts) {
        this.deps.peer.transport.send(to, ZoneEventMessage, { session: group.sessionId, event: notice });
        this.count.eventsForwarded++;
      }
    }
  }

  /** A zone event for one of this player's groups: checked, then proposed to the group (which plays it once). */
  private onEventMessage(m: Incoming<ZoneEventMessageBody>): void {
    const checked = checkZoneEvent(m.body.event, (sig, msg, key) => this.deps.peer.ed25519.verify(sig, msg, key));
    const place = [this.current, this.next, ...[...this.leaving.values()].map((h) => h.from)].find((p) => p && equalBytes(p.sessionId, m.body.session));
    // Only from a member of the group that played it first (the directory lists it there): an outsider cannot inject events.
    if (!checked.ok) return void this.count.eventsRefused++;
    // From a leader of the group that played it first, or a member of this group handing it on.
    const sender = m.senderKey;
    if (!sender || !(this.deps.directory.memberOf(checked.event.origin, sender) || this.deps.directory.memberOf(m.body.session, sender))) return void this.count.eventsFromOutsiders++;
    if (place && !zoneAndNested(this.config.world, checked.event.zone).has(place.leaf.zoneId)) return void this.count.eventsOfOtherZones++;
    if (!place || place.events.has(checked.id) || place.proposed.has(checked.id)) return;
    place.proposed.add(checked.id);
    place.member.propose(m.body.event);
    // A leader on its way out of the group may be gone before its proposal is played: it hands the
    // event to the rest of its view, who propose it too (the group plays it once).
    const view = place.member.view;
    if (place.member.state === 'member' || !view) return;
    for (const s of view.members) {
      if (equalBytes(s.publicKey, this.deps.peer.publicKey)) continue;
      this.deps.peer.transport.send(s.endpoint, ZoneEventMessage, m.body);
      this.count.eventsForwarded++;
    }
  }

  private withdraw(place: Place): void {
    this.deps.directory.withdraw(place.sessionId, this.deps.peer.publicKey);
  }

  private withdrawAll(): void {
    for (const p of [this.current, this.next, ...[...this.leaving.values()].map((h) => h.from)]) if (p) this.withdraw(p);
    this.leaving.clear();
  }

  // ---- walking between leaves -------------------------------------------------------------------

  /** Every few rounds: does the agreed position still lie in this player's leaf? If not, hand it over. */
  private watch(): void {
    if (this.stopped) return;
    const period = CHECK_EVERY_ROUNDS * this.config.group.neo.roundMs;
    this.deps.scheduler.schedule(this.deps.clock.nowMs() + period, () => this.watch());
    const current = this.current;
    if (!current) {
      // Its group ended while a join was under way, or it is still arriving.
      if (this.next) return this.checkJoin();
      if (this.arriving) return this.keepArriving();
      return;
    }
    this.abandonStrandedLeaves();
    this.leaderRecords?.refresh([current, ...[...this.leaving.values()].map((h) => h.from)].flatMap((p) => (p.member.view && equalBytes(p.member.view.sessionId, p.sessionId) ? [p.member.view] : [])));
    if (current.member.state !== 'member') return;
    this.strandedStreak = current.member.stranded() ? this.strandedStreak + 1 : 0;
    if (this.strandedStreak >= STRANDED_AFTER_CHECKS && !this.next) return this.refound(current);
    if (++this.checks % BORDER_EVERY_CHECKS === 0) this.forwardBorders();
    if (this.next) return this.checkJoin();
    const at = current.member.avatar();
    if (!at) return;
    // Another holder seen on a few checks in a row, not for the instant in which a split or merge is applied member by member.
    this.coalesceStreak = this.anotherHolds(current, at) ? this.coalesceStreak + 1 : 0;
    if (this.leftLeaf(current.leaf, at) || this.coalesceStreak >= COALESCE_AFTER_CHECKS) this.startHandover(current, at);
  }


  /**
   * Another group holds this leaf, or the leaf above it (a sibling folded back into the parent
   * first): this group's players join that one, so that one group holds one leaf. The directory
   * names the group announced first; it never hands over to the later one.
   */
  private anotherHolds(current: Place, at: Avatar): boolean {
    const found = this.deps.directory.locate(at.x, at.y);
    if (found.kind !== 'held' || equalBytes(found.group.sessionId, current.sessionId)) return false;
    const leaf = found.group.leaf;
    return leaf.zoneId === current.leaf.zoneId && current.leaf.path.startsWith(leaf.path);
  }

  /**
   * Out of the leaf: in another zone, or more than HANDOVER_MARGIN_TILES past the leaf's edge, so a
   * player standing on a boundary is not handed to and fro.
   */
  private leftLeaf(leaf: LeafAddress, at: Avatar): boolean {
    if (leafHolds(this.config.world, leaf, at.x, at.y)) return false;
    const zone = zoneOf(this.config.world, at.x, at.y);
    return zone?.id !== leaf.zoneId || distanceToRect(leafArea(this.config.world, leaf), at.x, at.y) > HANDOVER_MARGIN_TILES;
  }

  /**
   * The group lost its live majority (its other members crashed): it can agree on nothing again, so
   * the player walks out of it alone, telling nobody, and enters its leaf afresh where its group
   * last agreed it stood — founding the leaf again, or joining whoever holds it now.
   */
  private refound(current: Place): void {
    const at = current.member.avatar();
    const schedule = current.member.schedule();
    if (!at || !schedule) return;
    this.strandedStreak = 0;
    this.count.refounded++;
    current.member.crash();
    this.withdraw(current);
    this.current = null;
    this.arriving = at;
    this.arrivalLookup = null;
    if (!this.runSchedule) {
      const roundMs = this.config.group.neo.roundMs;
      // The group's rounds continued backwards and forwards from the one in progress (its schedule knows only its own).
      const firstMs = schedule.startOfRound(schedule.roundNow) - schedule.roundNow * roundMs;
      this.runSchedule = { roundAt: (nowMs) => Math.max(0, Math.floor((nowMs - firstMs) / roundMs)), startOfRound: (round) => firstMs + round * roundMs };
    }
    this.keepArriving();
  }

  /**
   * A group this player is leaving that lost its live majority (the member it was leaving behind
   * crashed, or never arrived) can never agree to let it go: it is already in its new group, so it
   * walks out without agreement.
   */
  private abandonStrandedLeaves(): void {
    for (const [member, { from }] of this.leaving) {
      const streak = member.stranded() ? (this.leavingStranded.get(member) ?? 0) + 1 : 0;
      this.leavingStranded.set(member, streak);
      if (streak < STRANDED_AFTER_CHECKS) continue;
      this.leavingStranded.delete(member);
      this.handedOver(from, this.deps.clock.nowMs());
      member.crash();
    }
  }

  private startHandover(from: Place, at: Avatar): void {
    const schedule = from.member.schedule();
    if (schedule) this.moveTo(at, schedule);
  }

  /** An arriving player whose join did not go through tries again (its leaf's group may have split or merged meanwhile). */
  private keepArriving(): void {
    if (this.next) return this.checkJoin();
    const run = this.runSchedule;
    if (!run) return;
    const roundNow = run.roundAt(this.deps.clock.nowMs());
    // Too late to play a round, or nowhere to stand: this player's part is over.
    if (roundNow + 2 > this.config.group.neo.lastRound || !zoneOf(this.config.world, (this.arriving as Avatar).x, (this.arriving as Avatar).y)) return this.finish();
    // First the DHT: the record of the leaf's leaders (asked once per arrival).
    const at = this.arriving as Avatar;
    if (this.leaderRecords && this.arrivalLookup === null) {
      this.arrivalLookup = 'pending';
      void this.leaderRecords.lookup(at.x, at.y).then((found) => {
        this.arrivalLookup = { found };
        if (!this.stopped && !this.current && !this.next) this.keepArriving();
      });
      return;
    }
    if (this.arrivalLookup === 'pending') return;
    // No group yet: a leaf nobody holds is founded on the run's schedule.
    this.moveTo(at, { roundNow, startOfRound: (r) => run.startOfRound(r) });
  }

  /** Joins the group holding the leaf where `at` stands, or founds that leaf's group alone from two rounds on. */
  private moveTo(at: Avatar, schedule: { readonly roundNow: number; startOfRound(round: number): number }): void {
    const found = this.deps.directory.locate(at.x, at.y);
    if (found.kind === 'outside') return;
    if (found.kind === 'held') {
      const sessionId = found.group.sessionId;
      // A group this player is still in, leaving, or about to move into (its own group's split or
      // merge, seen in the directory before this member applied it): wait, then look again.
      if (groupEndpointOf(this.deps.peer.transport).isRouted(sessionId)) return;
      // Groups that check characters at the door admit only a player that shows one: one whose
      // character is not witnessed yet stays where it is and looks again at the next check.
      if (this.deps.characterDoor && this.deps.character?.() === null) return void this.count.handoversAwaitingCharacter++;
      const leaders = this.arrivingLeaders(sessionId);
      this.next = this.place(found.group.leaf, sessionId, (deps) => createJoiner(sessionId, () => [...leaders, ...this.deps.directory.contacts(sessionId)], this.config.group, deps));
      return;
    }
    // Nobody holds the leaf: the player founds its group alone, on its current group's schedule, and others join it.
    const startRound = schedule.roundNow + 2;
    if (startRound > this.config.group.neo.lastRound) return;
    const view: GroupView = { sessionId: this.sessionRng.bytes(16), number: 1, startRound, members: [{ publicKey: this.deps.peer.publicKey, endpoint: this.deps.peer.transport.local, seat: 0 }] };
    const place = this.place(found.leaf, view.sessionId, (deps) => createFounder(view, this.config.group, deps, new Map([[0, at]])));
    this.next = place;
    this.announce(place);
    this.deps.onEvent?.({ type: 'founded', leaf: found.leaf, sessionId: view.sessionId, round: startRound });
    place.member.begin(schedule.startOfRound(startRound));
    place.firstRoundMs = schedule.startOfRound(startRound);
    this.completeHandover();
  }

  /**
   * An arriving player asks the leaders its DHT lookup found first, when the record names the group
   * that holds the leaf now (the directory, which shares the shard's view at once, says which);
   * a record of a group that has since split, merged or ended is counted and passed over.
   */
  private arrivingLeaders(sessionId: Uint8Array): readonly Endpoint[] {
    const lookup = this.arrivalLookup;
    if (!this.arriving || lookup === null || lookup === 'pending' || !lookup.found) return [];
    this.arrivalLookup = { found: null };
    if (!equalBytes(lookup.found.sessionId, sessionId)) {
      this.count.arrivalsStaleRecord++;
      return [];
    }
    this.count.arrivalsViaLeaders++;
    return lookup.found.leaders;
  }

  /** A join that does not go through (its group divided or changed meanwhile) is given up and tried afresh. */
  private checkJoin(): void {
    const next = this.next;
    if (!next || next.member.state !== 'joining') return;
    const timeoutMs = (this.config.joinTimeoutRounds ?? 60) * this.config.group.neo.roundMs;
    if (this.deps.clock.nowMs() - next.sinceMs < timeoutMs) return;
    next.member.crash();
    this.withdraw(next);
    this.next = null;
    this.count.joinTimeouts++;
  }

  /** In the new group now: leave the old one, which plays the player's updates until its view without it starts. */
  private completeHandover(): void {
    const next = this.next;
    const old = this.current;
    if (next && !old) {
      // An arriving player is in its first group.
      this.current = next;
      this.next = null;
      this.arriving = null;
      return;
    }
    if (!next || !old) return;
    this.coalesceStreak = 0;
    this.current = next;
    this.next = null;
    old.member.leave();
    this.leaving.set(old.member, { from: old, to: next });
  }

  /** The old group's view without the player began at `leftMs`: the gap is how long before that the new group had not yet started. */
  private handedOver(old: Place, leftMs: number): void {
    const to = this.leaving.get(old.member)?.to;
    if (!to) return;
    this.leaving.delete(old.member);
    this.leavingStranded.delete(old.member);
    this.withdraw(old);
    const roundMs = this.config.group.neo.roundMs;
    const firstMs = to.firstRoundMs ?? leftMs;
    const gapRounds = Math.max(0, Math.round((firstMs - leftMs) / roundMs));
    const overlapRounds = Math.max(0, Math.round((leftMs - firstMs) / roundMs));
    this.deps.onEvent?.({ type: 'handover', from: old.leaf, to: to.leaf, gapRounds, overlapRounds });
  }

  private placeEnded(place: Place): void {
    // A group that played the run's last round keeps its place: the player ends there.
    if (place.member.state === 'finished') {
      if (this.current?.member === place.member) this.finish();
      return;
    }
    if (this.current?.member === place.member) {
      this.withdraw(place);
      this.current = null;
    } else if (this.next?.member === place.member) {
      this.withdraw(place);
      this.next = null;
    }
    // A join given up while arriving is tried again (watch); anything else without a group is the end.
    if (!this.current && !this.next && !(this.arriving && !this.stopped)) this.finish();
  }

  private finish(): void {
    this.stopped = true;
    this.resolveDone();
  }
}

function sumRecords<K extends string>(records: readonly Record<K, number>[], keys: readonly K[]): Record<K, number> {
  const sum = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of records) for (const k of keys) sum[k] += r[k];
  return sum;
}
