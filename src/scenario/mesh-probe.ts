import { createEd25519 } from '../crypto/index.js';
import { createEventLoopMonitor, createLatencyHistogram, type LatencySummary } from '../metrics/index.js';
import { createDeferredShaper, createLinkShaper, endpointId, readKernelUdpCounters, readSocketDrops } from '../net/index.js';
import { startPeerNode, type PeerNode } from '../peer/index.js';
import { createRng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import { createTimerQueue } from '../time/timer-queue.js';
import { shapingConfigForPeers, type Profile } from './profile.js';

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

export async function runMeshProbe(profile: Profile, hooks: { onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<MeshProbeResult> {
  const clock = systemClock;
  const root = createRng(profile.seed);
  const identities = root.fork('identity');
  const ed25519 = createEd25519('native');
  const rtt = createLatencyHistogram();
  const lateness = createLatencyHistogram();
  const scheduler = createTimerQueue({ clock, onLateness: (ms) => lateness.recordMs(ms) });
  const deferred = createDeferredShaper();
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
  deferred.attach(createLinkShaper(shapingConfigForPeers(profile, endpoints), { rng: root.fork('links'), clock }, { startMs: start }));

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
    add(totals.shapingDropped, s.shaping.outbound.dropped);
    add(totals.shapingDropped, s.shaping.inbound.dropped);
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
