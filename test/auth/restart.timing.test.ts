import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createPaymentIssuer,
  encodeNeoEquivocationProof,
  installAuthClient,
  startAuthority,
  type AuthClient,
  type KeyCertificate,
  type PaymentToken,
} from '../../src/auth/index.js';
import { openAuthorityStore } from '../../src/auth/store.js';
import type { Endpoint } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { ensureBuilt, spawnCli } from '../support/built-cli.js';
import { ed, hex, roundContent, seed, signRound } from './helpers.js';
import { tempDbPath } from './support.js';

/**
 * The authority's promise (SPEC §3): a restart loses nothing and never reissues an id. Real UDP, a
 * real SQLite file; the authority is closed cleanly in one case and killed with SIGKILL in the
 * other, right after answering, so only what was committed before the answer can survive.
 */

const issuer = createPaymentIssuer(seed(2), { ed25519: ed });
const AUTHORITY_SEED = seed(1);
const TTL = 3_600_000;

interface Player {
  readonly peer: PeerNode;
  readonly client: AuthClient;
  readonly username: string;
  readonly token: PaymentToken;
  playerId?: bigint;
  keyCertificate?: KeyCertificate;
}

const open: PeerNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

let nextSeed = 150;
async function players(n: number, authority: Endpoint, authorityKey: Uint8Array): Promise<Player[]> {
  const out: Player[] = [];
  for (let i = 0; i < n; i++) {
    const s = nextSeed++;
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed(s), ed25519: ed });
    open.push(peer);
    // Generous retries: a restarting or loaded authority may miss a datagram; it answers retries idempotently.
    const client = installAuthClient(peer.transport, { authority: { endpoint: authority, publicKey: authorityKey }, timeoutMs: 250, attempts: 20 }, { ed25519: ed });
    out.push({ peer, client, username: `player-${s}`, token: issuer.issue({ amount: 100, planMs: 30 * 86_400_000 }) });
  }
  return out;
}

async function registerAll(ps: Player[]): Promise<void> {
  const results = await Promise.all(ps.map((p) => p.client.register(p.username, p.token)));
  for (const [i, r] of results.entries()) {
    if (!r.ok) throw new Error(`registration of ${ps[i]?.username} failed: ${r.reason}`);
    const p = ps[i] as Player;
    p.playerId = r.playerId;
    p.keyCertificate = r.keyCertificate;
  }
}

/** `accuser` proves that `cheater` signed two different round-7 messages. */
async function ban(accuser: Player, cheater: Player): Promise<bigint> {
  const proof = encodeNeoEquivocationProof(
    cheater.keyCertificate as KeyCertificate,
    signRound(cheater.peer.signer, roundContent({ update: new Uint8Array([1]) })),
    signRound(cheater.peer.signer, roundContent({ update: new Uint8Array([2]) })),
  );
  const result = await accuser.client.submitProof(proof);
  if (!result.ok) throw new Error(`proof refused: ${result.reason}`);
  return result.ban.playerId;
}

/** Everything the authority said before the restart, checked against what it says after it. */
async function checkAfterRestart(ps: Player[], banned: Set<bigint>, lastId: bigint, newcomer: Player): Promise<void> {
  for (const p of ps) {
    const found = await p.client.lookup({ publicKey: p.peer.publicKey });
    if (!found.ok) throw new Error(`lookup failed: ${found.reason}`);
    expect(found.keyCertificate?.playerId, p.username).toBe(p.playerId);
    expect(found.ban?.playerId, p.username).toBe(banned.has(p.playerId as bigint) ? p.playerId : undefined);
  }
  // An idempotent re-registration (same name, key and token) gets the same id back.
  const honest = ps.find((p) => !banned.has(p.playerId as bigint)) as Player;
  const again = await honest.client.register(honest.username, honest.token);
  expect(again).toMatchObject({ ok: true, playerId: honest.playerId });
  // A banned player stays banned.
  const cheater = ps.find((p) => banned.has(p.playerId as bigint)) as Player;
  expect(await cheater.client.renew()).toEqual({ ok: false, reason: 'banned' });
  // A new player gets a fresh id, never one issued before.
  const fresh = await newcomer.client.register(newcomer.username, newcomer.token);
  expect(fresh.ok).toBe(true);
  if (fresh.ok) expect(fresh.playerId).toBe(lastId + 1n);
  expect(new Set(ps.map((p) => p.playerId)).has(fresh.ok ? fresh.playerId : -1n)).toBe(false);
}

describe('authority restart on the same database', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('after a clean close: no account lost, every ban kept, ids never reissued even after the newest account was deleted', async () => {
    const dbPath = tempDbPath();
    const first = await startAuthority({ dbPath, gameKeyTtlMs: TTL, paymentIssuerKey: issuer.publicKey }, { identitySeed: AUTHORITY_SEED, ed25519: ed });
    const port = first.local.port;
    const ps = await players(6, first.local, first.publicKey);
    const [removed, newcomer] = await players(2, first.local, first.publicKey);
    await registerAll(ps);
    // Concurrent registrations get ids in arrival order: some permutation of 1..6.
    expect(ps.map((p) => p.playerId as bigint).sort((a, b) => Number(a - b))).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    const banned = new Set([await ban(ps[0] as Player, ps[2] as Player)]);
    await registerAll([removed as Player]);
    expect(removed?.playerId).toBe(7n);
    expect(first.counters()).toMatchObject({ registrations: 7, bans: 1 });
    await first.close();

    // The operator removes the newest account while the authority is down: id 7 must still never come back.
    const store = openAuthorityStore(dbPath);
    expect(store.deleteAccount(7n)).toBe(true);
    store.close();

    const second = await startAuthority({ dbPath, port, gameKeyTtlMs: TTL, paymentIssuerKey: issuer.publicKey }, { identitySeed: AUTHORITY_SEED, ed25519: ed });
    try {
      expect(second.storeCounts()).toEqual({ accounts: 6, bans: 1, consumedTokens: 7, lastPlayerId: 7n });
      await checkAfterRestart(ps, banned, 7n, newcomer as Player);
      expect(second.storeCounts()).toMatchObject({ accounts: 7, lastPlayerId: 8n });
    } finally {
      await second.close();
    }
  });

  it('after SIGKILL right after answering: everything acknowledged survives, ids never reissued', async () => {
    const dbPath = tempDbPath();
    const args = ['authority', '--port', '0', '--db', dbPath, '--key-seed', hex(AUTHORITY_SEED), '--payment-key', hex(issuer.publicKey)];
    const first = spawnCli(args);
    const [, port, key] = /^authority 127\.0\.0\.1:(\d+) ([0-9a-f]{64})$/.exec(await first.firstLine) as unknown as [string, string, string];
    const endpoint = { host: '127.0.0.1', port: Number(port) };
    const authorityKey = new Uint8Array(Buffer.from(key, 'hex'));
    const ps = await players(12, endpoint, authorityKey);
    const [newcomer] = await players(1, endpoint, authorityKey);
    await registerAll(ps.slice(0, 8));
    const banned = new Set([await ban(ps[0] as Player, ps[3] as Player), await ban(ps[1] as Player, ps[5] as Player)]);
    // The last registrations are acknowledged concurrently, then the process dies without closing anything.
    await registerAll(ps.slice(8));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const ids = ps.map((p) => p.playerId as bigint);
    expect(new Set(ids).size).toBe(12);
    const lastId = ids.reduce((a, b) => (a > b ? a : b));

    const second = spawnCli([...args.slice(0, 2), port, ...args.slice(3)]);
    expect(await second.firstLine).toBe(`authority 127.0.0.1:${port} ${key}`);
    try {
      await checkAfterRestart(ps, banned, lastId, newcomer as Player);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    // 12 registered before the kill, 1 after it; both bans survived the kill.
    expect(second.output.stdout).toMatch(/database holds 13 accounts, 2 bans/);
  });
});
