// Crypto throughput on this machine: `npm run bench:crypto` (= tsx bench/crypto.ts).
// Every row runs single-threaded: WARMUP_MS of warm-up, then TRIALS back-to-back trials that last
// RUN_MS in total. It prints the median trial and the spread between the slowest and fastest
// trial, because the machines are shared and a single figure would hide how noisy it was.
// The figures are for sizing (how many peers a core can carry), not for pass/fail.

import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import {
  createCommitment,
  createEd25519,
  digest16,
  generateAeadKey,
  open,
  openCommitment,
  seal,
  sha256,
  type Ed25519Backend,
} from '../src/crypto/index.js';

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 300);
const RUN_MS = Number(process.env.BENCH_RUN_MS ?? 1500);
const TRIALS = 5;

const SIGNED_MESSAGE_BYTES = 256; // a NEO round message with a handful of votes
const HASH_INPUT_BYTES = 1024;
const UPDATE_BYTES = 200;
const AAD_BYTES = 40; // session, view, round, sender

interface Row {
  readonly operation: string;
  readonly implementation: string;
  readonly opsPerSecond: number;
  readonly slowestOpsPerSecond: number;
  readonly fastestOpsPerSecond: number;
  readonly bytesPerOp?: number;
}

function runFor(durationMs: number, operation: () => unknown): { ops: number; elapsedMs: number } {
  const start = performance.now();
  let ops = 0;
  let batch = 1;
  let elapsedMs = 0;
  // Batches grow until one takes ~10 ms, so reading the clock costs nothing measurable.
  while (elapsedMs < durationMs) {
    const batchStart = performance.now();
    for (let i = 0; i < batch; i++) operation();
    ops += batch;
    const now = performance.now();
    if (now - batchStart < 10) batch *= 2;
    elapsedMs = now - start;
  }
  return { ops, elapsedMs };
}

function measure(operation: string, implementation: string, run: () => unknown, bytesPerOp?: number): Row {
  runFor(WARMUP_MS, run);
  const trials: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const { ops, elapsedMs } = runFor(RUN_MS / TRIALS, run);
    trials.push((ops * 1000) / elapsedMs);
  }
  trials.sort((a, b) => a - b);
  const row: Row = {
    operation,
    implementation,
    opsPerSecond: trials[Math.floor(TRIALS / 2)]!,
    slowestOpsPerSecond: trials[0]!,
    fastestOpsPerSecond: trials[TRIALS - 1]!,
    bytesPerOp,
  };
  printRow(row);
  return row;
}

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

function assertOk(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark setup failed: ${what}`);
}

const columns = [34, 28, 12, 10, 9, 13] as const;
function line(cells: readonly string[]): string {
  return cells.map((cell, i) => (i < 2 ? cell.padEnd(columns[i]!) : cell.padStart(columns[i]!))).join(' ');
}

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

function printRow(row: Row): void {
  const microseconds = 1e6 / row.opsPerSecond;
  const megabytes = row.bytesPerOp === undefined ? '' : ((row.opsPerSecond * row.bytesPerOp) / 1e6).toFixed(1);
  const spread = `-${percent(row.opsPerSecond - row.slowestOpsPerSecond, row.opsPerSecond)}/+${percent(row.fastestOpsPerSecond - row.opsPerSecond, row.opsPerSecond)}`;
  console.log(
    line([row.operation, row.implementation, Math.round(row.opsPerSecond).toLocaleString('en-US'), microseconds.toFixed(2), megabytes, spread]),
  );
}

function benchEd25519(backend: Ed25519Backend, label: string, coldKeys?: Ed25519Backend): void {
  const seed = filled(32, 1);
  const message = filled(SIGNED_MESSAGE_BYTES, 2);
  const signer = backend.createSigner(seed);
  const signature = signer.sign(message);
  const publicKey = signer.publicKey;
  assertOk(backend.verify(signature, message, publicKey), `${label} verify`);

  measure(`ed25519 sign (Signer, ${SIGNED_MESSAGE_BYTES} B)`, label, () => signer.sign(message));
  measure(`ed25519 sign(message, seed)`, label, () => backend.sign(message, seed));
  measure(`ed25519 verify (${SIGNED_MESSAGE_BYTES} B)`, label, () => backend.verify(signature, message, publicKey));
  if (coldKeys !== undefined) {
    assertOk(coldKeys.verify(signature, message, publicKey), `${label} cold verify`);
    measure(`ed25519 verify, key cache off`, label, () => coldKeys.verify(signature, message, publicKey));
  }
}

function nodeSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function nodeOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

function main(): void {
  console.log(`p2p-mmog crypto benchmark — ${new Date().toISOString()}`);
  console.log(
    `node ${process.versions.node}, OpenSSL ${process.versions.openssl}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs)`,
  );
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  console.log(`one thread; ${WARMUP_MS} ms warm-up, then ${TRIALS} trials over ${RUN_MS} ms per row; load average ${load}`);
  console.log('ops/s is the median trial; spread is slowest/fastest trial relative to it\n');
  console.log(line(['operation', 'implementation', 'ops/s', 'µs/op', 'MB/s', 'spread']));
  console.log(line(columns.map((width) => '-'.repeat(width))));

  benchEd25519(createEd25519('native'), 'native (node:crypto)', createEd25519('native', { publicKeyCacheSize: 0 }));
  benchEd25519(createEd25519('noble'), 'noble (@noble/ed25519)');

  const hashInput = filled(HASH_INPUT_BYTES, 3);
  measure(`sha256 (${HASH_INPUT_BYTES} B)`, '@noble/hashes (used)', () => sha256(hashInput), HASH_INPUT_BYTES);
  measure(`sha256 (${HASH_INPUT_BYTES} B)`, 'node:crypto (comparison)', () => createHash('sha256').update(hashInput).digest(), HASH_INPUT_BYTES);
  const voteTarget = filled(UPDATE_BYTES + 48, 4);
  measure(`digest16 (${voteTarget.length} B commitment)`, '@noble/hashes', () => digest16(voteTarget), voteTarget.length);

  const key = generateAeadKey();
  const nonce = new Uint8Array(12);
  const update = filled(UPDATE_BYTES, 5);
  const aad = filled(AAD_BYTES, 6);
  const sealed = seal(key, nonce, update, aad);
  assertOk(open(key, nonce, sealed, aad) !== null, 'aead open');
  measure(`aead seal (${UPDATE_BYTES} B)`, 'node:crypto (used)', () => seal(key, nonce, update, aad), UPDATE_BYTES);
  measure(`aead open (${UPDATE_BYTES} B)`, 'node:crypto (used)', () => open(key, nonce, sealed, aad), UPDATE_BYTES);
  measure(`aead seal (${UPDATE_BYTES} B), bare calls`, 'node:crypto (comparison)', () => nodeSeal(key, nonce, update, aad), UPDATE_BYTES);
  measure(`aead open (${UPDATE_BYTES} B), bare calls`, 'node:crypto (comparison)', () => nodeOpen(key, nonce, sealed, aad), UPDATE_BYTES);
  measure(`aead seal (${UPDATE_BYTES} B)`, '@noble/ciphers (comparison)', () => chacha20poly1305(key, nonce, aad).encrypt(update), UPDATE_BYTES);
  measure(`aead open (${UPDATE_BYTES} B)`, '@noble/ciphers (comparison)', () => chacha20poly1305(key, nonce, aad).decrypt(sealed), UPDATE_BYTES);

  const { key: commitmentKey, commitment } = createCommitment(update, aad);
  assertOk(openCommitment(commitmentKey, commitment, aad) !== null, 'openCommitment');
  measure(`createCommitment (${UPDATE_BYTES} B)`, 'node:crypto + key commitment', () => createCommitment(update, aad), UPDATE_BYTES);
  measure(`openCommitment (${UPDATE_BYTES} B)`, 'node:crypto + key commitment', () => openCommitment(commitmentKey, commitment, aad), UPDATE_BYTES);
}

main();
