/**
 * A piscina task hosting one shard of peers for the life of a run: its NEO groups on real
 * sockets, a timer queue of its own, telemetry to the controller once a second.
 */
import type { ShardCommand, ShardMessage, ShardResult, ShardSample, ShardTask, ShardTraffic, UpdateCounts } from '../src/controller/contract.js';
import { createEventLoopMonitor, createLatencyHistogram } from '../src/metrics/index.js';
import { NEO_COUNTERS, startNeoGroup, type NeoCounter, type NeoGroupHandle } from '../src/neo/index.js';
import { readSocketDrops } from '../src/net/index.js';
import { shapingForMembers } from '../src/scenario/profile.js';
import { systemClock } from '../src/time/clock.js';
import { createTimerQueue } from '../src/time/timer-queue.js';

export default async function runShard(task: ShardTask): Promise<ShardResult> {
  const clock = systemClock;
  const lateness = createLatencyHistogram();
  let latenessInterval = createLatencyHistogram();
  const scheduler = createTimerQueue({
    clock,
    onLateness: (ms) => {
      lateness.recordMs(ms);
      latenessInterval.recordMs(ms);
    },
  });
  const playout = createLatencyHistogram();
  let playoutInterval = createLatencyHistogram();
  const post = (m: ShardMessage) => task.port.postMessage(m);

  const groups: NeoGroupHandle[] = [];
  try {
    for (const g of task.groups) {
      groups.push(
        await startNeoGroup(
          {
            members: g.peers.length,
            rounds: task.neo.rounds,
            roundMs: task.neo.roundMs,
            seed: `${task.seed}/group/${g.groupIndex}`,
            pipelineDepth: task.neo.pipelineDepth,
            stateHashEvery: task.neo.stateHashEvery,
            ...(task.neo.adaptation ? { adaptation: task.neo.adaptation } : {}),
            deferStart: true,
            shaping: (endpoints) => shapingForMembers(task.profile, g.peers, endpoints),
          },
          {
            scheduler,
            onPlayout: (ms) => {
              playout.recordMs(ms);
              playoutInterval.recordMs(ms);
            },
          },
        ),
      );
    }
  } catch (error) {
    // Sockets already bound must not outlive a failed start.
    await Promise.all(groups.map((g) => g.stop()));
    scheduler.close();
    throw error;
  }
  const ports = groups.flatMap((g) => g.peers.map((p) => p.transport.local.port));
  const portSet = new Set(ports);
  const dropsAtBind = readSocketDrops(portSet);
  post({ type: 'ready', shardIndex: task.shardIndex, ports });

  // Measured from the start signal on, so binding sockets does not count as event-loop delay.
  let loop: ReturnType<typeof createEventLoopMonitor> | null = null;
  const loopHistogram = createLatencyHistogram();
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  task.port.on('message', (command: ShardCommand) => {
    if (command.type === 'stop') stopRequested();
    else {
      loop ??= createEventLoopMonitor({ resolutionMs: 10 });
      for (const g of groups) g.begin(command.startAtMs);
    }
  });

  const sample = (): ShardSample => ({
    atMs: clock.nowMs(),
    counters: sumCounters(groups),
    updates: updateCounts(groups),
    traffic: traffic(groups),
    kernelDrops: kernelDropsSince(dropsAtBind, portSet),
    peersAlive: ports.length,
    roundMs: groups[0]?.sessions[0]?.roundMs ?? task.neo.roundMs,
  });
  const telemetry = setInterval(() => {
    const loopSample = loop?.sample();
    if (loopSample) loopHistogram.mergeEncoded([loopSample.encoded]);
    post({
      type: 'telemetry',
      shardIndex: task.shardIndex,
      sample: sample(),
      playoutInterval: playoutInterval.encode(),
      latenessInterval: latenessInterval.encode(),
      eventLoopInterval: loopSample?.encoded ?? createLatencyHistogram().encode(),
    });
    playoutInterval = createLatencyHistogram();
    latenessInterval = createLatencyHistogram();
  }, 1000);

  await Promise.race([Promise.all(groups.map((g) => g.finished)), stopped]);
  clearInterval(telemetry);
  // Read before the sockets close: a closed socket's drop counter disappears from /proc/net/udp.
  const final = sample();
  const last = (loop as ReturnType<typeof createEventLoopMonitor> | null)?.sample();
  if (last) loopHistogram.mergeEncoded([last.encoded]);
  const results = await Promise.all(groups.map((g) => g.stop()));
  scheduler.close();
  (loop as ReturnType<typeof createEventLoopMonitor> | null)?.stop();
  task.port.close();
  return {
    shardIndex: task.shardIndex,
    sample: final,
    playout: playout.encode(),
    lateness: lateness.encode(),
    eventLoop: loopHistogram.encode(),
    handlerErrors: results.flatMap((r) => r.handlerErrors),
    ports,
  };
}

function sumCounters(groups: readonly NeoGroupHandle[]): Record<NeoCounter, number> {
  const sum = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
  for (const g of groups) {
    for (const s of g.sessions) {
      const counters = s.counterSnapshot();
      for (const c of NEO_COUNTERS) sum[c] += counters[c];
    }
  }
  return sum;
}

/** Per update, not per replica: every member decides every update alike, so member 0 speaks for its group. */
function updateCounts(groups: readonly NeoGroupHandle[]): UpdateCounts {
  const u = { created: 0, accepted: 0, dropped: 0 };
  for (const g of groups) {
    for (const s of g.sessions) u.created += s.counterSnapshot().updatesCreated;
    const c = g.sessions[0]?.counterSnapshot();
    if (!c) continue;
    u.accepted += c.accepted;
    u.dropped += c.dropped;
  }
  return u;
}

function traffic(groups: readonly NeoGroupHandle[]): ShardTraffic {
  const t = { txDatagrams: 0, txBytes: 0, outboundShapingDropped: 0, outboundExtraCopies: 0, inboundShapingDropped: 0 };
  for (const g of groups) {
    for (const p of g.peers) {
      const s = p.transport.stats();
      t.txDatagrams += s.tx.datagrams;
      t.txBytes += s.tx.bytes;
      t.outboundShapingDropped += sumValues(s.shaping.outbound.dropped);
      t.outboundExtraCopies += s.shaping.outbound.extraCopies;
      t.inboundShapingDropped += sumValues(s.shaping.inbound.dropped);
    }
  }
  return t;
}

function kernelDropsSince(atBind: Map<number, number> | null, ports: ReadonlySet<number>): number | null {
  const now = readSocketDrops(ports);
  if (!atBind || !now) return null;
  let drops = 0;
  for (const [port, d] of now) drops += d - (atBind.get(port) ?? 0);
  return drops;
}

function sumValues(record: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(record)) total += v;
  return total;
}
