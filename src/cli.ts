#!/usr/bin/env node
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runScenario } from './controller/index.js';
import { compareReports, evaluateThresholds, parseThreshold, readReport, renderComparison, renderReportText, ReportError, writeReport } from './report/index.js';
import type { RunReport } from './report/model.js';
import { loadProfile, ProfileError } from './scenario/profile.js';
import { canShowLiveUi, formatProgressLine, startLiveUi } from './ui/index.js';

/** Exit codes are part of the contract: 0 ok, 1 a threshold failed (or a regression), 2 bad usage or profile. */
export const EXIT = { ok: 0, thresholdFailed: 1, usage: 2, internalError: 70 } as const;

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

interface RunOptions {
  headless?: boolean;
  out?: string;
  seed?: number;
  peers?: number;
  duration?: number;
}

async function run(profilePath: string, opts: RunOptions): Promise<number> {
  const profile = loadProfile(profilePath, { seed: opts.seed, peers: opts.peers, durationS: opts.duration });
  // Thresholds are parsed before anything starts, so a typo costs nothing.
  const thresholdSpecs = profile.thresholds.map((t, i) => {
    try {
      return parseThreshold(t);
    } catch (e) {
      throw new ProfileError(profilePath, [{ path: `thresholds[${i}]`, message: (e as Error).message }]);
    }
  });
  const controller = new AbortController();
  // The first request stops gracefully (the report is still written); a second one gives up at once.
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const interactive = !opts.headless && canShowLiveUi(process.stdout, process.env);
  const ui = interactive ? startLiveUi({ onQuit: stop }) : null;
  if (!ui) console.log(`p2p-mmog run ${profile.name}: ${profile.peers} peers in groups of ${profile.neo.groupSize}, ${profile.durationS} s, seed ${profile.seed}`);
  try {
    const outcome = await runScenario(profile, {
      signal: controller.signal,
      onSnapshot: (s) => (ui ? ui.update(s) : console.log(formatProgressLine(s))),
    });
    const partial = outcome.report;
    const thresholds = evaluateThresholds(partial, thresholdSpecs);
    const report: RunReport = { ...partial, thresholds };
    const outDir = opts.out ?? join('reports', `${new Date().toISOString().replace(/[:.]/g, '-')}-${profile.name}`);
    writeReport(outDir, report, outcome.events);
    await ui?.close();
    console.log(renderReportText(report));
    console.log(`report written to ${outDir}`);
    if (outcome.handlerErrors.length > 0) {
      console.error(`${outcome.handlerErrors.length} handler error(s) — a bug in p2p-mmog, not in the run:\n${outcome.handlerErrors.slice(0, 5).join('\n')}`);
      return EXIT.internalError;
    }
    return thresholds.every((t) => t.ok) ? EXIT.ok : EXIT.thresholdFailed;
  } finally {
    await ui?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `report` and `compare`: a missing or broken report file is bad input (exit 2), not a crash. */
function reportCommand(action: () => number | void): number {
  try {
    return action() ?? EXIT.ok;
  } catch (e) {
    if (e instanceof ReportError) {
      console.error(e.message);
      return EXIT.usage;
    }
    throw e;
  }
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
    .action(async (profilePath: string, opts: RunOptions) => {
      exitCode = await run(profilePath, opts);
    });

  program
    .command('report')
    .description('re-render a finished run')
    .argument('<dir-or-report.json>', 'a report folder or its report.json')
    .action((path: string) => {
      exitCode = reportCommand(() => console.log(renderReportText(readReport(path))));
    });

  program
    .command('compare')
    .description('two runs side by side with deltas; exits 1 when B regressed against A')
    .argument('<a>', 'baseline report folder or report.json')
    .argument('<b>', 'candidate report folder or report.json')
    .action((a: string, b: string) => {
      exitCode = reportCommand(() => {
        const rows = compareReports(readReport(a), readReport(b));
        console.log(renderComparison(rows));
        return rows.some((r) => r.regression) ? EXIT.thresholdFailed : EXIT.ok;
      });
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
