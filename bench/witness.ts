/**
 * The collusion bound of witnessed characters, measured (SPEC §6, §8; docs/storage.md, "Witnessed
 * characters"). A trial is one network and one owner: n certified identities (real Ed25519 key
 * pairs from the seed, node IDs by nodeIdFromPublicKey; drawn from a pool of `--pool` identities so
 * a trial costs no key generation), c of them colluders, and an owner (a real key) whose witness key
 * is a hash of its key. The door accepts signatures from the w + s identities closest to it by XOR
 * (closestTo, as createCharacterDoor does); the trial counts when at least t of them collude: a
 * forged version of that owner's character would pass. Trials are independent, so the measured rate
 * gets a 95 % binomial (Wilson) interval, printed beside forgedCharacterProbability. A second table
 * keeps a few networks fixed and draws owners only: the rate one given network shows. Pure
 * computation, no sockets. Usage:
 *   npm run bench:witness [-- --nodes 100 --trials 100000 --pool 3000 --networks 4 --seed 1]
 */
import { createEd25519, nodeIdFromPublicKey } from '../src/crypto/index.js';
import { createRng, type Rng } from '../src/random/index.js';
import { DEFAULT_WITNESS_CONFIG, closestTo, forgedCharacterProbability, witnessKey, type WitnessConfig } from '../src/storage/index.js';
import { wilsonInterval95 } from '../src/compute/index.js';
import { numberArg } from './support.js';

const NODES = numberArg('nodes', 100);
const TRIALS = numberArg('trials', 100_000);
const POOL = numberArg('pool', 3000);
const NETWORKS = numberArg('networks', 4);
const SEED = numberArg('seed', 1);
const COLLUDERS = [5, 10, 20, 30].filter((c) => c < NODES);
/** The defaults, and 3-of-5 with slack 3 (the first proposal) for comparison; both accept w + s = 8 = the DHT's k. */
const CONFIGS: Required<Pick<WitnessConfig, 'witnesses' | 'threshold' | 'slack'>>[] = [DEFAULT_WITNESS_CONFIG, { witnesses: 5, threshold: 3, slack: 3 }];
const DRAWN = Math.max(...CONFIGS.map((c) => c.witnesses + c.slack));

const ed25519 = createEd25519('native');
const rng = createRng(`bench-witness/${SEED}`);
const started = Date.now();
const keys = (label: string, count: number) => {
  const r = rng.fork(label);
  return Array.from({ length: count }, () => ed25519.publicKeyFromSeed(r.bytes(32)));
};
const nodeIds = keys('identities', POOL).map(nodeIdFromPublicKey);
const witnessKeys = keys('owners', POOL).map(witnessKey);

console.log(`bench:witness — n = ${NODES} certified nodes, colluders c ∈ {${COLLUDERS.join(', ')}}; ${TRIALS} trials, each a fresh network (n of a pool of ${POOL} real identities) and owner (of ${POOL} real keys); seed ${SEED}; Node ${process.version}`);

/** n distinct identities of the pool in random order (a partial Fisher–Yates shuffle): the first c collude, wherever their IDs fall. */
function network(r: Rng): Uint8Array[] {
  const picked = [...nodeIds];
  for (let i = 0; i < NODES; i++) {
    const j = i + r.int(picked.length - i);
    [picked[i], picked[j]] = [picked[j] as Uint8Array, picked[i] as Uint8Array];
  }
  return picked.slice(0, NODES);
}

/** For each (c, config): whether at least t of the door's w + s closest to `key` are among the first c of `ids`. */
function forgeries(ids: readonly Uint8Array[], key: Uint8Array): boolean[] {
  const rank = new Map(ids.map((id, i) => [id, i]));
  const closest = closestTo(key, ids, DRAWN).map((id) => rank.get(id) as number);
  return COLLUDERS.flatMap((c) => CONFIGS.map((cfg) => closest.slice(0, cfg.witnesses + cfg.slack).filter((i) => i < c).length >= cfg.threshold));
}

function run(trials: number, draw: () => { ids: readonly Uint8Array[]; key: Uint8Array }): number[] {
  const hits = new Array<number>(COLLUDERS.length * CONFIGS.length).fill(0);
  for (let i = 0; i < trials; i++) {
    const { ids, key } = draw();
    forgeries(ids, key).forEach((forged, k) => (hits[k] = (hits[k] as number) + (forged ? 1 : 0)));
  }
  return hits;
}

const percent = (x: number) => `${(100 * x).toPrecision(3)} %`;
const formulaOf = (c: number, cfg: (typeof CONFIGS)[number]) => forgedCharacterProbability({ nodes: NODES, colluders: c, ...cfg });
const trialRng = rng.fork('trials');
const independent = run(TRIALS, () => ({ ids: network(trialRng), key: witnessKeys[trialRng.int(POOL)] as Uint8Array }));

console.log('\n| w | t | s | c of n | forged / trials | measured | 95 % interval | formula |\n|---|---|---|---|---|---|---|---|');
CONFIGS.forEach((cfg, j) =>
  COLLUDERS.forEach((c, i) => {
    const hits = independent[i * CONFIGS.length + j] as number;
    const { low, high } = wilsonInterval95(hits, TRIALS);
    console.log(`| ${cfg.witnesses} | ${cfg.threshold} | ${cfg.slack} | ${c} of ${NODES} | ${hits} / ${TRIALS} | ${percent(hits / TRIALS)} | [${percent(low)}, ${percent(high)}] | ${percent(formulaOf(c, cfg))} |`);
  }),
);

// One network, many owners: where a given network's colluders happen to sit moves its rate around the average.
const perNetwork = Array.from({ length: NETWORKS }, (_, k) => {
  const ids = network(rng.fork(`network/${k}`));
  return run(POOL, (() => {
    let o = 0;
    return () => ({ ids, key: witnessKeys[o++] as Uint8Array });
  })());
});
console.log(`\nThe same, for ${NETWORKS} fixed networks, each with all ${POOL} owners (measured rate per network; formula last):\n`);
console.log(`| w | t | s | c of n | ${perNetwork.map((_, k) => `network ${k + 1}`).join(' | ')} | formula |\n|---|---|---|---|${perNetwork.map(() => '---|').join('')}---|`);
CONFIGS.forEach((cfg, j) =>
  COLLUDERS.forEach((c, i) => {
    const rates = perNetwork.map((hits) => percent((hits[i * CONFIGS.length + j] as number) / POOL));
    console.log(`| ${cfg.witnesses} | ${cfg.threshold} | ${cfg.slack} | ${c} of ${NODES} | ${rates.join(' | ')} | ${percent(formulaOf(c, cfg))} |`);
  }),
);
console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
