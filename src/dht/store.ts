import { idHex } from './ids.js';
import { isExpired, sameRecord, type DhtRecord, type RecordRejection } from './records.js';

export interface HeldRecord {
  readonly record: DhtRecord;
  /** Monotonic ms of the last STORE of this version (received or sent by this node): republish skips fresh ones. */
  refreshedAtMs: number;
}

export type OfferResult = { readonly outcome: 'stored' | 'duplicate' } | { readonly outcome: 'rejected'; readonly reason: RecordRejection };

/**
 * The records a node holds for others, one version per key. A version is replaced only by a
 * higher sequence number; an older one is `stale` and an equal one with other content is a
 * `conflict` (the first stays, so a writer who signs two versions with one number cannot make
 * nodes flip between them). Checks that need no signature come first.
 */
export class RecordStore {
  private readonly held = new Map<string, HeldRecord>();

  constructor(private readonly maxRecords: number) {
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new RangeError(`RecordStore: maxRecords must be an integer >= 1, got ${maxRecords}`);
  }

  /**
   * Offer a record. `verify` runs the full intrinsic check (key, expiry, policy, signature) and
   * is only called when the record could change what is held.
   */
  offer(record: DhtRecord, verify: () => RecordRejection | null, nowWallMs: number, nowMonoMs: number): OfferResult {
    const hex = idHex(record.key);
    let current = this.held.get(hex);
    if (current && isExpired(current.record, nowWallMs)) {
      this.held.delete(hex);
      current = undefined;
    }
    if (current) {
      if (record.seq < current.record.seq) return { outcome: 'rejected', reason: 'stale' };
      if (record.seq === current.record.seq) {
        if (sameRecord(record, current.record)) {
          current.refreshedAtMs = nowMonoMs;
          return { outcome: 'duplicate' };
        }
        const rejection = verify();
        return { outcome: 'rejected', reason: rejection ?? 'conflict' };
      }
    } else if (this.held.size >= this.maxRecords) {
      return { outcome: 'rejected', reason: 'store-full' };
    }
    const rejection = verify();
    if (rejection) return { outcome: 'rejected', reason: rejection };
    this.held.set(hex, { record, refreshedAtMs: nowMonoMs });
    return { outcome: 'stored' };
  }

  /** The held version, unless it has expired. */
  get(key: Uint8Array, nowWallMs: number): DhtRecord | undefined {
    const held = this.held.get(idHex(key));
    if (!held || isExpired(held.record, nowWallMs)) return undefined;
    return held.record;
  }

  entry(key: Uint8Array): HeldRecord | undefined {
    return this.held.get(idHex(key));
  }

  /** Removes expired records; returns how many. */
  sweep(nowWallMs: number): number {
    let removed = 0;
    for (const [hex, held] of this.held) {
      if (isExpired(held.record, nowWallMs)) {
        this.held.delete(hex);
        removed++;
      }
    }
    return removed;
  }

  records(): HeldRecord[] {
    return [...this.held.values()];
  }

  get size(): number {
    return this.held.size;
  }
}
