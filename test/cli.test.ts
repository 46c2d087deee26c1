import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../src/cli.js';

function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  return fn().finally(() => {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
    error.mockRestore();
  });
}

describe('p2p-mmog CLI', () => {
  it('exits 2 with usage on an unknown flag, a bad flag value, or no command', async () => {
    expect(await quietly(() => main(['run', 'profiles/smoke.yaml', '--bogus']))).toBe(EXIT.usage);
    expect(await quietly(() => main(['run', 'profiles/smoke.yaml', '--peers', 'many']))).toBe(EXIT.usage);
    expect(await quietly(() => main(['frobnicate']))).toBe(EXIT.usage);
  });

  it('exits 2 naming the field for an invalid profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-mmog-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'peers: 4\ndurationS: -1\n');
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((m: string) => errors.push(m));
    expect(await main(['run', path])).toBe(EXIT.usage);
    spy.mockRestore();
    expect(errors.join('\n')).toMatch(/durationS: .*>\s*0/);
  });

  it('runs the smoke profile over real sockets and writes its result', async () => {
    const out = mkdtempSync(join(tmpdir(), 'p2p-mmog-'));
    const code = await quietly(() => main(['run', 'profiles/smoke.yaml', '--headless', '--duration', '1.5', '--out', out]));
    expect(code).toBe(EXIT.ok);
    const result = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8'));
    expect(result.peers).toBe(8);
    expect(result.pings.sent).toBeGreaterThan(0);
    expect(result.pings.answered + result.pings.timedOut).toBe(result.pings.sent);
    expect(result.rttMs.count).toBe(result.pings.answered);
    expect(result.datagrams.dropped['bad-signature']).toBe(0);
    expect(typeof result.rttMs.encoded).toBe('string');
  });
});
