/**
 * The seeded PRNG from which all randomness of a run flows. One root `Rng` per run (from the
 * profile's or the command line's seed); every consumer takes its own `fork(label)`, so the numbers
 * a consumer sees depend only on the seed and its label. See docs/random.md.
 */
export { createRng, type Rng } from './rng.js';
export type { RngSeed } from './seed.js';
