import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPaymentIssuer, installAuthClient, startAuthority, type AuthClient, type Authority, type AuthorityConfig, type AuthorityDeps, type PaymentIssuer } from '../../src/auth/index.js';
import { startLoopbackPopulation } from '../../src/loadtest/population.js';
import type { PeerNode } from '../../src/peer/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { ed, seed } from './helpers.js';

export const tempDbPath = () => join(mkdtempSync(join(tmpdir(), 'p2p-mmog-auth-')), 'authority.db');

/** Wall time for certificates in tests: a fixed, movable epoch. */
export const T0 = 1_700_000_000_000;
export const TTL = 60_000;
export const PLAN = 30 * 86_400_000;

export interface Harness {
  readonly authority: Authority;
  readonly issuer: PaymentIssuer;
  readonly wall: ManualClock;
  readonly dbPath: string;
  player(n: number, client?: { timeoutMs?: number; attempts?: number; authorityKey?: Uint8Array }): Promise<{ peer: PeerNode; client: AuthClient }>;
  close(): Promise<void>;
}

/** A real authority on a real socket and a real SQLite file, players on real sockets. */
export async function startHarness(overrides: Partial<AuthorityConfig> = {}, deps: Partial<AuthorityDeps> = {}): Promise<Harness> {
  const wall = new ManualClock(T0);
  const issuer = createPaymentIssuer(seed(2), { ed25519: ed, wallClock: wall });
  const dbPath = overrides.dbPath ?? tempDbPath();
  const authority = await startAuthority({ dbPath, gameKeyTtlMs: TTL, paymentIssuerKey: issuer.publicKey, ...overrides }, { identitySeed: seed(1), ed25519: ed, wallClock: wall, ...deps });
  const population = await startLoopbackPopulation({ count: 0 }, { ed25519: ed });
  const clients: AuthClient[] = [];
  return {
    authority,
    issuer,
    wall,
    dbPath,
    async player(n, options = {}) {
      const peer = await population.add(seed(100 + n));
      const client = installAuthClient(
        peer.transport,
        { authority: { endpoint: authority.local, publicKey: options.authorityKey ?? authority.publicKey }, timeoutMs: options.timeoutMs ?? 300, attempts: options.attempts ?? 5 },
        { ed25519: ed },
      );
      clients.push(client);
      return { peer, client };
    },
    async close() {
      for (const c of clients) c.close();
      await population.close();
      await authority.close();
    },
  };
}
