import { createEd25519 } from '../crypto/index.js';
import { createEventLoopMonitor, createLatencyHistogram, type LatencySummary } from '../metrics/index.js';
import { createLinkShaper, endpointId, readKernelUdpCounters, readSocketDrops, type LinkShaper, type ShapingConfig } from '../net/index.js';
import { startPeerNode, type PeerNode } from '../peer/index.js';
import { createRng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import { createTimerQueue } from '../time/timer-queue.js';
import { expandPeerSet, type Profile } from './profile.js';

/**
 * The scenario that runs until the full harness lands: every peer of the profile on its own real
 * socket, pinging random others over the profile's shaped links. It exercises the whole
 * foundation (codec, signatures, transport, shaping, timer queue, histograms, health) end to end.
 */
export interface MeshProbeResult {
  profile: string;
  seed: number;
  peers: number;
  durationS: number;
  rttMs: LatencySummary & { encoded: string };
  pings: { sent: number; answered: number; timedOut: number };
  datagrams: { sent: number; received: number; accepted: number; dropped: Record<string, number>; shapingDropped: Record<string, number> };
  harness: {
    eventLoopDelayMsP99: number;
    eventLoopDelayMsMax: number;
    timerLatenessMsP99: number;
    udpKernelDrops: number | null;
    saturated: boolean;
    saturationReasons: string[];
  };
}

/** Thresholds past which the harness, not the protocol, shapes the figures (docs/performance.md). */
export const SATURATION = { eventLoopDelayMsP99: 50, timerLatenessMsP99: 20 } as const;

/** Shaping is attached once every peer's socket is bound, because rules name endpoints. */
function deferredShaper(): { shaper: LinkShaper; attach(inner: LinkShaper): void } {
  let inner: LinkShaper | undefined;
  const shaper: LinkShaper = {
    get isIdentity() {
      return inner?.isIdentity ?? true;
    },
    get startMs() {
      return inner?.startMs ?? 0;
    },
    isOutboundIdentity: (from, to) => inner?.isOutboundIdentity(from, to) ?? true,
    isInboundIdentity: (to) => inner?.isInboundIdentity(to) ?? true,
    outbound: (from, to, bytes, nowMs) => (inner as LinkShaper).outbound(from, to, bytes, nowMs),
    inbound: (to, from, bytes, nowMs) => (inner as LinkShaper).inbound(to, from, bytes, nowMs),
    stats: () => (inner as LinkShaper).stats(),
  };
  return { shaper, attach: (s) => (inner = s) };
}

function shapingConfigFor(profile: Profile, endpoints: readonly string[]): ShapingConfig {
  const accessLinks: NonNullable<ShapingConfig['accessLinks']> = {};
  for (const rule of profile.links.accessLinks) {
    for (const i of expandPeerSet(rule.peers)) {
      accessLinks[endpoints[i] as string] = { ...(rule.up ? { up: rule.up } : {}), ...(rule.down ? { down: rule.down } : {}) };
    }
  }
  return {
    ...(profile.links.default ? { default: profile.links.default } : {}),
    accessLinks,
    partitions: profile.links.partitions.map((p) => ({
      name: p.name,
      sides: p.sides.map((side) => expandPeerSet(side).map((i) => endpoints[i] as string)),
      startMs: p.startS * 1000,
      endMs: p.endS * 1000,
    })),
  };
}

export async function runMeshProbe(profile: Profile, hooks: { onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<MeshProbeResult> {
  const clock = systemClock;
  const root = createRng(profile.seed);
  const identities = root.fork('identity');
  const ed25519 = createEd25519('native');
  const rtt = createLatencyHistogram();
  const lateness = createLatencyHistogram();
  const scheduler = createTimerQueue({ clock, onLateness: (ms) => lateness.recordMs(ms) });
  const deferred = deferredShaper();
  const loop = createEventLoopMonitor({ resolutionMs: 10 });
  const loopP99s = createLatencyHistogram();
  let loopMax = 0;

  const peers: PeerNode[] = [];
  for (let i = 0; i < profile.peers; i++) {
    peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: identities.bytes(32), ed25519, clock, shaping: { shaper: deferred.shaper, scheduler } }));
  }
  const endpoints = peers.map((p) => endpointId(p.transport.local));
  const ports = new Set(peers.map((p) => p.transport.local.port));
  const socketDropsBefore = readSocketDrops(ports);
  const kernelBefore = readKernelUdpCounters();
  const start = clock.nowMs();
  deferred.attach(createLinkShaper(shapingConfigFor(profile, endpoints), { rng: root.fork('links'), clock }, { startMs: start }));

  const pings = { sent: 0, answered: 0, timedOut: 0 };
  const inflight = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  peers.forEach((peer, i) => {
    const rng = root.fork(`probe:${i}`);
    const tick = () => {
      let target = rng.int(peers.length - 1);
      if (target >= i) target++;
      pings.sent++;
      const p = peer.pinger.ping((peers[target] as PeerNode).transport.local, profile.probe.timeoutMs).then((ms) => {
        if (ms === null) pings.timedOut++;
        else {
          pings.answered++;
          rtt.recordMs(ms);
        }
        inflight.delete(p);
      });
      inflight.add(p);
    };
    // A seeded phase spreads the peers' probes over the interval instead of firing them together.
    const phase = setTimeout(() => {
      tick();
      timers.push(setInterval(tick, profile.probe.intervalMs));
    }, rng.float() * profile.probe.intervalMs);
    timers.push(phase);
  });

  const durationMs = profile.durationS * 1000;
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearInterval(progress);
      clearTimeout(end);
      hooks.signal?.removeEventListener('abort', finish);
      resolve();
    };
    const end = setTimeout(finish, durationMs);
    hooks.signal?.addEventListener('abort', finish);
    const progress = setInterval(() => {
      const elapsed = clock.nowMs() - start;
      const l = loop.sample();
      loopP99s.recordMs(l.p99Ms);
      loopMax = Math.max(loopMax, l.maxMs);
      const s = rtt.summary();
      hooks.onProgress?.(
        `[${(elapsed / 1000).toFixed(0).padStart(4)}s/${profile.durationS}s] peers ${peers.length}  pings ${pings.sent}  answered ${pings.answered}  timed out ${pings.timedOut}  rtt p50 ${s.p50.toFixed(1)} p99 ${s.p99.toFixed(1)} ms  loop p99 ${l.p99Ms.toFixed(1)} ms`,
      );
    }, 1000);
  });
  const measuredS = (clock.nowMs() - start) / 1000;
  const lastLoop = loop.sample();
  loopP99s.recordMs(lastLoop.p99Ms);
  loopMax = Math.max(loopMax, lastLoop.maxMs);
  for (const t of timers) clearTimeout(t);
  await Promise.all([...inflight]);

  const totals = { sent: 0, received: 0, accepted: 0, dropped: {} as Record<string, number>, shapingDropped: {} as Record<string, number> };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const p of peers) {
    const s = p.transport.stats();
    totals.sent += s.tx.datagrams;
    totals.received += s.rx.datagrams;
    totals.accepted += s.rx.accepted;
    add(totals.dropped, s.dropped);
    add(totals.shapingDropped, s.shaping.outboundDropped);
    add(totals.shapingDropped, s.shaping.inboundDropped);
  }
  const socketDropsAfter = readSocketDrops(ports);
  const kernelAfter = readKernelUdpCounters();
  let udpKernelDrops: number | null = null;
  if (socketDropsBefore && socketDropsAfter) {
    udpKernelDrops = 0;
    for (const [port, d] of socketDropsAfter) udpKernelDrops += d - (socketDropsBefore.get(port) ?? 0);
  } else if (kernelBefore && kernelAfter) {
    udpKernelDrops = kernelAfter.rcvbufErrors - kernelBefore.rcvbufErrors;
  }
  loop.stop();
  scheduler.close();
  await Promise.all(peers.map((p) => p.close()));

  const eventLoopDelayMsP99 = loopP99s.summary().max;
  const timerLatenessMsP99 = lateness.summary().p99;
  const saturationReasons: string[] = [];
  if (eventLoopDelayMsP99 > SATURATION.eventLoopDelayMsP99) saturationReasons.push(`event-loop delay p99 ${eventLoopDelayMsP99.toFixed(1)} ms > ${SATURATION.eventLoopDelayMsP99} ms`);
  if (timerLatenessMsP99 > SATURATION.timerLatenessMsP99) saturationReasons.push(`shaped-delivery lateness p99 ${timerLatenessMsP99.toFixed(1)} ms > ${SATURATION.timerLatenessMsP99} ms`);
  if (udpKernelDrops !== null && udpKernelDrops > 0) saturationReasons.push(`${udpKernelDrops} datagrams dropped by the kernel (receive buffers full)`);

  return {
    profile: profile.name,
    seed: profile.seed,
    peers: profile.peers,
    durationS: measuredS,
    rttMs: { ...rtt.summary(), encoded: rtt.encode() },
    pings,
    datagrams: totals,
    harness: { eventLoopDelayMsP99, eventLoopDelayMsMax: loopMax, timerLatenessMsP99, udpKernelDrops, saturated: saturationReasons.length > 0, saturationReasons },
  };
}
