import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../src/cli.js';

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
    vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' '))),
    vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' '))),
  ];
  try {
    return { value: await fn(), out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

const tmp = () => mkdtempSync(join(tmpdir(), 'p2p-mmog-'));

describe('p2p-mmog CLI', () => {
  it('exits 2 with usage on an unknown flag, a bad flag value, or an unknown command', async () => {
    expect((await quietly(() => main(['run', 'profiles/smoke.yaml', '--bogus']))).value).toBe(EXIT.usage);
    const bad = await quietly(() => main(['run', 'profiles/smoke.yaml', '--peers', 'many']));
    expect(bad.value).toBe(EXIT.usage);
    expect(bad.err).toMatch(/Usage: p2p-mmog run/);
    expect((await quietly(() => main(['frobnicate']))).value).toBe(EXIT.usage);
    const port = await quietly(() => main(['run', 'profiles/smoke.yaml', '--metrics-port', '70000']));
    expect(port.value).toBe(EXIT.usage);
    expect(port.err).toMatch(/--metrics-port must be a port number in \[0, 65535\]/);
    // A metrics port already taken: exit 2 before anything starts.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = await quietly(() => main(['run', 'profiles/smoke.yaml', '--headless', '--metrics-port', String((taken.address() as AddressInfo).port)]));
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    expect(busy.value).toBe(EXIT.usage);
    expect(busy.err).toMatch(/the metrics endpoint cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });

  it('exits 2 naming the field for an invalid profile or threshold', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), 'peers: 4\ndurationS: -1\n');
    const r = await quietly(() => main(['run', join(dir, 'bad.yaml')]));
    expect(r.value).toBe(EXIT.usage);
    expect(r.err).toMatch(/durationS: .*>\s*0/);
    writeFileSync(join(dir, 'threshold.yaml'), 'peers: 4\ndurationS: 1\nthresholds: ["neo.playoutLatencyMs.p99 <<< 3"]\n');
    const t = await quietly(() => main(['run', join(dir, 'threshold.yaml')]));
    expect(t.value).toBe(EXIT.usage);
    expect(t.err).toMatch(/thresholds\[0\]/);
    // A selector naming a tag the profile does not define is a typo, caught before anything starts.
    writeFileSync(join(dir, 'tag.yaml'), 'peers: 8\ndurationS: 1\ntags: { slow: "7" }\nthresholds: ["neo.playoutLatencyMs{receiver:!slwo}.p99 < 3"]\n');
    const tag = await quietly(() => main(['run', join(dir, 'tag.yaml')]));
    expect(tag.value).toBe(EXIT.usage);
    expect(tag.err).toMatch(/thresholds\[0\]: neo\.playoutLatencyMs: unknown tag "slwo" \(expected honest, attacker, slow/);
    writeFileSync(join(dir, 'group.yaml'), 'peers: 8\ndurationS: 1\nthresholds: ["neo.playoutLatencyMs{group:1}.p99 < 3"]\n');
    expect((await quietly(() => main(['run', join(dir, 'group.yaml')]))).err).toMatch(/the run has 1 groups \(0-0\), not group 1/);
  });

  it('runs the smoke profile headless, writes the four report files with the contract paths, re-renders and compares', async () => {
    const out = tmp();
    const r = await quietly(() => main(['run', 'profiles/smoke.yaml', '--headless', '--duration', '2', '--out', out]));
    expect(r.value).toBe(EXIT.ok);
    for (const f of ['report.json', 'report.md', 'report.html', 'events.ndjson']) expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    for (const path of ['profile', 'seed', 'durationS', 'peers.target', 'peers.peak', 'workers', 'neo.roundMs', 'neo.playoutLatencyMs.p99', 'neo.updates.accepted', 'harness.saturated', 'thresholds']) {
      expect(path.split('.').reduce((o, k) => (o as Record<string, unknown>)?.[k], report as unknown), path).toBeDefined();
    }
    expect(report.thresholds.every((t: { ok: boolean }) => t.ok)).toBe(true);
    expect((await quietly(() => main(['report', out]))).out).toMatch(/Thresholds/);
    const cmp = await quietly(() => main(['compare', out, join(out, 'report.json')]));
    expect(cmp.value).toBe(EXIT.ok);
  });

  it('report and compare exit 2 on a missing or broken report', async () => {
    const dir = tmp();
    expect((await quietly(() => main(['report', join(dir, 'nothing-here')]))).value).toBe(EXIT.usage);
    writeFileSync(join(dir, 'report.json'), '{ not json');
    const broken = await quietly(() => main(['compare', dir, dir]));
    expect(broken.value).toBe(EXIT.usage);
  });

  it('exits 1 when a threshold cannot hold, and still writes the report', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'strict.yaml'), 'peers: 8\ndurationS: 1.5\nworkers: 1\nthresholds: ["neo.playoutLatencyMs.p99 < 1"]\n');
    const out = join(dir, 'out');
    const r = await quietly(() => main(['run', join(dir, 'strict.yaml'), '--headless', '--out', out]));
    expect(r.value).toBe(EXIT.thresholdFailed);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.thresholds[0]).toMatchObject({ metric: 'neo.playoutLatencyMs.p99', op: '<', value: 1, ok: false });
  });

  it('a capacity search steps the peer count up and names the largest healthy count', async () => {
    const dir = tmp();
    // A first step that breaks a threshold whatever the machine: the search ends there, with no healthy count, exit 1.
    writeFileSync(join(dir, 'none.yaml'), 'peers: 8\ndurationS: 1\nneo: { groupSize: 8 }\ncapacity: { startPeers: 8, stepPeers: 8, maxPeers: 32, stepDurationS: 1.5 }\nthresholds: ["peers.target < 4"]\n');
    const none = await quietly(() => main(['run', join(dir, 'none.yaml'), '--headless', '--out', join(dir, 'none')]));
    const noneReport = JSON.parse(readFileSync(join(dir, 'none', 'report.json'), 'utf8'));
    expect(noneReport.capacity.steps.map((s: { peers: number; thresholdsOk: boolean }) => [s.peers, s.thresholdsOk])).toEqual([[8, false]]);
    expect(noneReport.capacity.largestHealthyPeers).toBeNull();
    expect(none.value).toBe(EXIT.thresholdFailed);

    // A threshold the second step breaks whatever the machine: the search stops at 16, never reaching 24.
    writeFileSync(join(dir, 'cap.yaml'), 'peers: 8\ndurationS: 1\nneo: { groupSize: 8 }\ncapacity: { startPeers: 8, stepPeers: 8, maxPeers: 32, stepDurationS: 4 }\nthresholds: ["neo.updates.accepted > 0", "peers.target < 12"]\n');
    const out = join(dir, 'out');
    const r = await quietly(() => main(['run', join(dir, 'cap.yaml'), '--headless', '--out', out]));
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const steps = report.capacity.steps as { peers: number; healthy: boolean; thresholdsOk: boolean; cpuPerMemberRoundUs: number | null; cpuPerMemberRoundVerifies: number | null }[];
    expect(steps[0]).toMatchObject({ peers: 8, thresholdsOk: true });
    // Whether the machine kept one group healthy is the machine's (the first step also carries the
    // process's cold start): the search goes on only past a healthy step, and then stops at 16.
    if (steps[0]?.healthy) {
      expect(steps.map((s) => [s.peers, s.thresholdsOk])).toEqual([
        [8, true],
        [16, false],
      ]);
      expect(report.capacity.largestHealthyPeers).toBe(8);
      expect(r.value).toBe(EXIT.ok);
    } else {
      expect(steps).toHaveLength(1);
      expect(report.capacity.largestHealthyPeers).toBeNull();
      expect(r.value).toBe(EXIT.thresholdFailed);
    }
    expect(r.out).toMatch(/Capacity search/);
    // Every step states the harness's cost, in µs and in verifications of its own calibration
    // (each step is a run of its own); the last step's is the report's.
    for (const s of steps) expect(s.cpuPerMemberRoundVerifies as number).toBeGreaterThan(0);
    const last = steps[steps.length - 1] as (typeof steps)[number];
    expect(last.cpuPerMemberRoundVerifies).toBeCloseTo((last.cpuPerMemberRoundUs as number) / report.harness.calibration.verifyUs, 3);
    expect(r.out).toMatch(/cpu\/member-round +\d+ µs = +[\d.]+ verifies/);
  });

  it('exits 2 before anything starts when the open-files limit cannot hold one socket per peer', () => {
    // A real process with a low limit: the check reads /proc/self/limits (Linux only). `ulimit -n`
    // sets the hard limit too; a soft limit alone would not do, as Node raises it to the hard one.
    if (!existsSync('/proc/self/limits')) return;
    const r = spawnSync('sh', ['-c', 'ulimit -n 256 && exec npx tsx src/cli.ts run profiles/smoke.yaml --peers 512 --headless --out "$OUT"'], {
      encoding: 'utf8',
      env: { ...process.env, OUT: join(tmp(), 'never') },
    });
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/needs about \d+ open files \(one UDP socket per peer for 512 peers/);
    expect(r.stderr).toMatch(/the process may open only 256: raise it with `ulimit -n \d+`/);
    // Nothing ran: no progress line, no report.
    expect(r.stdout).toBe('');
  });
});
