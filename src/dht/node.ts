import { LruCache, equalBytes, nodeIdFromPublicKey } from '../crypto/index.js';
import { createCounters, type Counters } from '../metrics/index.js';
import { endpointId, type Endpoint, type Incoming, type SignatureVerifier, type Transport } from '../net/index.js';
import type { Rng } from '../random/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';
import type { MessageSpec } from '../wire/index.js';
import { fromWireContact, toWireContact, type DhtContact } from './contact.js';
import { compareDistance, idHex, randomIdWithPrefix } from './ids.js';
import {
  DhtFindNode,
  DhtFindValue,
  DhtNodes,
  DhtPing,
  DhtPong,
  DhtStore,
  DhtStored,
  DhtValue,
  MAX_CONTACTS,
  STORE_OUTCOMES,
  type StoreOutcome,
} from './messages.js';
import { MembershipBook, type DhtMembership } from './membership.js';
import { SenderRateLimiter, type RateLimit } from '../time/rate-limit.js';
import { isExpired, recordKey, sameRecord, verifyRecord, type DhtRecord, type RecordPolicies, type RecordRejection, type RecordType } from './records.js';
import { RoutingTable } from './routing-table.js';
import { DHT_COUNTERS, MAX_TRACKED_HOPS, emptyLookupStats, emptyRejections, type DhtCounter, type DhtStats } from './stats.js';
import { RecordStore } from './store.js';

/** Plain data; every field has a default (see DEFAULT_DHT_CONFIG). */
export interface DhtConfig {
  /** Bucket size, contacts per answer and replication factor. 1..MAX_CONTACTS. */
  readonly k?: number;
  /** Parallel queries of an iterative lookup. */
  readonly alpha?: number;
  /** How long a request waits for its answer. */
  readonly requestTimeoutMs?: number;
  /** Newcomers kept per full bucket. Default k. */
  readonly replacementCacheSize?: number;
  /** Consecutive unanswered requests after which a contact leaves the routing table. */
  readonly maxFailures?: number;
  /** A full bucket's least-recently-seen member heard from within this long is not pinged before a newcomer is cached. */
  readonly freshContactMs?: number;
  /** Holders re-put records nobody re-stored at them for this long; publishers re-put their own this often. */
  readonly republishIntervalMs?: number;
  /** Buckets no lookup covered for this long are refreshed with a lookup of a random ID in their range. */
  readonly refreshIntervalMs?: number;
  readonly expirySweepIntervalMs?: number;
  /** Token bucket per sender key for incoming STOREs. */
  readonly storeRateLimit?: RateLimit;
  /** Sender buckets kept (least recently used forgotten first). */
  readonly rateLimitSenders?: number;
  /** Records this node holds for others at most; STOREs for new keys beyond it are refused (`store-full`). */
  readonly maxStoredRecords?: number;
  /** A get ends once this many nodes answered with a valid record (then the highest sequence number wins). */
  readonly getQuorum?: number;
  /** Queries one lookup may send at most, so hostile answers cannot keep a lookup going forever. */
  readonly maxQueriesPerLookup?: number;
  /**
   * A node hands a record to a newly met node only while at most this many of the nodes it knows
   * (the newcomer aside) are closer to the record's key than itself (docs/dht.md, "Join-time
   * transfer"). Without it each of the k holders pushes the same record.
   */
  readonly handOverSenders?: number;
}

export type ResolvedDhtConfig = Required<DhtConfig>;

export const DEFAULT_DHT_CONFIG: Omit<ResolvedDhtConfig, 'replacementCacheSize'> = {
  k: 8,
  alpha: 3,
  requestTimeoutMs: 1000,
  maxFailures: 2,
  freshContactMs: 30_000,
  republishIntervalMs: 60_000,
  refreshIntervalMs: 60_000,
  expirySweepIntervalMs: 10_000,
  storeRateLimit: { perSecond: 50, burst: 100 },
  rateLimitSenders: 4096,
  maxStoredRecords: 10_000,
  getQuorum: 1,
  maxQueriesPerLookup: 64,
  handOverSenders: 2,
};

export interface DhtDeps {
  /** Monotonic: timers, latencies, rate limits. */
  readonly clock: Clock;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  /** Request ids, refresh targets, timer jitter. */
  readonly rng: Rng;
  /** Verifies record signatures (envelopes are verified by the transport). */
  readonly verify: SignatureVerifier;
  readonly policies: RecordPolicies;
  /** Unix epoch ms for record expiry; Date.now by default. */
  readonly wallClock?: Clock;
  /**
   * Where successful lookups' latencies go. A host running many nodes (a worker shard) gives every
   * node the same recorder, so it keeps one histogram rather than one per node (172 KB each);
   * without it the node keeps its own, in `stats().lookups`.
   */
  readonly onLookupLatency?: (kind: 'findNode' | 'findValue', latencyMs: number) => void;
  /**
   * The Sybil gate (docs/dht.md, "Membership"): only nodes whose credential it admits take a
   * routing-table slot, have records stored or steer lookups. Without it the DHT is open.
   */
  readonly membership?: DhtMembership;
  /**
   * Told of every refusal the gate counts, with the refused node's ID (hex): a host that knows who
   * is who (the harness knows its Sybils) can attribute the `membership.*` counters. Observation
   * only; nothing it does changes the node.
   */
  readonly onMembershipRefusal?: (refusal: MembershipRefusal, nodeIdHex: string) => void;
}

/**
 * What the gate refused a node not verified as a member: a credential that does not prove its
 * membership, a routing-table slot (it sent a request or an answer), a STORE, or a lookup answer.
 */
export type MembershipRefusal = 'bad-credential' | 'contact' | 'store' | 'lookup-answer';

export interface DhtLookupResult {
  /** findNode: some node answered; get: a valid record was found. */
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Path length to the result: 1 for a node from this node's own table, +1 per referral. 0 when nothing was found. */
  readonly hops: number;
  /** Queries sent. */
  readonly queried: number;
}

export interface FindNodeResult extends DhtLookupResult {
  /** Up to k nodes that answered, closest to the target first. */
  readonly contacts: readonly DhtContact[];
}

export interface GetResult extends DhtLookupResult {
  readonly record: DhtRecord | null;
}

/** put() of a version older than one this node already saw for the key: the writer must catch up first. */
export class StaleWriteError extends RangeError {
  constructor(
    readonly seq: bigint,
    readonly newest: bigint,
  ) {
    super(`put: sequence ${seq} is older than ${newest}, already seen for this key`);
    this.name = 'StaleWriteError';
  }
}

export interface PutOptions {
  /**
   * Send the record to only this many of the closest nodes (default k). Data a reset regenerates
   * anyway (ephemeral zone data) need not cost k copies.
   */
  readonly replicas?: number;
}

export interface GetOptions {
  /** Overrides config.getQuorum for this lookup. */
  readonly quorum?: number;
  /**
   * The record may well not exist (a ban): a lookup whose closest nodes answered without it has
   * found the answer, and counts as a success in the statistics, not a failure.
   */
  readonly absenceIsAnswer?: boolean;
}

export interface PutResult {
  /**
   * Nodes the record was sent to: the `replicas` closest that answered the lookup (this node
   * excluded), and for each of them that left the store unanswered the next closest (docs/dht.md).
   */
  readonly targets: number;
  /** Of those, how many hold it now (stored or already held). */
  readonly acked: number;
  readonly outcomes: Readonly<Record<StoreOutcome | 'no-answer', number>>;
}

export interface BootstrapResult {
  /** Seed contacts that answered. */
  readonly reached: number;
  /** Routing table size afterwards. */
  readonly known: number;
}

export interface LeaveResult {
  readonly records: number;
  readonly storesSent: number;
  readonly storesAcked: number;
}

/** One node of the DHT on a peer's transport. See docs/dht.md. */
export interface DhtNode {
  readonly nodeId: Uint8Array;
  readonly contact: DhtContact;
  readonly config: ResolvedDhtConfig;
  /** Ping the seeds (contacts, or bare endpoints whose key is learnt from the answer), look up this node's own ID, refresh farther buckets. */
  bootstrap(seeds: readonly (DhtContact | Endpoint)[]): Promise<BootstrapResult>;
  findNode(target: Uint8Array): Promise<FindNodeResult>;
  /** Iterative FIND_VALUE for dhtRecordKey(type, subject); every answer is verified before it counts. */
  get(type: RecordType, subject: Uint8Array, options?: GetOptions): Promise<GetResult>;
  /**
   * Store a signed record at the k closest nodes and keep re-putting it every republish interval.
   * Throws RangeError when the record fails this node's own checks (a caller bug).
   */
  put(record: DhtRecord, options?: PutOptions): Promise<PutResult>;
  /** Graceful leave: hand every held record to the closest remaining nodes, then close. */
  leave(): Promise<LeaveResult>;
  /** Stop at once: timers cancelled, outstanding requests abandoned, later messages ignored. The transport stays open (the peer owns it). */
  close(): void;
  stats(): DhtStats;
  /** The valid version this node holds under a key, if any (diagnostics and tests). */
  held(key: Uint8Array): DhtRecord | undefined;
  /** Routing table members. */
  contacts(): DhtContact[];
}

type Reply =
  | { readonly kind: 'pong' }
  | { readonly kind: 'nodes'; readonly contacts: DhtContact[] }
  | { readonly kind: 'value'; readonly record: DhtRecord }
  | { readonly kind: 'stored'; readonly outcome: StoreOutcome };

type RequestKind = 'ping' | 'find-node' | 'find-value' | 'store';

const ACCEPTS: Record<RequestKind, readonly Reply['kind'][]> = {
  ping: ['pong'],
  'find-node': ['nodes'],
  'find-value': ['nodes', 'value'],
  store: ['stored'],
};

interface Answer {
  readonly reply: Reply;
  readonly from: DhtContact;
  /** Whether the answerer is a verified member (always, in an open DHT). */
  readonly member: boolean;
}

interface Pending {
  readonly kind: RequestKind;
  /** Hex node ID the answer must come from; null for a seed known by endpoint only. */
  readonly expect: string | null;
  readonly endpoint: string;
  readonly timer: TimerHandle;
  readonly resolve: (answer: Answer | null) => void;
}

interface Candidate {
  readonly contact: DhtContact;
  readonly hex: string;
  depth: number;
  state: 'new' | 'inflight' | 'answered' | 'failed';
}

interface Found {
  readonly record: DhtRecord;
  readonly from: Candidate;
}

interface LookupOutcome {
  readonly answered: Candidate[];
  readonly found: Found[];
  readonly queried: number;
}

/** The readers' memory of the highest sequence number seen per key, so an older answer is never taken as fresh. */
const MAX_SEEN_KEYS = 4096;
/** Contacts already handed this node's records, remembered so that one dropped from the table and met again is not handed them twice. */
const MAX_HANDED_OVER_CONTACTS = 4096;

function resolveConfig(config: DhtConfig): ResolvedDhtConfig {
  const c = { ...DEFAULT_DHT_CONFIG, ...config };
  const resolved: ResolvedDhtConfig = { ...c, replacementCacheSize: config.replacementCacheSize ?? c.k };
  const int = (name: keyof ResolvedDhtConfig, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = resolved[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`DHT config: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  };
  int('k', 1, MAX_CONTACTS);
  int('alpha', 1, 16);
  int('replacementCacheSize', 0, 1024);
  int('maxFailures', 1);
  int('rateLimitSenders', 1);
  int('maxStoredRecords', 1);
  int('getQuorum', 1);
  int('maxQueriesPerLookup', 1);
  int('handOverSenders', 1);
  if (!Number.isFinite(resolved.freshContactMs) || resolved.freshContactMs < 0) throw new RangeError(`DHT config: freshContactMs must be a finite number >= 0, got ${resolved.freshContactMs}`);
  for (const name of ['requestTimeoutMs', 'republishIntervalMs', 'refreshIntervalMs', 'expirySweepIntervalMs'] as const) {
    const v = resolved[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`DHT config: ${name} must be a finite number > 0, got ${String(v)}`);
  }
  return resolved;
}

const wallClockDefault: Clock = { nowMs: () => Date.now() };

/**
 * Installs the DHT's message handlers on a peer's transport (one DHT per transport) and returns
 * the node. Timers start at once; a node without contacts simply has nothing to do on them.
 */
export function installDht(transport: Transport, config: DhtConfig, deps: DhtDeps): DhtNode {
  return new KademliaNode(transport, resolveConfig(config), deps);
}

class KademliaNode implements DhtNode {
  readonly nodeId: Uint8Array;
  readonly contact: DhtContact;
  private readonly table: RoutingTable;
  private readonly selfHex: string;
  private readonly wallClock: Clock;
  private readonly store: RecordStore;
  private readonly published = new Map<string, DhtRecord>();
  private readonly seen = new Map<string, bigint>();
  private readonly handedOverTo = new LruCache<string, true>(MAX_HANDED_OVER_CONTACTS);
  private readonly pending = new Map<number, Pending>();
  private readonly limiter: SenderRateLimiter;
  private readonly counters: Counters<DhtCounter> = createCounters(DHT_COUNTERS);
  private readonly book: MembershipBook;
  private readonly rejectedOnStore = emptyRejections();
  private readonly rejectedOnRead = emptyRejections();
  private readonly lookupStats: { findNode: ReturnType<typeof emptyLookupStats>; findValue: ReturnType<typeof emptyLookupStats> };
  private readonly timers = new Set<TimerHandle>();
  private nextRid: number;
  private closed = false;
  private republishing = false;
  private refreshing = false;

  constructor(
    private readonly transport: Transport,
    readonly config: ResolvedDhtConfig,
    private readonly deps: DhtDeps,
  ) {
    this.nodeId = nodeIdFromPublicKey(transport.publicKey);
    this.selfHex = idHex(this.nodeId);
    const ownHistograms = deps.onLookupLatency === undefined;
    this.lookupStats = { findNode: emptyLookupStats(ownHistograms), findValue: emptyLookupStats(ownHistograms) };
    this.contact = { nodeId: this.nodeId, endpoint: transport.local };
    this.wallClock = deps.wallClock ?? wallClockDefault;
    this.store = new RecordStore(config.maxStoredRecords);
    this.limiter = new SenderRateLimiter(config.storeRateLimit, config.rateLimitSenders, deps.clock);
    this.nextRid = deps.rng.nextU32();
    this.book = new MembershipBook(deps.membership, this.counters);
    this.table = new RoutingTable(
      this.nodeId,
      { k: config.k, replacementCacheSize: config.replacementCacheSize, maxFailures: config.maxFailures, freshContactMs: config.freshContactMs },
      { clock: deps.clock, probe: (lrs) => this.probe(lrs) },
    );
    this.installHandlers();
    this.every(config.republishIntervalMs, () => this.republish());
    this.every(config.refreshIntervalMs, () => this.refresh());
    this.every(config.expirySweepIntervalMs, () => this.sweep());
  }

  // ---- public API ----

  async bootstrap(seeds: readonly (DhtContact | Endpoint)[]): Promise<BootstrapResult> {
    this.assertOpen('bootstrap');
    const others = seeds.filter((seed) => ('nodeId' in seed ? idHex(seed.nodeId) !== this.selfHex : endpointId(seed) !== endpointId(this.contact.endpoint)));
    const answers = await Promise.all(
      others.map((seed) => ('nodeId' in seed ? this.ping(seed) : this.requestEndpoint(seed, 'ping', DhtPing, { credential: this.book.forRequest(null) }))),
    );
    const reached = answers.filter((a) => a !== null).length;
    if (reached === 0 || this.closed) return { reached, known: this.table.size };
    const self = await this.findClosest(this.nodeId);
    // Kademlia's join: after the own neighbourhood, every bucket farther than the closest neighbour.
    const nearest = self.contacts[0];
    const upTo = nearest ? this.table.bucketIndex(nearest.nodeId) : 0;
    const buckets = Array.from({ length: upTo }, (_, i) => i);
    await runLimited(buckets, this.config.alpha, (i) => this.findClosest(randomIdWithPrefix(this.nodeId, i, this.deps.rng)));
    return { reached, known: this.table.size };
  }

  async findNode(target: Uint8Array): Promise<FindNodeResult> {
    this.assertOpen('findNode');
    if (!(target instanceof Uint8Array) || target.length !== this.nodeId.length) throw new TypeError(`findNode: target must be ${this.nodeId.length} bytes`);
    return this.findClosest(target);
  }

  /** findNode without the caller checks: internal work (replication, refresh) may race a close. */
  private async findClosest(target: Uint8Array, limit = this.config.k): Promise<FindNodeResult> {
    const start = this.deps.clock.nowMs();
    const stats = this.lookupStats.findNode;
    stats.started++;
    this.counters.inc('lookups');
    const outcome = await this.lookup(target, 'find-node', 0);
    const contacts = outcome.answered.slice(0, limit);
    const ok = contacts.length > 0;
    const hops = ok ? Math.max(...contacts.map((c) => c.depth)) : 0;
    const latencyMs = this.deps.clock.nowMs() - start;
    this.recordLookup(stats, ok, latencyMs, hops);
    return { ok, latencyMs, hops, queried: outcome.queried, contacts: contacts.map((c) => c.contact) };
  }

  async get(type: RecordType, subject: Uint8Array, options: GetOptions = {}): Promise<GetResult> {
    this.assertOpen('get');
    const quorum = options.quorum ?? this.config.getQuorum;
    if (!Number.isSafeInteger(quorum) || quorum < 1) throw new RangeError(`get: quorum must be an integer >= 1, got ${quorum}`);
    const key = recordKey(type, subject);
    const start = this.deps.clock.nowMs();
    const stats = this.lookupStats.findValue;
    stats.started++;
    this.counters.inc('lookups');
    const outcome = await this.lookup(key, 'find-value', quorum);
    const best = this.chooseBest(key, outcome.found);
    const latencyMs = this.deps.clock.nowMs() - start;
    const hops = best ? best.from.depth : 0;
    const answered = best !== null || (options.absenceIsAnswer === true && outcome.answered.length > 0);
    this.recordLookup(stats, answered, latencyMs, hops);
    return { ok: best !== null, latencyMs, hops, queried: outcome.queried, record: best?.record ?? null };
  }

  async put(record: DhtRecord, options: PutOptions = {}): Promise<PutResult> {
    this.assertOpen('put');
    const replicas = options.replicas ?? this.config.k;
    if (!Number.isSafeInteger(replicas) || replicas < 1) throw new RangeError(`put: replicas must be a positive integer, got ${String(options.replicas)}`);
    const wallNow = this.wallClock.nowMs();
    const rejection = this.check(record, wallNow);
    if (rejection) throw new RangeError(`put: the record fails this node's own checks (${rejection})`);
    const hex = idHex(record.key);
    const floor = this.floor(record.key);
    if (floor !== null && record.seq < floor) throw new StaleWriteError(record.seq, floor);
    this.published.set(hex, record);
    this.noteSeen(hex, record.seq);
    this.store.offer(record, () => null, wallNow, this.deps.clock.nowMs());
    this.counters.inc('puts');
    return this.replicate(record, replicas);
  }

  async leave(): Promise<LeaveResult> {
    this.assertOpen('leave');
    this.cancelTimers();
    const wallNow = this.wallClock.nowMs();
    const records = this.store.records().map((h) => h.record).filter((r) => !isExpired(r, wallNow));
    let storesSent = 0;
    let storesAcked = 0;
    await runLimited(records, this.config.alpha, async (record) => {
      const result = await this.replicate(record);
      storesSent += result.targets;
      storesAcked += result.acked;
    });
    this.counters.inc('handoffStores', storesSent);
    this.close();
    return { records: records.length, storesSent, storesAcked };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimers();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.timer.cancel();
      p.resolve(null);
    }
  }

  stats(): DhtStats {
    // The histogram itself, not a copy: a shard reads every node's stats each second.
    const copy = (s: ReturnType<typeof emptyLookupStats>) => ({ ...s, hops: [...s.hops] });
    return {
      counters: this.counters.snapshot(),
      rejectedOnStore: { ...this.rejectedOnStore },
      rejectedOnRead: { ...this.rejectedOnRead },
      lookups: { findNode: copy(this.lookupStats.findNode), findValue: copy(this.lookupStats.findValue) },
      routingTableSize: this.table.size,
      heldRecords: this.store.size,
      publishedRecords: this.published.size,
    };
  }

  held(key: Uint8Array): DhtRecord | undefined {
    return this.store.get(key, this.wallClock.nowMs());
  }

  contacts(): DhtContact[] {
    return this.table.entries().map((e) => e.contact);
  }

  // ---- requests ----

  private installHandlers(): void {
    const t = this.transport;
    t.handle(DhtPing, (msg) => this.serveRead(msg, (from, credential) => this.answer(from, DhtPong, { rid: msg.body.rid, credential })));
    t.handle(DhtFindNode, (msg) =>
      this.serveRead(msg, (from, credential) => this.answer(from, DhtNodes, { rid: msg.body.rid, contacts: this.closestWire(msg.body.target, from.nodeId), credential })),
    );
    t.handle(DhtFindValue, (msg) =>
      this.serveRead(msg, (from, credential) => {
        const record = this.store.get(msg.body.key, this.wallClock.nowMs());
        if (record) {
          this.counters.inc('recordsServed');
          this.answer(from, DhtValue, { rid: msg.body.rid, record });
        } else {
          this.answer(from, DhtNodes, { rid: msg.body.rid, contacts: this.closestWire(msg.body.key, from.nodeId), credential });
        }
      }),
    );
    t.handle(DhtStore, (msg) => this.onStore(msg));
    t.handle(DhtPong, (msg) => this.onReply(msg, { kind: 'pong' }, msg.body.credential));
    t.handle(DhtNodes, (msg) => {
      const contacts: DhtContact[] = [];
      for (const wire of msg.body.contacts) {
        const contact = fromWireContact(wire);
        if (contact) contacts.push(contact);
        else this.counters.inc('malformedContacts');
      }
      this.onReply(msg, { kind: 'nodes', contacts }, msg.body.credential);
    });
    t.handle(DhtValue, (msg) => this.onReply(msg, { kind: 'value', record: msg.body.record }, null));
    t.handle(DhtStored, (msg) => this.onReply(msg, { kind: 'stored', outcome: msg.body.outcome }, null));
  }

  /**
   * A read request (ping, find-node, find-value) from another node, ID from its verified key. It is
   * answered whether or not the sender is a member: reads cost the DHT nothing, and a joining node
   * must be able to bootstrap. The answer goes out before the sender is noted, so that the
   * credential it carries reaches a newcomer before any hand-over STORE does.
   */
  private serveRead(msg: Incoming<{ credential: Uint8Array | null }>, respond: (from: DhtContact, credential: Uint8Array | null) => void): void {
    if (this.closed || msg.senderKey === null) return;
    const from = { nodeId: nodeIdFromPublicKey(msg.senderKey), endpoint: msg.from };
    const hex = idHex(from.nodeId);
    if (this.book.consider(msg.senderKey, hex, msg.body.credential)) this.deps.onMembershipRefusal?.('bad-credential', hex);
    respond(from, this.book.forAnswer(msg.body.credential !== null));
    this.noteIfMember(from, hex);
  }

  /** Only a verified member takes a routing-table slot (every sender, in an open DHT). */
  private noteIfMember(contact: DhtContact, hex: string): boolean {
    if (!this.book.isMember(hex)) {
      this.counters.inc('membership.refusedContacts');
      this.deps.onMembershipRefusal?.('contact', hex);
      return false;
    }
    this.noteContact(contact);
    return true;
  }

  /** Every member heard from goes into the routing table; one new to it may be owed records. */
  private noteContact(contact: DhtContact): void {
    if (this.table.observe(contact) === 'added') this.handOver(contact);
  }

  /**
   * Kademlia's transfer to a newcomer: the records this node holds or published for which the new
   * contact is now among the k closest known nodes go to it at once. Without it, a key whose k
   * closest nodes all joined after it was stored would look missing until the next republish.
   */
  private handOver(contact: DhtContact): void {
    const contactHex = idHex(contact.nodeId);
    if (this.handedOverTo.has(contactHex)) return;
    this.handedOverTo.set(contactHex, true);
    const wallNow = this.wallClock.nowMs();
    const records = [...this.published.values(), ...this.store.records().map((h) => h.record)];
    const sent = new Set<string>();
    for (const record of records) {
      const hex = idHex(record.key);
      if (sent.has(hex) || isExpired(record, wallNow)) continue;
      const closest = this.table.closest(record.key, this.config.k);
      if (!closest.some((c) => equalBytes(c.nodeId, contact.nodeId))) continue;
      const closerThanSelf = closest.filter((c) => !equalBytes(c.nodeId, contact.nodeId) && compareDistance(record.key, c.nodeId, this.nodeId) < 0).length;
      if (closerThanSelf >= this.config.handOverSenders) continue;
      sent.add(hex);
      this.counters.inc('handOvers');
      void this.storeAt(contact, record);
    }
  }

  private answer<T>(to: DhtContact, spec: MessageSpec<T>, body: T): void {
    this.counters.inc('requestsAnswered');
    this.transport.send(to.endpoint, spec, body);
  }

  private onStore(msg: Incoming<{ rid: number; record: DhtRecord }>): void {
    if (this.closed || msg.senderKey === null) return;
    const nodeId = nodeIdFromPublicKey(msg.senderKey);
    const hex = idHex(nodeId);
    // Before any work on the record: a flood costs the transport's verification and nothing more.
    if (!this.limiter.take(hex)) {
      this.counters.inc('rateLimited');
      return;
    }
    const from = { nodeId, endpoint: msg.from };
    this.counters.inc('storeRequests');
    if (!this.book.isMember(hex)) {
      // Refused before any work on the record; the answer tells an honest storer to introduce itself.
      this.counters.inc('membership.refusedStores');
      this.deps.onMembershipRefusal?.('store', hex);
      this.answer(from, DhtStored, { rid: msg.body.rid, outcome: 'not-member' });
      return;
    }
    this.noteContact(from);
    const record = msg.body.record;
    const wallNow = this.wallClock.nowMs();
    const result = this.store.offer(record, () => this.check(record, wallNow), wallNow, this.deps.clock.nowMs());
    let outcome: StoreOutcome;
    if (result.outcome === 'rejected') {
      this.reject(this.rejectedOnStore, result.reason);
      outcome = result.reason === 'stale' || result.reason === 'conflict' ? result.reason : result.reason === 'store-full' ? 'full' : 'invalid';
    } else {
      if (result.outcome === 'stored') {
        this.counters.inc('recordsStored');
        this.noteSeen(idHex(record.key), record.seq);
      }
      outcome = result.outcome;
    }
    this.answer(from, DhtStored, { rid: msg.body.rid, outcome });
  }

  /** An answer: taken only from the node asked; its credential (pong, nodes) is checked only then, so junk answers cost no verification. */
  private onReply(msg: Incoming<{ rid: number }>, reply: Reply, credential: Uint8Array | null): void {
    if (this.closed || msg.senderKey === null) return;
    const pending = this.pending.get(msg.body.rid);
    const nodeId = nodeIdFromPublicKey(msg.senderKey);
    const hex = idHex(nodeId);
    const fromExpected = pending && (pending.expect !== null ? pending.expect === hex : pending.endpoint === endpointId(msg.from));
    if (!pending || !fromExpected || !ACCEPTS[pending.kind].includes(reply.kind)) {
      this.counters.inc('unexpectedResponses');
      return;
    }
    this.pending.delete(msg.body.rid);
    pending.timer.cancel();
    this.counters.inc('responsesReceived');
    if (this.book.consider(msg.senderKey, hex, credential)) this.deps.onMembershipRefusal?.('bad-credential', hex);
    const from = { nodeId, endpoint: msg.from };
    const member = this.noteIfMember(from, hex);
    pending.resolve({ reply, from, member });
  }

  private request<T>(to: DhtContact, kind: RequestKind, spec: MessageSpec<T & { rid: number }>, body: T): Promise<Answer | null> {
    return this.send(to.endpoint, to.nodeId, kind, spec, body);
  }

  private requestEndpoint<T>(to: Endpoint, kind: RequestKind, spec: MessageSpec<T & { rid: number }>, body: T): Promise<Answer | null> {
    return this.send(to, null, kind, spec, body);
  }

  private send<T>(to: Endpoint, nodeId: Uint8Array | null, kind: RequestKind, spec: MessageSpec<T & { rid: number }>, body: T): Promise<Answer | null> {
    if (this.closed) return Promise.resolve(null);
    const rid = this.allocateRid();
    return new Promise((resolve) => {
      const timer = this.deps.scheduler.schedule(this.deps.clock.nowMs() + this.config.requestTimeoutMs, () => {
        if (this.pending.get(rid) !== pending) return;
        this.pending.delete(rid);
        this.counters.inc('timeouts');
        if (nodeId) this.table.failed(nodeId);
        resolve(null);
      });
      const pending: Pending = { kind, expect: nodeId ? idHex(nodeId) : null, endpoint: endpointId(to), timer, resolve };
      this.pending.set(rid, pending);
      this.counters.inc('requestsSent');
      this.transport.send(to, spec, { ...body, rid });
    });
  }

  private allocateRid(): number {
    for (;;) {
      const rid = this.nextRid;
      this.nextRid = (this.nextRid + 1) >>> 0;
      if (!this.pending.has(rid)) return rid;
    }
  }

  /** A ping that presents this node's credential only if `to` was not verified here. */
  private ping(to: DhtContact): Promise<Answer | null> {
    return this.request(to, 'ping', DhtPing, { credential: this.book.forRequest(idHex(to.nodeId)) });
  }

  /**
   * A STORE. A holder that does not know this node as a member answers `not-member`: then this
   * node introduces itself (a ping with its credential, which the holder verifies) and stores
   * once more. One retry: a holder that refuses a presented credential will refuse it again.
   * `membership.storesRefused` counts refusals that stand: this node had no credential to show, or
   * the holder refused it again after the introduction. An introduction that got no answer (a lost
   * datagram, a crashed holder) is no refusal: the STORE simply went unanswered.
   */
  private async storeAt(to: DhtContact, record: DhtRecord): Promise<Answer | null> {
    const answer = await this.request(to, 'store', DhtStore, { record });
    if (!refusedAsStranger(answer)) return answer;
    const credential = this.book.own();
    if (credential === null) {
      this.counters.inc('membership.storesRefused');
      return answer;
    }
    const pong = await this.request<{ credential: Uint8Array | null }>(to, 'ping', DhtPing, { credential });
    if (pong === null || this.closed) return answer;
    this.counters.inc('membership.storeRetries');
    const retried = await this.request(to, 'store', DhtStore, { record });
    if (refusedAsStranger(retried)) this.counters.inc('membership.storesRefused');
    return retried;
  }

  private probe(lrs: DhtContact): void {
    this.counters.inc('probes');
    void this.ping(lrs).then((answer) => {
      if (answer === null) this.counters.inc('probeEvictions');
      this.table.probeResult(lrs.nodeId, answer !== null);
    });
  }

  private closestWire(target: Uint8Array, requester: Uint8Array) {
    return this.table.closest(target, this.config.k, requester).map(toWireContact);
  }

  // ---- lookups ----

  /**
   * Iterative lookup: keep up to α queries in flight to the closest candidates not yet asked, and
   * stop when the k closest candidates that did not fail have all answered (or, for a value, when
   * `quorum` of them produced a valid record). A candidate learnt from an answer is one hop
   * farther than the node that named it.
   */
  private lookup(target: Uint8Array, kind: 'find-node' | 'find-value', quorum: number): Promise<LookupOutcome> {
    this.table.touch(target);
    const { k, alpha, maxQueriesPerLookup } = this.config;
    const shortlist: Candidate[] = [];
    const known = new Map<string, Candidate>();
    const found: Found[] = [];
    let inflight = 0;
    let queried = 0;
    let done = false;

    const add = (contact: DhtContact, depth: number) => {
      const hex = idHex(contact.nodeId);
      if (hex === this.selfHex) return;
      const existing = known.get(hex);
      if (existing) {
        if (existing.state === 'new' && depth < existing.depth) existing.depth = depth;
        return;
      }
      const candidate: Candidate = { contact, hex, depth, state: 'new' };
      known.set(hex, candidate);
      let lo = 0;
      let hi = shortlist.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareDistance(target, (shortlist[mid] as Candidate).contact.nodeId, contact.nodeId) < 0) lo = mid + 1;
        else hi = mid;
      }
      shortlist.splice(lo, 0, candidate);
    };

    // The whole table, not just its k closest: when those turn out dead, the window of the k
    // closest candidates not failed slides on to the next ones instead of ending the lookup.
    for (const contact of this.table.closest(target, this.table.size)) add(contact, 1);

    return new Promise((resolve) => {
      const finish = () => {
        if (done) return;
        done = true;
        resolve({ answered: shortlist.filter((c) => c.state === 'answered'), found, queried });
      };
      const pump = () => {
        if (done) return;
        if (this.closed || (kind === 'find-value' && found.length >= quorum)) return finish();
        let considered = 0;
        for (const candidate of shortlist) {
          if (candidate.state === 'failed') continue;
          if (considered++ >= k) break;
          if (candidate.state !== 'new' || inflight >= alpha || queried >= maxQueriesPerLookup) continue;
          query(candidate);
        }
        if (inflight === 0) finish();
      };
      const query = (candidate: Candidate) => {
        candidate.state = 'inflight';
        inflight++;
        queried++;
        const credential = this.book.forRequest(candidate.hex);
        const answer =
          kind === 'find-node' ? this.request(candidate.contact, kind, DhtFindNode, { target, credential }) : this.request(candidate.contact, kind, DhtFindValue, { key: target, credential });
        void answer.then((a) => {
          inflight--;
          if (done) return;
          if (a === null) {
            candidate.state = 'failed';
          } else if (a.reply.kind === 'nodes' && !a.member) {
            // A non-member's referrals would let a Sybil steer the lookup: it counts as not answered.
            candidate.state = 'failed';
            this.counters.inc('membership.ignoredAnswers');
            this.deps.onMembershipRefusal?.('lookup-answer', candidate.hex);
          } else {
            candidate.state = 'answered';
            if (a.reply.kind === 'nodes') for (const c of a.reply.contacts) add(c, candidate.depth + 1);
            else if (a.reply.kind === 'value') this.considerFound(target, a.reply.record, candidate, found);
          }
          pump();
        });
      };
      pump();
    });
  }

  /** A record in an answer to a get: verified like a storing node would, and against what this node has seen. */
  private considerFound(key: Uint8Array, record: DhtRecord, from: Candidate, found: Found[]): void {
    if (!equalBytes(record.key, key)) return this.reject(this.rejectedOnRead, 'wrong-key');
    const rejection = this.check(record, this.wallClock.nowMs());
    if (rejection) return this.reject(this.rejectedOnRead, rejection);
    const floor = this.floor(key);
    if (floor !== null && record.seq < floor) {
      // Still worth a push of the newer version this node knows of, if it holds one.
      this.repair(key, from.contact);
      return this.reject(this.rejectedOnRead, 'stale');
    }
    found.push({ record, from });
  }

  /**
   * The highest sequence number among valid answers wins; an older answer is counted stale (and
   * its node gets the newer version), a different one with the same number a conflict (the first
   * to arrive is kept).
   */
  private chooseBest(key: Uint8Array, found: readonly Found[]): Found | null {
    let best: Found | null = null;
    for (const f of found) if (best === null || f.record.seq > best.record.seq) best = f;
    if (best === null) return null;
    for (const f of found) {
      if (f === best) continue;
      if (f.record.seq < best.record.seq) {
        this.reject(this.rejectedOnRead, 'stale');
        this.pushRecord(best.record, f.from.contact);
      } else if (!sameRecord(f.record, best.record)) {
        this.reject(this.rejectedOnRead, 'conflict');
      }
    }
    this.noteSeen(idHex(key), best.record.seq);
    return best;
  }

  private repair(key: Uint8Array, to: DhtContact): void {
    const hex = idHex(key);
    const newer = this.published.get(hex) ?? this.store.get(key, this.wallClock.nowMs());
    if (newer) this.pushRecord(newer, to);
  }

  private pushRecord(record: DhtRecord, to: DhtContact): void {
    this.counters.inc('readRepairs');
    void this.storeAt(to, record);
  }

  private recordLookup(stats: ReturnType<typeof emptyLookupStats>, ok: boolean, latencyMs: number, hops: number): void {
    if (this.closed) {
      stats.abandoned++;
      this.counters.inc('lookupsAbandoned');
    } else if (ok) {
      stats.succeeded++;
      this.counters.inc('lookupSuccesses');
      if (stats.latencyMs) stats.latencyMs.recordMs(latencyMs);
      else this.deps.onLookupLatency?.(stats === this.lookupStats.findNode ? 'findNode' : 'findValue', latencyMs);
      const slot = Math.min(hops, MAX_TRACKED_HOPS);
      stats.hops[slot] = (stats.hops[slot] as number) + 1;
    } else {
      stats.failed++;
      this.counters.inc('lookupFailures');
    }
  }

  // ---- records ----

  private check(record: DhtRecord, wallNow: number): RecordRejection | null {
    return verifyRecord(record, { policies: this.deps.policies, verify: this.deps.verify, nowMs: wallNow });
  }

  private reject(into: Record<RecordRejection, number>, reason: RecordRejection): void {
    into[reason]++;
    this.counters.inc('recordsRejected');
  }

  /** The highest sequence number this node knows for a key: held, published or seen in an answer. */
  private floor(key: Uint8Array): bigint | null {
    const hex = idHex(key);
    let floor = this.seen.get(hex) ?? null;
    const held = this.store.entry(key)?.record.seq;
    if (held !== undefined && (floor === null || held > floor)) floor = held;
    const own = this.published.get(hex)?.seq;
    if (own !== undefined && (floor === null || own > floor)) floor = own;
    return floor;
  }

  private noteSeen(hex: string, seq: bigint): void {
    const prior = this.seen.get(hex);
    this.seen.delete(hex);
    this.seen.set(hex, prior !== undefined && prior > seq ? prior : seq);
    if (this.seen.size > MAX_SEEN_KEYS) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }

  /**
   * Stores the record at the `replicas` closest nodes that answer the store. A node that leaves a
   * store unanswered (crashed, overloaded, or one that answers lookups for nodes but drops stores)
   * is replaced by the next closest, up to k nodes past the first `replicas`: a reader's lookup
   * passes over the same silent nodes and reaches the ones that answered. A node that answers with a
   * refusal is not replaced: it said why.
   */
  private async replicate(record: DhtRecord, replicas = this.config.k): Promise<PutResult> {
    const candidates = (await this.findClosest(record.key, replicas + this.config.k)).contacts;
    const outcomes = Object.fromEntries([...STORE_OUTCOMES, 'no-answer'].map((o) => [o, 0])) as Record<StoreOutcome | 'no-answer', number>;
    let next = 0;
    let targets = 0;
    let acked = 0;
    const storeOnce = async (): Promise<void> => {
      while (next < candidates.length) {
        const contact = candidates[next++] as DhtContact;
        targets++;
        this.counters.inc('storesSent');
        const answer = await this.storeAt(contact, record);
        if (answer === null || answer.reply.kind !== 'stored') {
          outcomes['no-answer']++;
          if (this.closed) return;
          continue;
        }
        outcomes[answer.reply.outcome]++;
        if (answer.reply.outcome === 'stored' || answer.reply.outcome === 'duplicate') acked++;
        return;
      }
    };
    await Promise.all(Array.from({ length: Math.min(replicas, candidates.length) }, storeOnce));
    this.counters.inc('storesAcked', acked);
    return { targets, acked, outcomes };
  }

  // ---- periodic work ----

  /** Runs `task` about every `intervalMs`, jittered so that nodes started together do not act together. */
  private every(intervalMs: number, task: () => void): void {
    const arm = (delay: number) => {
      if (this.closed) return;
      const handle = this.deps.scheduler.schedule(this.deps.clock.nowMs() + delay, () => {
        this.timers.delete(handle);
        if (this.closed) return;
        task();
        arm(intervalMs * (0.75 + 0.5 * this.deps.rng.float()));
      });
      this.timers.add(handle);
    };
    arm(intervalMs * (0.5 + this.deps.rng.float()));
  }

  private cancelTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  /**
   * Publishers re-put their own records every interval. Holders re-put a record only when nobody
   * re-stored it at them for a whole interval: among the k holders the first to get there does
   * the work, and the others see its STORE (Kademlia's republish optimisation).
   */
  private republish(): void {
    if (this.republishing) return;
    const wallNow = this.wallClock.nowMs();
    const now = this.deps.clock.nowMs();
    const due: DhtRecord[] = [];
    for (const [hex, record] of this.published) {
      if (isExpired(record, wallNow)) this.published.delete(hex);
      else due.push(record);
    }
    for (const held of this.store.records()) {
      if (this.published.has(idHex(held.record.key))) continue;
      if (now - held.refreshedAtMs < this.config.republishIntervalMs) continue;
      if (isExpired(held.record, wallNow)) continue;
      held.refreshedAtMs = now;
      due.push(held.record);
    }
    if (due.length === 0) return;
    this.republishing = true;
    void runLimited(due, this.config.alpha, async (record) => {
      if (this.closed) return;
      this.counters.inc('republished');
      await this.replicate(record);
    }).finally(() => (this.republishing = false));
  }

  private refresh(): void {
    if (this.refreshing || this.table.size === 0) return;
    const buckets = this.table.bucketsToRefresh(this.config.refreshIntervalMs);
    if (buckets.length === 0) return;
    this.refreshing = true;
    void runLimited(buckets, this.config.alpha, async (i) => {
      if (!this.closed) await this.findClosest(randomIdWithPrefix(this.nodeId, i, this.deps.rng));
    }).finally(() => (this.refreshing = false));
  }

  private sweep(): void {
    const wallNow = this.wallClock.nowMs();
    this.counters.inc('expiredSwept', this.store.sweep(wallNow));
    for (const [hex, record] of this.published) if (isExpired(record, wallNow)) this.published.delete(hex);
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new Error(`DHT ${what}: the node is closed`);
  }
}

/** At most `limit` of `fn` running at once, in order. */
async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A holder's answer that it does not know the storer as a member. */
function refusedAsStranger(answer: Answer | null): boolean {
  return answer?.reply.kind === 'stored' && answer.reply.outcome === 'not-member';
}
