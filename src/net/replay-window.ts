/**
 * Anti-replay sliding window over a sender's sequence numbers (the scheme of IPsec, RFC 6479):
 * the highest sequence accepted so far plus a bitmap of the `size` sequences below it. A sequence
 * is fresh when it is above the highest, or inside the window and not yet seen; seen is a replay;
 * below the window is stale, refused because it can no longer be told apart from a replay.
 */
import { byteKey } from '../crypto/index.js';

export type SequenceVerdict = 'fresh' | 'replay' | 'stale';

export class ReplayWindow {
  private highest = -1n;
  private readonly bits: Uint32Array;

  constructor(readonly size = 4096) {
    if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) throw new RangeError(`ReplayWindow: size must be a positive multiple of 32, got ${size}`);
    this.bits = new Uint32Array(size / 32);
  }

  /** Would this sequence be accepted? Records nothing. */
  check(sequence: bigint): SequenceVerdict {
    if (sequence > this.highest) return 'fresh';
    const age = this.highest - sequence;
    if (age >= BigInt(this.size)) return 'stale';
    return this.testBit(this.slot(sequence)) ? 'replay' : 'fresh';
  }

  /** Record a sequence if it is fresh; the verdict says whether it was. */
  accept(sequence: bigint): SequenceVerdict {
    const verdict = this.check(sequence);
    if (verdict !== 'fresh') return verdict;
    if (sequence > this.highest) {
      // Ages are below 2^53 or the shift clears everything, so Number arithmetic is exact here.
      const advance = this.highest < 0n || sequence - this.highest >= BigInt(this.size) ? this.size : Number(sequence - this.highest);
      if (advance >= this.size) this.bits.fill(0);
      else {
        const first = this.slot(this.highest + 1n);
        for (let i = 0; i < advance; i++) this.clearBit((first + i) % this.size);
      }
      this.highest = sequence;
    }
    this.setBit(this.slot(sequence));
    return 'fresh';
  }

  private slot(sequence: bigint): number {
    return Number(sequence % BigInt(this.size));
  }

  private testBit(i: number): boolean {
    return ((this.bits[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  private setBit(i: number): void {
    this.bits[i >>> 5] = (this.bits[i >>> 5] as number) | (1 << (i & 31));
  }

  private clearBit(i: number): void {
    this.bits[i >>> 5] = (this.bits[i >>> 5] as number) & ~(1 << (i & 31));
  }
}

export interface ReplayGuardOptions {
  /** Senders whose windows are kept at once. Default 4096. */
  readonly maxSenders?: number;
  /** Sequence numbers remembered below each sender's highest. Default 4096. */
  readonly windowSize?: number;
  /**
   * A window may be forgotten only after its sender was silent this long. Default 120 s. Until
   * then it is kept even when the table is full, and a new sender is refused instead: evicting an
   * active window would let an attacker with many fresh keys make a recorded datagram fresh again.
   */
  readonly idleEvictMs?: number;
}

export type GuardVerdict = SequenceVerdict | 'sender-table-full';

/** One window per sender key, bounded in number; only windows idle past the horizon are forgotten. */
export class ReplayGuard {
  private readonly windows = new Map<string, { window: ReplayWindow; lastActiveMs: number }>();
  private readonly maxSenders: number;
  private readonly windowSize: number;
  private readonly idleEvictMs: number;

  constructor(options: ReplayGuardOptions = {}) {
    this.maxSenders = options.maxSenders ?? 4096;
    this.windowSize = options.windowSize ?? 4096;
    this.idleEvictMs = options.idleEvictMs ?? 120_000;
    if (!Number.isInteger(this.maxSenders) || this.maxSenders < 1) throw new RangeError(`ReplayGuard: maxSenders must be an integer >= 1, got ${this.maxSenders}`);
    if (!Number.isInteger(this.windowSize) || this.windowSize < 32 || this.windowSize % 32 !== 0) {
      throw new RangeError(`ReplayGuard: windowSize must be a positive multiple of 32, got ${this.windowSize}`);
    }
    if (!Number.isFinite(this.idleEvictMs) || this.idleEvictMs < 0) throw new RangeError(`ReplayGuard: idleEvictMs must be a finite number >= 0, got ${this.idleEvictMs}`);
  }

  /** `knownId`: byteKey(senderKey), the guard's table key, when the caller already holds it, to save building it again. */
  accept(senderKey: Uint8Array, sequence: bigint, nowMs: number, knownId?: string): GuardVerdict {
    const id = knownId ?? byteKey(senderKey);
    const entry = this.windows.get(id);
    if (entry) {
      const verdict = entry.window.accept(sequence);
      if (verdict === 'fresh') {
        // Re-inserted, so Map iteration order stays least recently fresh first.
        this.windows.delete(id);
        this.windows.set(id, entry);
        entry.lastActiveMs = nowMs;
      }
      return verdict;
    }
    if (this.windows.size >= this.maxSenders) {
      const [oldestId, oldest] = this.windows.entries().next().value as [string, { lastActiveMs: number }];
      if (nowMs - oldest.lastActiveMs < this.idleEvictMs) return 'sender-table-full';
      this.windows.delete(oldestId);
    }
    const window = new ReplayWindow(this.windowSize);
    this.windows.set(id, { window, lastActiveMs: nowMs });
    return window.accept(sequence);
  }

  get trackedSenders(): number {
    return this.windows.size;
  }
}
