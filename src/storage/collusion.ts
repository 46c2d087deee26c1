/**
 * The collusion bound of witnessed characters (docs/storage.md, "Witnessed characters"): a forged
 * version passes a door when at least t of the w + s nodes it accepts signatures from are colluders.
 * Node IDs are hashes of certified keys and the witness key a hash of the owner's, so those w + s
 * nodes are a uniformly random subset of the n certified nodes (the owner not among them), and the
 * count of colluders in it is hypergeometric.
 */

export interface CollusionScenario {
  /** n: certified nodes other than the owner. */
  readonly nodes: number;
  /** c: colluders among them. */
  readonly colluders: number;
  /** w, t, s as in WitnessConfig. */
  readonly witnesses: number;
  readonly threshold: number;
  readonly slack: number;
}

/** P(at least t colluders among the w + s nodes a door accepts): the chance a forged version passes, per owner identity. */
export function forgedCharacterProbability(s: CollusionScenario): number {
  return hypergeometricTail(s.nodes, s.colluders, Math.min(s.witnesses + s.slack, s.nodes), s.threshold);
}

/**
 * P(X >= atLeast) for X the number of marked items in `draws` drawn without replacement from
 * `population` items of which `marked` are marked: Σ_{j ≥ atLeast} C(marked, j) C(population − marked, draws − j) / C(population, draws).
 */
export function hypergeometricTail(population: number, marked: number, draws: number, atLeast: number): number {
  for (const [name, v] of Object.entries({ population, marked, draws, atLeast })) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`hypergeometricTail: ${name} must be an integer >= 0, got ${v}`);
  }
  if (marked > population || draws > population) throw new RangeError(`hypergeometricTail: marked (${marked}) and draws (${draws}) must be at most population (${population})`);
  let tail = 0;
  for (let j = Math.max(atLeast, draws - (population - marked)); j <= Math.min(marked, draws); j++) tail += Math.exp(logChoose(marked, j) + logChoose(population - marked, draws - j) - logChoose(population, draws));
  return Math.min(1, tail);
}

/** ln C(n, k), summed over the smaller of k and n − k factors: exact enough for the draws a door makes (a few dozen). */
function logChoose(n: number, k: number): number {
  const m = Math.min(k, n - k);
  let sum = 0;
  for (let i = 1; i <= m; i++) sum += Math.log((n - m + i) / i);
  return sum;
}
