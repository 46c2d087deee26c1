#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runMeshProbe, type MeshProbeResult } from './scenario/mesh-probe.js';
import { loadProfile, ProfileError } from './scenario/profile.js';

/** Exit codes are part of the contract: 0 ok, 1 a threshold failed, 2 bad usage or profile. */
export const EXIT = { ok: 0, thresholdFailed: 1, usage: 2 } as const;

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0`);
    return n;
  };
}

function summaryLines(r: MeshProbeResult): string[] {
  const d = r.rttMs;
  const lines = [
    `profile ${r.profile}  seed ${r.seed}  peers ${r.peers}  duration ${r.durationS.toFixed(1)} s`,
    `pings: sent ${r.pings.sent}  answered ${r.pings.answered}  timed out ${r.pings.timedOut}`,
    `round trip ms: n ${d.count}  p50 ${d.p50.toFixed(2)}  p90 ${d.p90.toFixed(2)}  p99 ${d.p99.toFixed(2)}  p99.9 ${d.p999.toFixed(2)}  max ${d.max.toFixed(2)}`,
    `datagrams: sent ${r.datagrams.sent}  received ${r.datagrams.received}  accepted ${r.datagrams.accepted}`,
    `dropped by the protocol: ${Object.entries(r.datagrams.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `dropped by link shaping: ${Object.entries(r.datagrams.shapingDropped).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `harness: event-loop delay p99 ${r.harness.eventLoopDelayMsP99.toFixed(1)} ms  shaped-delivery lateness p99 ${r.harness.timerLatenessMsP99.toFixed(1)} ms  kernel UDP drops ${r.harness.udpKernelDrops ?? 'unknown'}`,
  ];
  lines.push(
    r.harness.saturated
      ? `HARNESS SATURATED — the figures above are not trustworthy: ${r.harness.saturationReasons.join('; ')}`
      : 'harness healthy: the figures reflect the protocol and the configured links',
  );
  return lines;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command();
  let exitCode: number = EXIT.ok;
  program
    .name('p2p-mmog')
    .description('Decentralized MMOG architecture on real UDP peers, as a load-testing harness')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('run')
    .description('run a scenario profile')
    .argument('<profile>', 'path to a profile YAML file')
    .option('--headless', 'plain progress lines instead of the terminal UI')
    .option('--out <dir>', 'report folder (default reports/<timestamp>-<profile>)')
    .option('--seed <n>', 'override the profile seed', integer('--seed', 0))
    .option('--peers <n>', 'override the peer count', integer('--peers', 2))
    .option('--duration <s>', 'override the duration in seconds', positive('--duration'))
    .action(async (profilePath: string, opts: { headless?: boolean; out?: string; seed?: number; peers?: number; duration?: number }) => {
      const profile = loadProfile(profilePath, { seed: opts.seed, peers: opts.peers, durationS: opts.duration });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.log(`p2p-mmog run ${profile.name}: ${profile.peers} peers, ${profile.durationS} s, seed ${profile.seed} (mesh probe; the full harness UI is not built yet)`);
      const result = await runMeshProbe(profile, { onProgress: (line) => console.log(line), signal: controller.signal });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const line of summaryLines(result)) console.log(line);
      const outDir = opts.out ?? join('reports', `${new Date().toISOString().replace(/[:.]/g, '-')}-${profile.name}`);
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'probe.json'), JSON.stringify(result, null, 2) + '\n');
      console.log(`wrote ${join(outDir, 'probe.json')}`);
      exitCode = EXIT.ok;
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure is bad usage.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ProfileError) {
      console.error(e.message);
      return EXIT.usage;
    }
    throw e;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/p2p-mmog')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(70);
    },
  );
}
