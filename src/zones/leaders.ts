import { equalBytes, toHex } from '../crypto/index.js';
import type { DhtRecord } from '../dht/index.js';
import { leadersOf, type GroupView } from '../groups/index.js';
import type { Endpoint, Incoming, PeerNode } from '../net/index.js';
import { leafRect, quadrantOf, type WorldDefinition } from './geometry.js';
import { decodeZoneLeaders, endorse, endorsementBytes, leafRecordSubject, MAX_ENDORSEMENTS, MAX_LISTED_MEMBERS, zoneLeadersBody, zoneLeadersRecord, type ZoneLeadersBody, type ZoneLeadersEndorsement } from './leader-record.js';
import { zoneOf, type LeafAddress } from './leaf.js';
import { ZoneEndorse, type ZoneEndorseBody } from './messages.js';

/** Where leaf records live: the player's DHT, reduced to the two calls this needs. */
export interface LeaderRecordStore {
  put(record: DhtRecord): Promise<unknown>;
  /** The valid record of `subject` (the DHT checks it against the zone-leaders policy), or null. */
  get(subject: Uint8Array): Promise<DhtRecord | null>;
}

/** A leaf's group as its DHT record names it. */
export interface FoundLeaders {
  readonly leaf: LeafAddress;
  readonly sessionId: Uint8Array;
  readonly view: number;
  readonly leaders: readonly Endpoint[];
  readonly seq: bigint;
}

export const LEADER_COUNTERS = ['leaderRecordsPublished', 'leaderRecordFailures', 'endorsementsRefused', 'leaderLookups', 'leaderLookupsFound'] as const;
export type LeaderCounter = (typeof LEADER_COUNTERS)[number];

/** How long a published record lives: a group that vanishes leaves no record behind for longer. */
export const LEADER_RECORD_TTL_MS = 60_000;
/** A group republishes its leaders' record when it is this old, so it never lapses while the group lives. */
const REPUBLISH_AFTER_MS = LEADER_RECORD_TTL_MS / 2;
/** Endorsements for views this member does not (yet) lead are kept for this many views at most. */
const MAX_PENDING_VIEWS = 8;

interface Collection {
  readonly session: string;
  readonly view: number;
  readonly leaf: LeafAddress;
  readonly body: ZoneLeadersBody;
  readonly bytes: Uint8Array;
  readonly endorsements: Map<number, ZoneLeadersEndorsement>;
  publishedAtMs: number | null;
}

/**
 * The DHT record of each leaf's leaders (docs/zones.md, "The DHT record of a leaf's leaders"): a
 * member endorses each view that names new leaders (`leadersKey` changed) and sends the endorsement
 * to the view's leader, which publishes the record once a strict majority of the listed members
 * endorsed it, and republishes it while it leads the group. Players arriving in a zone look their
 * leaf up here (`lookup`).
 */
export class LeaderRecords {
  private readonly count = Object.fromEntries(LEADER_COUNTERS.map((c) => [c, 0])) as Record<LeaderCounter, number>;
  /** By "session/view": the views this member collects endorsements for (it leads them). */
  private readonly collections = new Map<string, Collection>();
  /** Endorsements that arrived before this member entered the view they endorse (it applies changes a little later than some). */
  private readonly early = new Map<string, { readonly sender: Uint8Array; readonly body: ZoneEndorseBody }[]>();

  constructor(
    private readonly world: WorldDefinition,
    private readonly deps: { readonly peer: PeerNode; readonly store: LeaderRecordStore; readonly wallNowMs: () => number },
  ) {
    deps.peer.transport.handle(ZoneEndorse, (m) => this.onEndorse(m));
  }

  counters(): Record<LeaderCounter, number> {
    return { ...this.count };
  }

  /** This member entered `view` of `leaf`'s group: it endorses the view to its leader (or keeps its own, as the leader). */
  viewStarted(leaf: LeafAddress, view: GroupView): void {
    const me = this.deps.peer.publicKey;
    const body = zoneLeadersBody(leaf, view);
    if (!body.members.some((k) => equalBytes(k, me))) return;
    const mine = endorse(body, this.deps.peer.signer);
    const { leader } = leadersOf(view);
    if (!equalBytes(leader.publicKey, me)) {
      this.deps.peer.transport.send(leader.endpoint, ZoneEndorse, { session: view.sessionId, view: view.number, index: mine.index, signature: mine.signature });
      return;
    }
    const collection = this.collectionFor(leaf, view, body);
    collection.endorsements.set(mine.index, mine);
    this.maybePublish(collection);
  }

  /**
   * The leader's check, given the current views of the groups this member is in: republish the
   * newest record of each group it still leads once that record grows old; forget the others
   * (groups it left or no longer leads, and records a later view replaced).
   */
  refresh(views: readonly GroupView[]): void {
    const me = this.deps.peer.publicKey;
    const led = new Set(views.filter((v) => equalBytes(leadersOf(v).leader.publicKey, me)).map((v) => toHex(v.sessionId)));
    const newest = new Map<string, number>();
    for (const c of this.collections.values()) newest.set(c.session, Math.max(c.view, newest.get(c.session) ?? c.view));
    const now = this.deps.wallNowMs();
    for (const [key, c] of this.collections) {
      if (!led.has(c.session) || c.view < (newest.get(c.session) ?? c.view)) this.collections.delete(key);
      else if (c.publishedAtMs !== null && now - c.publishedAtMs >= REPUBLISH_AFTER_MS) this.publish(c);
    }
  }

  /**
   * What an arriving player needs from a view: its group and the leaders' keys and endpoints. A view
   * that keeps them from the one before needs no new record (a join or a leave that does not touch
   * member 0 or 1), so members endorse only when this changes: one record per election, not per view.
   */
  static leadersKey(view: GroupView): string {
    const { leader, standby } = leadersOf(view);
    const part = (m: GroupView['members'][number]) => `${toHex(m.publicKey)}@${m.endpoint.host}:${m.endpoint.port}`;
    return `${toHex(view.sessionId)}/${part(leader)}/${standby ? part(standby) : ''}`;
  }

  /**
   * The group holding the leaf under (x, y) as the DHT records say: every leaf on the way down from
   * the zone's root is asked at once, and the newest record (highest seq: a split's parts are newer
   * than their parent's record, a merge's parent newer than its parts') names the group.
   */
  async lookup(x: number, y: number): Promise<FoundLeaders | null> {
    const zone = zoneOf(this.world, x, y);
    if (!zone) return null;
    const paths: string[] = [''];
    for (let depth = 0; depth < zone.maxDepth; depth++) {
      const path = paths[paths.length - 1] as string;
      paths.push(path + String(quadrantOf(leafRect(zone.rect, path), x, y)));
    }
    this.count.leaderLookups++;
    const found = await Promise.all(paths.map(async (path) => this.deps.store.get(leafRecordSubject({ zoneId: zone.id, path })).catch(() => null)));
    let best: FoundLeaders | null = null;
    found.forEach((record, i) => {
      const value = record && decodeZoneLeaders(record);
      if (!record || !value || (best && best.seq >= record.seq)) return;
      best = { leaf: { zoneId: zone.id, path: paths[i] as string }, sessionId: value.session, view: value.view, leaders: value.leaders.map((l) => ({ host: l.host, port: l.port })), seq: record.seq };
    });
    if (best) this.count.leaderLookupsFound++;
    return best;
  }

  private collectionFor(leaf: LeafAddress, view: GroupView, body: ZoneLeadersBody): Collection {
    const key = viewKey(view.sessionId, view.number);
    let c = this.collections.get(key);
    if (!c) {
      c = { session: toHex(view.sessionId), view: view.number, leaf, body, bytes: endorsementBytes(body), endorsements: new Map(), publishedAtMs: null };
      this.collections.set(key, c);
      while (this.collections.size > MAX_PENDING_VIEWS) this.collections.delete(this.collections.keys().next().value as string);
      for (const e of this.early.get(key) ?? []) this.accept(c, e.sender, e.body);
      this.early.delete(key);
    }
    return c;
  }

  /** An endorsement for a view this member leads: checked against the body it built itself. */
  private onEndorse(m: Incoming<ZoneEndorseBody>): void {
    if (!m.senderKey) return;
    const key = viewKey(m.body.session, m.body.view);
    const c = this.collections.get(key);
    if (c) return this.accept(c, m.senderKey, m.body);
    // Not (yet) in that view: kept for a few views, checked once this member builds the body itself.
    const early = this.early.get(key) ?? [];
    if (early.length >= MAX_LISTED_MEMBERS) return void this.count.endorsementsRefused++;
    early.push({ sender: m.senderKey, body: m.body });
    this.early.set(key, early);
    while (this.early.size > MAX_PENDING_VIEWS) this.early.delete(this.early.keys().next().value as string);
  }

  private accept(c: Collection, sender: Uint8Array, body: ZoneEndorseBody): void {
    const key = c.body.members[body.index];
    if (!key || !equalBytes(key, sender) || !this.deps.peer.ed25519.verify(body.signature, c.bytes, key)) return void this.count.endorsementsRefused++;
    c.endorsements.set(body.index, { index: body.index, signature: body.signature });
    this.maybePublish(c);
  }

  private maybePublish(c: Collection): void {
    if (c.publishedAtMs !== null || c.endorsements.size < Math.floor(c.body.members.length / 2) + 1) return;
    this.publish(c);
  }

  private publish(c: Collection): void {
    c.publishedAtMs = this.deps.wallNowMs();
    const endorsements = [...c.endorsements.values()].slice(0, MAX_ENDORSEMENTS);
    // seq: the wall clock in ms, so every later publication (a later view, a new leader, a refresh) replaces the earlier ones.
    const record = zoneLeadersRecord(c.body, endorsements, this.deps.peer.signer, BigInt(Math.floor(c.publishedAtMs)), BigInt(Math.floor(c.publishedAtMs + LEADER_RECORD_TTL_MS)));
    this.count.leaderRecordsPublished++;
    this.deps.store.put(record).catch(() => this.count.leaderRecordFailures++);
  }
}

/** The key a view's collection of endorsements is kept under. */
function viewKey(session: Uint8Array, view: number): string {
  return `${toHex(session)}/${view}`;
}
