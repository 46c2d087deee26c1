/**
 * The authority's costs on this machine: SQLite commit latency (synchronous FULL vs NORMAL, WAL),
 * end-to-end registrations over loopback UDP, cheat-proof verification, and peer-side identity
 * checks (fresh and cached). Usage: npm run bench:auth [-- --players N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GameKeyType,
  KeyCertificateType,
  createIdentityVerifier,
  createPaymentIssuer,
  createProofVerifier,
  encodeNeoEquivocationProof,
  installAuthClient,
  signCertificate,
  startAuthority,
} from '../src/auth/index.js';
import { openAuthorityStore } from '../src/auth/store.js';
import { createEd25519 } from '../src/crypto/index.js';
import { createLatencyHistogram, type LatencyHistogram } from '../src/metrics/index.js';
import { NeoRoundContent, roundSigningBytes, type NeoRoundContentValue } from '../src/neo/index.js';
import { startPeerNode, type PeerNode } from '../src/peer/index.js';
import { ManualClock, systemClock } from '../src/time/clock.js';
import { encodeWith } from '../src/wire/index.js';

const playersArg = process.argv.indexOf('--players');
const PLAYERS = playersArg > 0 ? Number(process.argv[playersArg + 1]) : 300;
const ed = createEd25519('native');
const dir = mkdtempSync(join(tmpdir(), 'p2p-mmog-bench-auth-'));
const seed = (n: number) => {
  const s = new Uint8Array(32);
  new DataView(s.buffer).setUint32(0, n);
  return s;
};
const ms = (h: LatencyHistogram) => {
  const s = h.summary();
  return `p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  max ${s.max.toFixed(3)} ms`;
};

function storeCommits(sync: 'FULL' | 'NORMAL', n: number): string {
  const store = openAuthorityStore(join(dir, `commits-${sync}.db`), { synchronous: sync });
  const h = createLatencyHistogram();
  for (let i = 0; i < n; i++) {
    const t = systemClock.nowMs();
    store.createAccount({ username: `p${i}`, publicKey: seed(i), tokenId: seed(i).slice(0, 16), nowMs: 1n, paidUntilMs: 2n, gameKeyExpiresAtMs: 2n });
    h.recordMs(systemClock.nowMs() - t);
  }
  store.close();
  return `store.createAccount, synchronous=${sync.padEnd(6)} ${n} commits: ${ms(h)}`;
}

async function registrations(sync: 'FULL' | 'NORMAL'): Promise<string> {
  const issuer = createPaymentIssuer(seed(1), { ed25519: ed });
  const authority = await startAuthority({ dbPath: join(dir, `reg-${sync}.db`), gameKeyTtlMs: 3_600_000, paymentIssuerKey: issuer.publicKey, synchronous: sync }, { identitySeed: seed(2), ed25519: ed });
  const peers: PeerNode[] = [];
  for (let i = 0; i < PLAYERS; i++) peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed(1000 + i), ed25519: ed }));
  const clients = peers.map((p) => installAuthClient(p.transport, { authority: { endpoint: authority.local, publicKey: authority.publicKey }, timeoutMs: 1000, attempts: 10 }, { ed25519: ed }));
  const h = createLatencyHistogram();
  const start = systemClock.nowMs();
  const results = await Promise.all(
    clients.map(async (c, i) => {
      const t = systemClock.nowMs();
      const r = await c.register(`player-${i}`, issuer.issue({ amount: 1, planMs: 86_400_000 }));
      h.recordMs(systemClock.nowMs() - t);
      return r.ok;
    }),
  );
  const elapsed = systemClock.nowMs() - start;
  const retries = clients.reduce((n, c) => n + c.counters().retries, 0);
  await Promise.all(peers.map((p) => p.close()));
  await authority.close();
  return `${PLAYERS} concurrent registrations over UDP, synchronous=${sync.padEnd(6)} ${results.filter(Boolean).length} ok in ${elapsed.toFixed(0)} ms (${((1000 * PLAYERS) / elapsed).toFixed(0)}/s), retries ${retries}, client latency ${ms(h)}`;
}

function roundContent(update: number): NeoRoundContentValue {
  return { session: new Uint8Array(16), view: 1, round: 7, sender: 0, update: new Uint8Array(120).fill(update), reveal: { round: 6, key: new Uint8Array(32) }, votes: { round: 6, entries: Array.from({ length: 8 }, (_, member) => ({ member, digest: new Uint8Array(16) })) }, stateHash: null, proposal: null };
}

function proofs(n: number): string {
  const authority = ed.createSigner(seed(2));
  const cheater = ed.createSigner(seed(3));
  const cert = signCertificate(KeyCertificateType, authority, { playerId: 1n, publicKey: cheater.publicKey });
  const sign = (c: NeoRoundContentValue) => {
    const content = encodeWith(NeoRoundContent, c);
    return { content, signature: cheater.sign(roundSigningBytes(content)) };
  };
  const proof = encodeNeoEquivocationProof(cert, sign(roundContent(1)), sign(roundContent(2)));
  const verifier = createProofVerifier({ authorityPublicKey: authority.publicKey }, { ed25519: ed });
  const t = systemClock.nowMs();
  for (let i = 0; i < n; i++) if (!verifier.verify(proof).ok) throw new Error('proof did not verify');
  const elapsed = systemClock.nowMs() - t;
  return `cheat-proof verification (${proof.length} bytes, 3 signatures): ${((1000 * n) / elapsed).toFixed(0)} proofs/s`;
}

async function identity(n: number): Promise<string> {
  const authority = ed.createSigner(seed(2));
  const clock = new ManualClock(1_700_000_000_000);
  const keys = Array.from({ length: n }, (_, i) => ed.publicKeyFromSeed(seed(5000 + i)));
  const bundles = new Map(keys.map((k, i) => [Buffer.from(k).toString('hex'), { keyCertificate: signCertificate(KeyCertificateType, authority, { playerId: BigInt(i + 1), publicKey: k }), gameKey: signCertificate(GameKeyType, authority, { playerId: BigInt(i + 1), expiresAtMs: 1_800_000_000_000n }) }]));
  const verifier = createIdentityVerifier({ authorityPublicKey: authority.publicKey, cacheTtlMs: 60_000 }, { clock, ed25519: ed, source: { fetch: async (k) => bundles.get(Buffer.from(k).toString('hex')) ?? {} } });
  let t = systemClock.nowMs();
  for (const k of keys) if ((await verifier.check(k)) !== 'ok') throw new Error('not ok');
  const fresh = (1000 * n) / (systemClock.nowMs() - t);
  t = systemClock.nowMs();
  for (let r = 0; r < 10; r++) for (const k of keys) await verifier.check(k);
  const cached = (1000 * 10 * n) / (systemClock.nowMs() - t);
  return `identity checks: ${fresh.toFixed(0)}/s fresh (2 certificate verifications each), ${cached.toFixed(0)}/s from the cache`;
}

try {
  console.log(storeCommits('FULL', 500));
  console.log(storeCommits('NORMAL', 500));
  console.log(await registrations('FULL'));
  console.log(await registrations('NORMAL'));
  console.log(proofs(2000));
  console.log(await identity(2000));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
