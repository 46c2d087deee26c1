import type { Clock } from '../time/clock.js';
import type { DhtContact } from './contact.js';
import { ID_BITS, commonPrefixLength, compareDistance, idHex } from './ids.js';

export interface RoutingTableConfig {
  /** Contacts per bucket. */
  readonly k: number;
  /** Newcomers kept per full bucket, to step in when a member dies. */
  readonly replacementCacheSize: number;
  /** Consecutive unanswered requests after which a contact is dropped. */
  readonly maxFailures: number;
  /**
   * A least-recently-seen member heard from within this many ms counts as alive without a ping,
   * so a newcomer that sends several messages in a row does not cause a ping for each.
   */
  readonly freshContactMs: number;
}

export interface RoutingTableDeps {
  readonly clock: Clock;
  /**
   * Called when a newcomer meets a full bucket: the caller pings this least-recently-seen contact
   * and reports the answer (or its absence) through `probeResult`. One probe per bucket at a time.
   */
  readonly probe: (leastRecentlySeen: DhtContact) => void;
}

export interface RoutingEntry {
  readonly contact: DhtContact;
  readonly lastSeenMs: number;
  readonly failures: number;
}

interface Entry {
  contact: DhtContact;
  hex: string;
  lastSeenMs: number;
  failures: number;
}

interface Bucket {
  /** Least recently seen first. */
  readonly entries: Entry[];
  /** Most recently seen last. */
  readonly replacements: Entry[];
  /** Hex ID of the member being pinged before eviction, if any. */
  probing: string | null;
  /** When a lookup last targeted an ID in this bucket's range (refresh skips busy buckets). */
  lastLookupMs: number;
}

/**
 * What happened to a contact that was heard from: `added` to a bucket with room, `refreshed` as
 * the most recently seen member, `probing` (its bucket was full: the least recently seen member is
 * being pinged, and the newcomer waits in the replacement cache), or `cached` (a probe for that
 * bucket is already running, or its least recently seen member was heard from too recently to doubt).
 */
export type ObserveOutcome = 'self' | 'added' | 'refreshed' | 'probing' | 'cached';

/**
 * Kademlia's k-buckets over 256-bit IDs: bucket i holds contacts sharing exactly i leading bits
 * with this node. A full bucket prefers the contacts it has (long-lived nodes tend to stay, and an
 * attacker cannot flush a bucket by talking a lot): the least recently seen member is evicted only
 * after it failed to answer a ping.
 */
export class RoutingTable {
  private readonly buckets: Bucket[];

  constructor(
    readonly selfId: Uint8Array,
    private readonly config: RoutingTableConfig,
    private readonly deps: RoutingTableDeps,
  ) {
    for (const [name, min] of [
      ['k', 1],
      ['replacementCacheSize', 0],
      ['maxFailures', 1],
      ['freshContactMs', 0],
    ] as const) {
      const v = config[name];
      if (!Number.isFinite(v) || v < min || (name !== 'freshContactMs' && !Number.isSafeInteger(v))) throw new RangeError(`RoutingTable: ${name} must be ${name === 'freshContactMs' ? 'a number' : 'an integer'} >= ${min}, got ${v}`);
    }
    this.buckets = Array.from({ length: ID_BITS }, () => ({ entries: [], replacements: [], probing: null, lastLookupMs: -Infinity }));
  }

  /** The bucket index for an ID (its common prefix length with this node); ID_BITS for this node itself. */
  bucketIndex(id: Uint8Array): number {
    return commonPrefixLength(this.selfId, id);
  }

  /** A valid message came from this contact (its ID already checked against the sender's key). */
  observe(contact: DhtContact): ObserveOutcome {
    const index = this.bucketIndex(contact.nodeId);
    if (index === ID_BITS) return 'self';
    const bucket = this.buckets[index] as Bucket;
    const hex = idHex(contact.nodeId);
    const now = this.deps.clock.nowMs();
    const at = bucket.entries.findIndex((e) => e.hex === hex);
    if (at >= 0) {
      const entry = bucket.entries[at] as Entry;
      bucket.entries.splice(at, 1);
      bucket.entries.push(entry);
      entry.contact = contact;
      entry.lastSeenMs = now;
      entry.failures = 0;
      return 'refreshed';
    }
    if (bucket.entries.length < this.config.k) {
      this.dropReplacement(bucket, hex);
      bucket.entries.push({ contact, hex, lastSeenMs: now, failures: 0 });
      return 'added';
    }
    this.cacheReplacement(bucket, { contact, hex, lastSeenMs: now, failures: 0 });
    const lrs = bucket.entries[0] as Entry;
    if (bucket.probing !== null || now - lrs.lastSeenMs < this.config.freshContactMs) return 'cached';
    bucket.probing = lrs.hex;
    this.deps.probe(lrs.contact);
    return 'probing';
  }

  /**
   * The answer to a probe: an alive member stays (as most recently seen) and the newcomers stay
   * cached; a dead one is replaced by the most recently seen replacement.
   */
  probeResult(nodeId: Uint8Array, alive: boolean): void {
    const bucket = this.buckets[this.bucketIndex(nodeId)];
    const hex = idHex(nodeId);
    if (!bucket || bucket.probing !== hex) return;
    bucket.probing = null;
    const at = bucket.entries.findIndex((e) => e.hex === hex);
    if (at < 0) return;
    if (alive) {
      const entry = bucket.entries[at] as Entry;
      bucket.entries.splice(at, 1);
      bucket.entries.push(entry);
      entry.lastSeenMs = this.deps.clock.nowMs();
      entry.failures = 0;
    } else {
      bucket.entries.splice(at, 1);
      this.promoteReplacement(bucket);
    }
  }

  /** A request to this contact went unanswered; after `maxFailures` in a row it is dropped. */
  failed(nodeId: Uint8Array): void {
    const found = this.forget(nodeId);
    if (!found) return;
    const entry = found.bucket.entries[found.at] as Entry;
    entry.failures++;
    if (entry.failures >= this.config.maxFailures) this.dropEntry(found.bucket, found.at, found.hex);
  }

  remove(nodeId: Uint8Array): void {
    const found = this.forget(nodeId);
    if (found) this.dropEntry(found.bucket, found.at, found.hex);
  }

  /** Drops the contact from its bucket's replacement cache and says where it stands in the bucket, if it does. */
  private forget(nodeId: Uint8Array): { bucket: Bucket; hex: string; at: number } | null {
    const bucket = this.buckets[this.bucketIndex(nodeId)];
    if (!bucket) return null;
    const hex = idHex(nodeId);
    this.dropReplacement(bucket, hex);
    const at = bucket.entries.findIndex((e) => e.hex === hex);
    return at < 0 ? null : { bucket, hex, at };
  }

  private dropEntry(bucket: Bucket, at: number, hex: string): void {
    bucket.entries.splice(at, 1);
    if (bucket.probing === hex) bucket.probing = null;
    this.promoteReplacement(bucket);
  }

  has(nodeId: Uint8Array): boolean {
    const bucket = this.buckets[this.bucketIndex(nodeId)];
    const hex = idHex(nodeId);
    return bucket !== undefined && bucket.entries.some((e) => e.hex === hex);
  }

  /** Up to `n` bucket members closest to `target`, closest first. */
  closest(target: Uint8Array, n: number, exclude?: Uint8Array): DhtContact[] {
    const skip = exclude ? idHex(exclude) : null;
    const all: DhtContact[] = [];
    for (const bucket of this.buckets) for (const e of bucket.entries) if (e.hex !== skip) all.push(e.contact);
    all.sort((a, b) => compareDistance(target, a.nodeId, b.nodeId));
    return all.slice(0, n);
  }

  get size(): number {
    let n = 0;
    for (const bucket of this.buckets) n += bucket.entries.length;
    return n;
  }

  /** Every bucket member, with when it was last heard from. */
  entries(): RoutingEntry[] {
    return this.buckets.flatMap((b) => b.entries.map((e) => ({ contact: e.contact, lastSeenMs: e.lastSeenMs, failures: e.failures })));
  }

  /** Bucket `index`: members (least recently seen first) and replacement cache (most recent last). */
  bucket(index: number): { readonly members: readonly DhtContact[]; readonly replacements: readonly DhtContact[]; readonly probing: boolean } {
    const bucket = this.buckets[index];
    if (!bucket) throw new RangeError(`RoutingTable.bucket: index must be in [0, ${ID_BITS}), got ${index}`);
    return { members: bucket.entries.map((e) => e.contact), replacements: bucket.replacements.map((e) => e.contact), probing: bucket.probing !== null };
  }

  /** Remember that a lookup covered this ID's bucket, so refresh leaves it alone for a while. */
  touch(id: Uint8Array): void {
    const bucket = this.buckets[this.bucketIndex(id)];
    if (bucket) bucket.lastLookupMs = this.deps.clock.nowMs();
  }

  /**
   * Buckets worth refreshing: every index up to the deepest non-empty bucket (beyond it there is
   * nobody to find) that no lookup covered within `idleMs`.
   */
  bucketsToRefresh(idleMs: number): number[] {
    let deepest = -1;
    for (let i = ID_BITS - 1; i >= 0; i--) {
      if ((this.buckets[i] as Bucket).entries.length > 0) {
        deepest = i;
        break;
      }
    }
    const now = this.deps.clock.nowMs();
    const out: number[] = [];
    for (let i = 0; i <= deepest; i++) if (now - (this.buckets[i] as Bucket).lastLookupMs >= idleMs) out.push(i);
    return out;
  }

  private cacheReplacement(bucket: Bucket, entry: Entry): void {
    this.dropReplacement(bucket, entry.hex);
    if (this.config.replacementCacheSize === 0) return;
    bucket.replacements.push(entry);
    if (bucket.replacements.length > this.config.replacementCacheSize) bucket.replacements.shift();
  }

  private dropReplacement(bucket: Bucket, hex: string): void {
    const at = bucket.replacements.findIndex((e) => e.hex === hex);
    if (at >= 0) bucket.replacements.splice(at, 1);
  }

  private promoteReplacement(bucket: Bucket): void {
    const next = bucket.replacements.pop();
    if (next && bucket.entries.length < this.config.k) bucket.entries.push(next);
  }
}
