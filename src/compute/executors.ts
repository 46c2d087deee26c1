import { DomainTag, PUBLIC_KEY_LENGTH, SHA256_LENGTH, equalBytes, taggedSha256, toHex } from '../crypto/index.js';
import { hypergeometricTail } from '../storage/index.js';

/**
 * Who runs a game process (SPEC §7; docs/compute.md, "Executors"): for each process and epoch, r
 * executors chosen from the candidates by a hash anyone recomputes — of the process, the epoch, the
 * last agreed state hash and each candidate's key — so nobody picks them: the state hash is agreed
 * by the group after everyone committed to its inputs, and a candidate's key is certified, so
 * neither can be tried until the draw suits someone. Players the process affects are passed over
 * while there are enough others.
 */

/** What one draw is made from. */
export interface ExecutorDraw {
  /** The process (e.g. a zone area's monsters), as its owner names it: at most 64 bytes. */
  readonly processId: Uint8Array;
  readonly epoch: number;
  /** The last agreed state hash of the group the process belongs to. */
  readonly stateHash: Uint8Array;
}

/** A process id is hashed whole; this keeps a request's id within one datagram's room. */
export const MAX_PROCESS_ID_BYTES = 64;

/**
 * Each candidate's place in the draw: SHA-256 over (process id length, process id, epoch, state
 * hash, candidate key), the tag separating it from every other hash. Smallest first.
 */
export function drawRank(draw: ExecutorDraw, candidate: Uint8Array): Uint8Array {
  const epoch = new Uint8Array(4);
  new DataView(epoch.buffer).setUint32(0, draw.epoch);
  return taggedSha256(DomainTag.computeExecutor, Uint8Array.of(draw.processId.length), draw.processId, epoch, draw.stateHash, candidate);
}

/**
 * The r executors of `draw` among `candidates` (public keys), in draw order: the unaffected
 * candidates ranked first, then, only if fewer than r are unaffected, the affected ones. Throws on
 * misuse (a programmer's error): r out of range, keys or hashes of the wrong length, duplicates.
 */
export function chooseExecutors(draw: ExecutorDraw, candidates: readonly Uint8Array[], r: number, affected: readonly Uint8Array[] = []): Uint8Array[] {
  checkDraw(draw);
  if (!Number.isSafeInteger(r) || r < 1 || r > candidates.length) throw new RangeError(`chooseExecutors: r must be an integer in [1, ${candidates.length}], got ${r}`);
  const seen = new Set<string>();
  for (const key of [...candidates, ...affected]) {
    if (!(key instanceof Uint8Array) || key.length !== PUBLIC_KEY_LENGTH) throw new TypeError(`chooseExecutors: keys must be ${PUBLIC_KEY_LENGTH}-byte public keys`);
  }
  for (const key of candidates) {
    const hex = toHex(key);
    if (seen.has(hex)) throw new RangeError('chooseExecutors: a candidate is listed twice');
    seen.add(hex);
  }
  const isAffected = (key: Uint8Array) => affected.some((a) => equalBytes(a, key));
  const ranked = candidates.map((key) => ({ key, rank: drawRank(draw, key), affected: isAffected(key) }));
  ranked.sort((a, b) => Number(a.affected) - Number(b.affected) || compareBytes(a.rank, b.rank));
  return ranked.slice(0, r).map((c) => c.key);
}

/** Whether `executor` is among the r executors of `draw`: what a third party checks of a result's signer. */
export function isChosenExecutor(draw: ExecutorDraw, candidates: readonly Uint8Array[], r: number, executor: Uint8Array, affected: readonly Uint8Array[] = []): boolean {
  return chooseExecutors(draw, candidates, r, affected).some((k) => equalBytes(k, executor));
}

/**
 * The chance a wrong result escapes: all r executors are colluders who return the same wrong
 * result, drawn without replacement from n candidates of which c collude: C(c, r) / C(n, r).
 */
export function escapeProbability(n: number, c: number, r: number): number {
  for (const [name, v] of Object.entries({ n, c, r })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`escapeProbability: ${name} must be an integer >= 0, got ${v}`);
  }
  if (c > n || r > n || r < 1) throw new RangeError(`escapeProbability: need 1 <= r <= n and c <= n, got n ${n}, c ${c}, r ${r}`);
  return hypergeometricTail(n, c, r, r);
}

/**
 * The chance that one draw names only colluders, for the candidates it is made from: the draw takes
 * the r executors from the `others` (candidates the process does not affect) first, and only when
 * fewer than r of them exist all of them and the rest from the `affected`. Each side is given as
 * how many candidates it has and how many of those collude. With no affected candidates drawn this
 * is escapeProbability(others.n, others.c, r).
 */
export function drawAllColludersProbability(others: { readonly n: number; readonly c: number }, affected: { readonly n: number; readonly c: number }, r: number): number {
  if (others.n + affected.n < r) throw new RangeError(`drawAllColludersProbability: ${others.n + affected.n} candidates cannot give r = ${r} executors`);
  if (others.n >= r) return escapeProbability(others.n, others.c, r);
  if (others.c < others.n) return 0;
  const rest = r - others.n;
  return escapeProbability(affected.n, affected.c, rest);
}

/** The smallest r with C(c, r) / C(n, r) < tolerance, and that bound; null when even r = n does not get below it (c = n). */
export function executorsFor(n: number, c: number, tolerance: number): { readonly r: number; readonly bound: number } | null {
  if (!(tolerance > 0 && tolerance <= 1)) throw new RangeError(`executorsFor: tolerance must be in (0, 1], got ${tolerance}`);
  for (let r = 1; r <= n; r++) {
    const bound = escapeProbability(n, c, r);
    if (bound < tolerance) return { r, bound };
  }
  return null;
}

function checkDraw(draw: ExecutorDraw): void {
  if (!(draw.processId instanceof Uint8Array) || draw.processId.length === 0 || draw.processId.length > MAX_PROCESS_ID_BYTES) throw new RangeError(`executor draw: processId must be 1..${MAX_PROCESS_ID_BYTES} bytes`);
  if (!Number.isSafeInteger(draw.epoch) || draw.epoch < 0 || draw.epoch > 0xffffffff) throw new RangeError(`executor draw: epoch must be a u32, got ${draw.epoch}`);
  if (!(draw.stateHash instanceof Uint8Array) || draw.stateHash.length !== SHA256_LENGTH) throw new RangeError(`executor draw: stateHash must be ${SHA256_LENGTH} bytes`);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}
