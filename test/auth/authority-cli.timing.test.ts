import { beforeAll, describe, expect, it } from 'vitest';
import { createPaymentIssuer, installAuthClient } from '../../src/auth/index.js';
import { startPeerNode } from '../../src/peer/index.js';
import { ensureBuilt, spawnCli } from '../support/built-cli.js';
import { ed, hex, seed } from './helpers.js';
import { tempDbPath } from './support.js';

beforeAll(() => ensureBuilt(), 120_000);

const issuer = createPaymentIssuer(seed(2), { ed25519: ed });

describe('p2p-mmog authority (the built CLI in a child process)', () => {
  it('prints where it listens as its first line, serves registrations, and closes gracefully on SIGTERM', async () => {
    const dbPath = tempDbPath();
    const cli = spawnCli(['authority', '--port', '0', '--db', dbPath, '--key-seed', '01'.repeat(32), '--payment-key', hex(issuer.publicKey)]);
    const match = /^authority 127\.0\.0\.1:(\d+) ([0-9a-f]{64})$/.exec(await cli.firstLine);
    expect(match).not.toBeNull();
    const [, port, key] = match as unknown as [string, string, string];
    expect(key).toBe(hex(ed.publicKeyFromSeed(seed(1))));
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: seed(40), ed25519: ed });
    try {
      const client = installAuthClient(peer.transport, { authority: { endpoint: { host: '127.0.0.1', port: Number(port) }, publicKey: Buffer.from(key, 'hex') } }, { ed25519: ed });
      const result = await client.register('dora', issuer.issue({ amount: 1, planMs: 86_400_000 }));
      expect(result).toMatchObject({ ok: true, playerId: 1n });
    } finally {
      await peer.close();
    }
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output.stdout).toMatch(/authority stopped: 1 registrations/);
    expect(cli.output.stdout).toMatch(/database holds 1 accounts, 0 bans/);
  });

  it('stops on SIGINT too, and refuses bad usage or another authority\'s database with exit 2', async () => {
    const dbPath = tempDbPath();
    const first = spawnCli(['authority', '--db', dbPath]);
    expect(await first.firstLine).toMatch(/^authority 127\.0\.0\.1:\d+ [0-9a-f]{64}$/);
    // Without --payment-key it says on stderr that it takes the development issuer's tokens.
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output.stderr).toMatch(/development issuer/);
    // The database now holds a generated key; another seed does not match it.
    const clash = spawnCli(['authority', '--db', dbPath, '--key-seed', '07'.repeat(32)]);
    expect(await clash.exited).toBe(2);
    expect(clash.output.stderr).toMatch(/belongs to authority/);
    const bad = spawnCli(['authority', '--payment-key', 'abc']);
    expect(await bad.exited).toBe(2);
    expect(bad.output.stderr).toMatch(/--payment-key must be 64 hex digits/);
  });
});
