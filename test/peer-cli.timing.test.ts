import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnCli } from './support/built-cli.js';
import { tempDbPath } from './auth/support.js';

beforeAll(() => ensureBuilt(), 120_000);

const sleepUntil = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
};

/** SPEC §9: `p2p-mmog peer` across processes — an authority and two players, each its own process. */
describe('p2p-mmog peer (the built CLI in child processes)', () => {
  it('prints where it listens first, joins through the authority and the DHT, and leaves gracefully on SIGINT', async () => {
    const ac = spawnCli(['authority', '--db', tempDbPath()]);
    const [, acAddress, acKey] = (await ac.firstLine).split(' ') as [string, string, string];
    const first = spawnCli(['peer', '--authority', acAddress, '--authority-key', acKey]);
    const m = /^peer (127\.0\.0\.1:\d+) ([0-9a-f]{64})$/.exec(await first.firstLine);
    expect(m).not.toBeNull();
    const second = spawnCli(['peer', '--authority', acAddress, '--authority-key', acKey, '--bootstrap', m![1]!]);
    expect(await second.firstLine).toMatch(/^peer 127\.0\.0\.1:\d+ [0-9a-f]{64}$/);
    await sleepUntil(() => /joined/.test(second.output.stdout) && /joined/.test(first.output.stdout));
    expect(second.output.stdout).toMatch(/joined: player \d+, certificates published in the DHT; 1 DHT contacts/);
    first.child.kill('SIGINT');
    second.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
    expect(second.output.stdout).toMatch(/peer stopped: left gracefully/);
    ac.child.kill('SIGINT');
    expect(await ac.exited).toBe(0);
    expect(ac.output.stdout).toMatch(/2 registrations/);
  }, 60_000);

  it('exits 2 with usage on a bad flag', async () => {
    const bad = spawnCli(['peer', '--authority', 'nowhere', '--authority-key', '00']);
    expect(await bad.exited).toBe(2);
    expect(bad.output.stderr).toMatch(/--authority must be host:port/);
    const missing = spawnCli(['peer']);
    expect(await missing.exited).toBe(2);
    expect(missing.output.stderr).toMatch(/required option '--authority/);
  });
});
