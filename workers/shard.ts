/**
 * A piscina task hosting one shard of peers for the life of a run: its NEO groups on real
 * sockets, a timer queue and link shaper of its own, telemetry to the controller once a second.
 */
import { createEventLoopMonitor, createLatencyHistogram } from '../src/metrics/index.js';
import { NEO_COUNTERS, startNeoGroup, type NeoCounter, type NeoGroupHandle } from '../src/neo/index.js';
import { shapingConfigForPeers } from '../src/scenario/profile.js';
import { systemClock } from '../src/time/clock.js';
import { createTimerQueue } from '../src/time/timer-queue.js';
import type { ShardCommand, ShardMessage, ShardResult, ShardTask, ShardTraffic } from '../src/controller/contract.js';

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
  const loop = createEventLoopMonitor({ resolutionMs: 10 });
  const loopHistogram = createLatencyHistogram();
  const post = (m: ShardMessage) => task.port.postMessage(m);

  // Rules name peers by global index; a group's shaper sees its members' real endpoints and
  // placeholders for everyone else, whose rules then simply never match.
  const placeholders = Array.from({ length: task.profile.peers }, (_, i) => `peer${i}`);
  const groups: NeoGroupHandle[] = [];
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
          shaping: (endpoints) => {
            const global = [...placeholders];
            g.peers.forEach((peer, i) => (global[peer] = endpoints[i] as string));
            return shapingConfigForPeers(task.profile, global);
          },
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
  const ports = groups.flatMap((g) => g.peers.map((p) => p.transport.local.port));
  post({ type: 'ready', shardIndex: task.shardIndex, ports });

  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  task.port.on('message', (command: ShardCommand) => {
    if (command.type === 'stop') stopRequested();
    else for (const g of groups) g.begin(command.startAtMs);
  });

  const counters = () => {
    const sum = Object.fromEntries(NEO_COUNTERS.map((c) => [c, 0])) as Record<NeoCounter, number>;
    for (const g of groups) for (const s of g.sessions) for (const c of NEO_COUNTERS) sum[c] += s.stats().counters[c];
    return sum;
  };
  const traffic = (): ShardTraffic => {
    const t = { txDatagrams: 0, txBytes: 0, rxDatagrams: 0, shapingDropped: 0, protocolDropped: 0 };
    for (const g of groups) {
      for (const p of g.peers) {
        const s = p.transport.stats();
        t.txDatagrams += s.tx.datagrams;
        t.txBytes += s.tx.bytes;
        t.rxDatagrams += s.rx.datagrams;
        t.shapingDropped += sumValues(s.shaping.outbound.dropped) + sumValues(s.shaping.inbound.dropped);
        t.protocolDropped += sumValues(s.dropped);
      }
    }
    return t;
  };
  const roundMs = () => groups[0]?.sessions[0]?.stats().roundMs ?? task.neo.roundMs;
  const telemetry = setInterval(() => {
    const l = loop.sample();
    loopHistogram.recordMs(l.p99Ms);
    post({
      type: 'telemetry',
      shardIndex: task.shardIndex,
      playoutInterval: playoutInterval.encode(),
      counters: counters(),
      traffic: traffic(),
      peersAlive: groups.reduce((n, g) => n + g.peers.length, 0),
      roundMs: roundMs(),
      eventLoopP99Ms: l.p99Ms,
      latenessInterval: latenessInterval.encode(),
    });
    playoutInterval = createLatencyHistogram();
    latenessInterval = createLatencyHistogram();
  }, 1000);

  await Promise.race([Promise.all(groups.map((g) => g.finished)), stopped]);
  clearInterval(telemetry);
  const finalCounters = counters();
  const finalTraffic = traffic();
  const results = await Promise.all(groups.map((g) => g.stop()));
  scheduler.close();
  loop.stop();
  task.port.close();
  return {
    shardIndex: task.shardIndex,
    playout: playout.encode(),
    counters: finalCounters,
    traffic: finalTraffic,
    lateness: lateness.encode(),
    eventLoop: loopHistogram.encode(),
    handlerErrors: results.flatMap((r) => r.handlerErrors),
    ports,
    groups: groups.length,
    roundMs: roundMs(),
    updates: updateCounts(groups),
  };
}

/** Per update, not per replica: every member decides every update alike, so member 0 speaks for its group. */
function updateCounts(groups: readonly NeoGroupHandle[]): ShardResult['updates'] {
  const u = { created: 0, accepted: 0, dropped: 0 };
  for (const g of groups) {
    const c = g.sessions[0]?.stats().counters;
    if (!c) continue;
    u.created += c.roundsPlayed * g.sessions.length;
    u.accepted += c.accepted;
    u.dropped += c.dropped;
  }
  return u;
}

function sumValues(record: Record<string, number>): number {
  let total = 0;
  for (const v of Object.values(record)) total += v;
  return total;
}
