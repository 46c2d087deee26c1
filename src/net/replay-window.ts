/**
 * Anti-replay sliding window over a sender's sequence numbers (the scheme of IPsec, RFC 6479):
 * the highest sequence accepted so far plus a bitmap of the `size` sequences below it. A sequence
 * is fresh when it is above the highest, or inside the window and not yet seen. Anything older
 * than the window is refused, so a replay can never be accepted because its record aged out.
 */
export class ReplayWindow {
  private highest = -1n;
  private readonly bits: Uint32Array;
  private readonly sizeBig: bigint;

  constructor(readonly size = 1024) {
    if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) throw new RangeError(`ReplayWindow: size must be a positive multiple of 32, got ${size}`);
    this.bits = new Uint32Array(size / 32);
    this.sizeBig = BigInt(size);
  }

  /** Would this sequence be accepted? Does not record it. */
  isFresh(sequence: bigint): boolean {
    if (sequence > this.highest) return true;
    const age = this.highest - sequence;
    if (age >= this.sizeBig) return false;
    return !this.testBit(Number(sequence % this.sizeBig));
  }

  /** Record a sequence; returns false (and records nothing) when it is a replay or too old. */
  accept(sequence: bigint): boolean {
    if (!this.isFresh(sequence)) return false;
    if (sequence > this.highest) {
      const advance = this.highest < 0n ? this.sizeBig : sequence - this.highest;
      if (advance >= this.sizeBig) this.bits.fill(0);
      else for (let s = this.highest + 1n; s <= sequence; s++) this.clearBit(Number(s % this.sizeBig));
      this.highest = sequence;
    }
    this.setBit(Number(sequence % this.sizeBig));
    return true;
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

/**
 * One window per sender key, bounded: the least recently active sender is forgotten first. A
 * forgotten sender restarts with an empty window, which higher layers tolerate because their own
 * checks (NEO rounds, record sequence numbers) reject stale content independently.
 */
export class ReplayGuard {
  private readonly windows = new Map<string, ReplayWindow>();

  constructor(
    private readonly maxSenders = 4096,
    private readonly windowSize = 1024,
  ) {
    if (!Number.isInteger(maxSenders) || maxSenders < 1) throw new RangeError(`ReplayGuard: maxSenders must be >= 1, got ${maxSenders}`);
  }

  accept(senderKey: Uint8Array, sequence: bigint): boolean {
    const id = Buffer.from(senderKey.buffer, senderKey.byteOffset, senderKey.byteLength).toString('base64');
    let window = this.windows.get(id);
    if (window) {
      // Re-insert to keep Map iteration order = least recently active first.
      this.windows.delete(id);
    } else {
      window = new ReplayWindow(this.windowSize);
      if (this.windows.size >= this.maxSenders) {
        const oldest = this.windows.keys().next().value as string;
        this.windows.delete(oldest);
      }
    }
    this.windows.set(id, window);
    return window.accept(sequence);
  }

  get trackedSenders(): number {
    return this.windows.size;
  }
}
