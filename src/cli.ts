#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { searchCapacity } from './controller/capacity.js';
import { runScenario, shardCount } from './controller/index.js';
import { thresholdSelectorProblem } from './controller/sub-metrics.js';
import { checkOpenFiles, checkSocketBuffers, readRunLimits } from './controller/limits.js';
import type { Registry } from 'prom-client';
import { createAgentRegistry, createRunRegistry, startMetricsEndpoint, type MetricsEndpoint } from './controller/metrics-endpoint.js';
import { runAgent } from './controller/agent.js';
import type { ShardMessage } from './controller/contract.js';
import { listenForAgents, type AgentConnection, type AgentListener } from './controller/agents.js';
import { planRun } from './controller/run-plan.js';
import { describeComputeDraw } from './controller/shard-compute.js';
import { compareReports, evaluateThresholds, parseThreshold, readReport, renderCapacity, renderComparison, renderReportText, ReportError, suggestionLine, writeReport } from './report/index.js';
import type { CapacityResult, RunReport } from './report/model.js';
import { capacityPeerCounts, expandPeerSet, loadProfile, ProfileError, type Profile } from './scenario/profile.js';
import { tagSpaceForProfile } from './scenario/tags.js';
import type { LatencyHistogram } from './metrics/index.js';
import { canShowLiveUi, formatProgressLine, startLiveUi, type LiveSnapshot } from './ui/index.js';

/** Exit codes are part of the contract: 0 ok, 1 a threshold failed (or a regression), 2 bad usage or profile. */
export const EXIT = { ok: 0, thresholdFailed: 1, usage: 2, internalError: 70 } as const;

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function portNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${name} must be a port number in [0, 65535]`);
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
  metricsPort?: number;
  metricsHost: string;
  agents?: number;
  agentHost: string;
  agentPort: number;
  agentSecret?: string;
  agentsWait: number;
}

interface AgentCommandOptions {
  controller: { host: string; port: number };
  secret: string;
  host: string;
  metricsPort?: number;
  metricsHost: string;
}

/** The most players a run on this machine alone plans (a capacity search's cap too); more need agents (docs/agents.md). */
const MAX_LOCAL_PEERS = 4096;

/** A host others must reach: not an address that means "every interface" (announced, it reaches nobody). */
function reachableHost(name: string) {
  return (value: string): string => {
    if (['0.0.0.0', '::', '[::]', ''].includes(value.trim())) throw new InvalidArgumentError(`${name} must be an address other hosts reach (this host's own), not "${value}"`);
    return value.trim();
  };
}

/**
 * The operating system's limits, before anything starts: too few file descriptors for the largest
 * peer count is fatal (exit 2, naming the need and `ulimit -n`); socket buffers the kernel caps
 * below the transport's request only warrant a warning (docs/harness.md, "Limits").
 */
function checkLimits(profile: Profile, largestPeers: number): string | null {
  const limits = readRunLimits();
  const problem = checkOpenFiles(largestPeers, profile.workers ?? availableParallelism(), limits.openFiles);
  if (problem !== null) return problem;
  const warning = checkSocketBuffers(limits);
  if (warning !== null) console.error(`p2p-mmog run: ${warning}`);
  return null;
}

async function run(profilePath: string, opts: RunOptions): Promise<number> {
  const loaded = loadProfile(profilePath, { seed: opts.seed, peers: opts.peers, durationS: opts.duration });
  const capacityCounts = loaded.capacity ? capacityPeerCounts(loaded.capacity, loaded.neo.groupSize) : null;
  if (capacityCounts !== null && capacityCounts.length === 0) throw new ProfileError(profilePath, [{ path: 'capacity', message: 'no peer count of the search fits the 4096-peer cap once raised to whole groups' }]);
  // A capacity search starts at its first step.
  const searched: Profile = loaded.capacity && capacityCounts ? { ...loaded, peers: capacityCounts[0] as number, durationS: loaded.capacity.stepDurationS } : loaded;
  // With agents and no `workers` in the profile: one shard per agent, not one per core of this machine.
  const profile: Profile = opts.agents !== undefined && searched.workers === undefined ? { ...searched, workers: opts.agents } : searched;
  // Thresholds are parsed before anything starts, so a typo costs nothing.
  const tags = tagSpaceForProfile(profile, expandPeerSet);
  const groups = Math.ceil(profile.peers / profile.neo.groupSize);
  const thresholdSpecs = profile.thresholds.map((t, i) => {
    let spec: ReturnType<typeof parseThreshold>;
    try {
      spec = parseThreshold(t);
    } catch (e) {
      throw new ProfileError(profilePath, [{ path: `thresholds[${i}]`, message: (e as Error).message }]);
    }
    const problem = thresholdSelectorProblem(t, tags, groups, shardCount(profile, groups));
    if (problem !== null) throw new ProfileError(profilePath, [{ path: `thresholds[${i}]`, message: problem }]);
    return spec;
  });
  if (profile.peers > MAX_LOCAL_PEERS && opts.agents === undefined) throw new ProfileError(profilePath, [{ path: 'peers', message: `${profile.peers} peers need agents (run --agents N): one machine plans at most ${MAX_LOCAL_PEERS}` }]);
  // With agents the players' sockets are on the agents' machines, not this one.
  const limitProblem = opts.agents === undefined ? checkLimits(profile, Math.max(profile.peers, ...(capacityCounts ?? []))) : null;
  if (limitProblem !== null) {
    console.error(`p2p-mmog run: ${limitProblem}`);
    return EXIT.usage;
  }
  // Live figures for Prometheus (docs/metrics.md): read from the latest snapshot at each scrape.
  let latest: LiveSnapshot | null = null;
  let neoPlayout: LatencyHistogram | null = null;
  const opened = await openMetrics('run', opts, () => createRunRegistry({ snapshot: () => latest, neoPlayout: () => neoPlayout }));
  if (!opened) return EXIT.usage;
  const metrics = opened.endpoint;
  if (metrics) console.log(`metrics: ${metrics.url}`);
  // Agents (docs/agents.md): the run waits for them, then spreads its shards over them.
  let agents: { listener: AgentListener; connections: readonly AgentConnection[] } | null = null;
  if (opts.agents !== undefined) {
    if (!opts.agentSecret) {
      console.error('p2p-mmog run: --agents needs --agent-secret (the secret every agent is given with --secret)');
      await metrics?.close();
      return EXIT.usage;
    }
    const listener = await listenForAgents({ host: opts.agentHost, port: opts.agentPort, secret: new TextEncoder().encode(opts.agentSecret) });
    console.log(`agents: waiting for ${opts.agents} at ${opts.agentHost}:${listener.port}`);
    try {
      agents = { listener, connections: await listener.waitFor(opts.agents, opts.agentsWait * 1000) };
    } catch (e) {
      console.error(`p2p-mmog run: ${(e as Error).message} (${listener.refused()} refused)`);
      await listener.close();
      await metrics?.close();
      return EXIT.usage;
    }
    console.log(`agents: ${agents.connections.map((c) => c.host).join(', ')}`);
  }
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
  const draw = profile.compute ? planRun(profile).compute : null;
  if (!ui && draw && profile.compute) console.log(describeComputeDraw(draw, profile.compute));
  try {
    const onSnapshot = (snapshot: LiveSnapshot) => {
      latest = snapshot;
      if (ui) ui.update(snapshot);
      else console.log(formatProgressLine(snapshot));
    };
    const onLiveHistograms = (h: { readonly neoPlayout: LatencyHistogram }) => void (neoPlayout = h.neoPlayout);
    const measure = async (p: Profile) => {
      const outcome = await runScenario(p, { signal: controller.signal, onSnapshot, onLiveHistograms }, agents ? { agents: agents.connections, servicesHost: opts.agentHost } : {});
      const report: RunReport = { ...outcome.report, thresholds: evaluateThresholds(outcome.report, thresholdSpecs) };
      return { outcome, report };
    };
    let run: Awaited<ReturnType<typeof measure>>;
    let capacity: CapacityResult | undefined;
    if (capacityCounts !== null) {
      // The peer count steps up until the harness saturates or a threshold fails (SPEC §9).
      const search = await searchCapacity(capacityCounts, (peers) => measure({ ...profile, peers }), () => controller.signal.aborted);
      run = search.last;
      capacity = search.capacity;
    } else {
      run = await measure(profile);
    }
    const report: RunReport = capacity ? { ...run.report, capacity } : run.report;
    const outDir = opts.out ?? join('reports', `${new Date().toISOString().replace(/[:.]/g, '-')}-${profile.name}`);
    writeReport(outDir, report, run.outcome.events);
    await ui?.close();
    console.log(renderReportText(report));
    if (capacity) console.log(renderCapacity(capacity));
    // Repeated last, where a saturated run's reader looks first: the count to rerun with.
    const suggestion = suggestionLine(report);
    if (suggestion !== null) console.log(suggestion);
    console.log(`report written to ${outDir}`);
    if (run.outcome.handlerErrors.length > 0) {
      console.error(`${run.outcome.handlerErrors.length} handler error(s) — a bug in p2p-mmog, not in the run:\n${run.outcome.handlerErrors.slice(0, 5).join('\n')}`);
      return EXIT.internalError;
    }
    if (capacity) return capacity.largestHealthyPeers === null ? EXIT.thresholdFailed : EXIT.ok;
    return report.thresholds.every((t) => t.ok) ? EXIT.ok : EXIT.thresholdFailed;
  } finally {
    await ui?.close();
    await metrics?.close();
    if (agents) {
      if (agents.listener.refused() > 0) console.log(`agents: ${agents.listener.refused()} connection(s) refused (wrong secret or protocol)`);
      await agents.listener.close();
    }
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * The metrics endpoint a command was asked for with `--metrics-port` (`endpoint` null when it was
 * not); null when it cannot listen there, which is said on stderr (the command exits 2).
 */
async function openMetrics(command: 'run' | 'agent', opts: { readonly metricsPort?: number; readonly metricsHost: string }, registry: () => Registry): Promise<{ readonly endpoint: MetricsEndpoint | null } | null> {
  if (opts.metricsPort === undefined) return { endpoint: null };
  try {
    return { endpoint: await startMetricsEndpoint({ host: opts.metricsHost, port: opts.metricsPort }, registry()) };
  } catch (e) {
    console.error(`p2p-mmog ${command}: the metrics endpoint cannot listen on ${opts.metricsHost}:${opts.metricsPort}: ${(e as Error).message}`);
    return null;
  }
}

async function agentCommand(opts: AgentCommandOptions): Promise<number> {
  if (opts.secret === '') {
    console.error('p2p-mmog agent: --secret must not be empty');
    return EXIT.usage;
  }
  const telemetry = new Map<number, Extract<ShardMessage, { type: 'telemetry' }>>();
  const opened = await openMetrics('agent', opts, () => createAgentRegistry(() => telemetry));
  if (!opened) return EXIT.usage;
  const metrics = opened.endpoint;
  if (metrics) console.log(`agent: metrics at ${metrics.url}`);
  const outcome = await runAgent({
    controller: opts.controller,
    secret: new TextEncoder().encode(opts.secret),
    bindHost: opts.host,
    log: (line) => console.log(`agent: ${line}`),
    onShardMessage: (shard, m) => void (m.type === 'telemetry' && telemetry.set(shard, m)),
  });
  await metrics?.close();
  const why = { bye: 'the run is over', refused: 'refused by the controller (wrong secret?)', unreachable: 'no controller answered (not started yet?)', disconnected: 'the controller went away' }[outcome.ended];
  console.log(`agent: ${outcome.shards} shard(s) hosted, ${outcome.failed} failed; ${why}`);
  return outcome.ended === 'refused' ? EXIT.usage : outcome.failed > 0 || outcome.ended !== 'bye' ? EXIT.internalError : EXIT.ok;
}

interface AuthorityOptions {
  host: string;
  port: number;
  db: string;
  keySeed?: Uint8Array;
  paymentKey?: Uint8Array;
  gameKeyTtl: number;
}

function hexBytes(name: string, length: number) {
  return (value: string): Uint8Array => {
    if (!new RegExp(`^[0-9a-fA-F]{${2 * length}}$`).test(value)) throw new InvalidArgumentError(`${name} must be ${2 * length} hex digits (${length} bytes)`);
    return new Uint8Array(Buffer.from(value, 'hex'));
  };
}

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Resolves on the first SIGINT/SIGTERM. One listener for the whole life of a long-running command;
 * a second signal while it is closing gives up at once (exit 130).
 */
function untilSignal(): { stopped: Promise<void>; dispose(): void } {
  let signals = 0;
  let onSignal = () => {};
  const stopped = new Promise<void>((resolve) => {
    onSignal = () => {
      if (++signals > 1) process.exit(130);
      resolve();
    };
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * One authority until SIGINT/SIGTERM. The first line of output is the contract (SPEC §9):
 * `authority <host:port> <public key hex>`, so a script can start it and read where it listens.
 */
async function authority(opts: AuthorityOptions): Promise<number> {
  // Loaded here so the other commands never load the native SQLite module.
  const { startAuthority, createPaymentIssuer, DEV_PAYMENT_ISSUER_SEED } = await import('./auth/index.js');
  const { ALL_PROOF_VERIFIERS } = await import('./peer/proof-kinds.js');
  const paymentKey = opts.paymentKey ?? createPaymentIssuer(DEV_PAYMENT_ISSUER_SEED).publicKey;
  let ac: Awaited<ReturnType<typeof startAuthority>>;
  try {
    ac = await startAuthority(
      { host: opts.host, port: opts.port, dbPath: opts.db, gameKeyTtlMs: opts.gameKeyTtl, paymentIssuerKey: paymentKey },
      { ...(opts.keySeed ? { identitySeed: opts.keySeed } : {}), proofKinds: ALL_PROOF_VERIFIERS, onError: (e, where) => console.error(`authority: ${where}: ${String(e)}`) },
    );
  } catch (e) {
    // A database of another authority, a newer schema, a port in use: the operator's to fix.
    console.error(`p2p-mmog authority: ${(e as Error).message}`);
    return EXIT.usage;
  }
  // Installed before the first line is printed: whoever reads it may signal at once.
  const signal = untilSignal();
  const stopped = signal.stopped;
  console.log(`authority ${ac.endpointId} ${toHex(ac.publicKey)}`);
  console.log(`database ${opts.db}; payment issuer ${toHex(paymentKey)}; game keys last ${opts.gameKeyTtl} ms`);
  if (!opts.paymentKey) console.error('p2p-mmog authority: no --payment-key: accepting tokens of the development issuer, which anyone can mint (local runs only)');
  await stopped;
  const c = ac.counters();
  const store = ac.storeCounts();
  await ac.close();
  signal.dispose();
  console.log(
    `authority stopped: ${c.registrations} registrations, ${c.renewals} renewals, ${c.proofsAccepted} proofs accepted, ${c.proofsRejected} rejected, ${c.bans} bans, ${c.messagesReceived} messages; database holds ${store.accounts} accounts, ${store.bans} bans`,
  );
  return EXIT.ok;
}

interface PeerOptions {
  host: string;
  port: number;
  authority: { host: string; port: number };
  authorityKey: Uint8Array;
  bootstrap: { host: string; port: number }[];
  keySeed?: Uint8Array;
  paymentSeed?: Uint8Array;
  name?: string;
}

function endpointArg(name: string) {
  return (value: string): { host: string; port: number } => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`${name} must be host:port (e.g. 127.0.0.1:4000 or [::1]:4000), got "${value}"`);
    return { host: (m[1] ?? m[2]) as string, port };
  };
}

function endpointList(name: string) {
  const one = endpointArg(name);
  return (value: string): { host: string; port: number }[] => value.split(',').filter((v) => v.trim() !== '').map(one);
}

/**
 * One standalone player until SIGINT/SIGTERM (SPEC §9), started as a harness shard starts its
 * players (startPlayer): its own socket, registration with the authority (paid by a token of the
 * development payment stand-in unless a payment seed is given), the DHT bootstrapped from the given
 * contacts presenting the key certificate (the DHT admits certified players only), its
 * certificates published and checked in the DHT.
 * First line: `peer <host:port> <public key hex>`; a signal makes it leave gracefully (DHT hand-off).
 */
async function peer(opts: PeerOptions): Promise<number> {
  const { createPaymentIssuer, DEV_PAYMENT_ISSUER_SEED, systemWallClock } = await import('./auth/index.js');
  const { startPlayer } = await import('./peer/index.js');
  const { createRng } = await import('./random/index.js');
  const { systemClock } = await import('./time/clock.js');
  const { createTimerQueue } = await import('./time/timer-queue.js');
  const { randomBytes } = await import('node:crypto');
  const seed = opts.keySeed ?? new Uint8Array(randomBytes(32));
  const scheduler = createTimerQueue({ clock: systemClock });
  let player: Awaited<ReturnType<typeof startPlayer>>;
  try {
    player = await startPlayer(
      { bind: { host: opts.host, port: opts.port }, identitySeed: seed, authority: { endpoint: opts.authority, publicKey: opts.authorityKey }, bootstrap: opts.bootstrap },
      { clock: systemClock, wallClock: systemWallClock, scheduler, rng: createRng(toHex(seed)).fork('dht') },
    );
  } catch (e) {
    scheduler.close();
    console.error(`p2p-mmog peer: ${(e as Error).message}`);
    return EXIT.usage;
  }
  const { peer: node, services } = player;
  const signal = untilSignal();
  const stopped = signal.stopped;
  console.log(`peer ${node.transport.endpointId} ${toHex(node.publicKey)}`);
  const issuer = createPaymentIssuer(opts.paymentSeed ?? DEV_PAYMENT_ISSUER_SEED);
  const joined = await Promise.race([services.join(opts.name ?? `peer-${toHex(node.publicKey).slice(0, 16)}`, issuer.issue({ amount: 1, planMs: 30 * 86_400_000 })), stopped.then(() => null)]);
  let code: number = EXIT.ok;
  if (joined === null) {
    console.log('stopped before joining');
  } else if (!joined.ok) {
    console.error(`p2p-mmog peer: could not join: ${joined.reason}`);
    code = EXIT.thresholdFailed;
  } else {
    console.log(`joined: player ${joined.keyCertificate.playerId}, certificates published in the DHT${joined.republished > 0 ? ` (${joined.republished} republished)` : ''}; ${services.dht.contacts().length} DHT contacts`);
    await stopped;
  }
  const left = await player.close(true).then(
    () => 'left gracefully (records handed off)',
    (e: unknown) => `left: ${String(e)}`,
  );
  const stats = services.dht.stats();
  scheduler.close();
  signal.dispose();
  console.log(`peer stopped: ${left}; ${stats.counters.lookups} lookups, ${stats.counters.recordsStored} records stored, ${stats.counters.recordsServed} served, ${services.acMessages()} authority messages`);
  return code;
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
    .option('--metrics-port <port>', 'serve live figures for Prometheus at http://HOST:PORT/metrics (0 = any free port)', portNumber('--metrics-port'))
    .option('--metrics-host <host>', 'address the metrics endpoint binds', '127.0.0.1')
    .option('--agents <n>', 'wait for N agents (p2p-mmog agent) and run the shards on them instead of this process', integer('--agents', 1))
    .option('--agent-host <host>', "address agents connect to, where the run's authority and DHT bootstrap nodes listen too", reachableHost('--agent-host'), '127.0.0.1')
    .option('--agents-wait <s>', 'how long to wait for the agents before giving up (exit 2)', positive('--agents-wait'), 120)
    .option('--agent-port <port>', 'TCP port agents connect to (0 = any free port, printed)', portNumber('--agent-port'), 0)
    .option('--agent-secret <secret>', 'the shared secret agents must prove (their --secret)')
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

  program
    .command('authority')
    .description('run one authority (accounts, certificates, cheat proofs, bans) until SIGINT/SIGTERM; first line: authority <host:port> <public key>')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'UDP port (0 = any free port)', integer('--port', 0), 0)
    .option('--db <file>', 'SQLite database (created if missing)', 'p2p-mmog-authority.db')
    .option('--key-seed <hex>', 'Ed25519 seed of the authority key (default: the one stored in the database, or a new one stored there)', hexBytes('--key-seed', 32))
    .option('--payment-key <hex>', "payment issuer's public key (default: the development issuer)", hexBytes('--payment-key', 32))
    .option('--game-key-ttl <ms>', 'game key lifetime in ms', integer('--game-key-ttl', 1), 3_600_000)
    .action(async (opts: AuthorityOptions) => {
      exitCode = await authority(opts);
    });

  program
    .command('peer')
    .description('run one standalone player (DHT, registration, certificates) until SIGINT/SIGTERM; first line: peer <host:port> <public key>')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'UDP port (0 = any free port)', integer('--port', 0), 0)
    .requiredOption('--authority <host:port>', "the authority's address (first line of `p2p-mmog authority`)", endpointArg('--authority'))
    .requiredOption('--authority-key <hex>', "the authority's public key: the root of trust", hexBytes('--authority-key', 32))
    .option('--bootstrap <host:port,...>', 'DHT contacts to bootstrap from (none: the first node)', endpointList('--bootstrap'), [])
    .option('--key-seed <hex>', 'Ed25519 seed of this player (default: random)', hexBytes('--key-seed', 32))
    .option('--payment-seed <hex>', 'seed of the payment stand-in that pays the account (default: the development issuer)', hexBytes('--payment-seed', 32))
    .option('--name <username>', 'account name (default: derived from the key)')
    .action(async (opts: PeerOptions) => {
      exitCode = await peer(opts);
    });

  program
    .command('agent')
    .description("host a run's worker shards on this machine for a controller (`p2p-mmog run --agents N`) until it says the run is over")
    .requiredOption('--controller <host:port>', 'the controller to connect to (its "agents: waiting" line)', endpointArg('--controller'))
    .requiredOption('--secret <secret>', "the controller's --agent-secret")
    .option('--host <host>', "the address this agent's players bind (where other hosts reach them)", reachableHost('--host'), '127.0.0.1')
    .option('--metrics-port <port>', "serve this agent's process and shard figures for Prometheus at http://HOST:PORT/metrics (0 = any free port)", portNumber('--metrics-port'))
    .option('--metrics-host <host>', 'address the metrics endpoint binds', '127.0.0.1')
    .action(async (opts: AgentCommandOptions) => {
      exitCode = await agentCommand(opts);
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
