import type { Clock } from './clock.js';

export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: how many requests a quiet sender may send at once. */
  readonly burst: number;
}

/**
 * One token bucket per sender key. Senders are forgotten least-recently-used first beyond
 * `maxSenders`; a forgotten sender starts again with a full bucket, which costs an attacker a new
 * signed key per burst (the transport's replay table bounds fresh keys the same way).
 */
export class SenderRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxSenders: number,
    private readonly clock: Clock,
  ) {
    if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) throw new RangeError(`rate limit: perSecond must be a finite number > 0, got ${limit.perSecond}`);
    if (!Number.isSafeInteger(limit.burst) || limit.burst < 1) throw new RangeError(`rate limit: burst must be an integer >= 1, got ${limit.burst}`);
    if (!Number.isSafeInteger(maxSenders) || maxSenders < 1) throw new RangeError(`rate limit: maxSenders must be an integer >= 1, got ${maxSenders}`);
  }

  /** Takes one token for `sender`; false when its bucket is empty. */
  take(sender: string): boolean {
    const now = this.clock.nowMs();
    let bucket = this.buckets.get(sender);
    if (bucket) {
      this.buckets.delete(sender);
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.atMs) * this.limit.perSecond) / 1000);
      bucket.atMs = now;
    } else {
      bucket = { tokens: this.limit.burst, atMs: now };
      if (this.buckets.size >= this.maxSenders) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(sender, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get trackedSenders(): number {
    return this.buckets.size;
  }
}
