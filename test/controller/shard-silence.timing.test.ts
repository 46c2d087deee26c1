import { describe, expect, it } from 'vitest';
import type { ShardMessage } from '../../src/controller/contract.js';
import { runScenario } from '../../src/controller/index.js';
import { createThreadShardHost, type ShardHost } from '../../src/controller/shard-host.js';
import { parseProfile } from '../../src/scenario/profile.js';

/**
 * A shard whose telemetry stops (its thread stalled, its agent cut off: docs/agents.md) is reported:
 * a host that holds one shard's messages back for 4.5 s after its third sample, then hands them
 * over, shows as a `shard-silent` event, a `shard-heard` event with how long it lasted, and the
 * silence under `harness.shards` in the report; the other shard shows none.
 */
describe('silent shards', () => {
  it('reports a shard whose telemetry stops for 4.5 s, and when it is heard again', async () => {
    const threads = createThreadShardHost(2);
    let holdUntilMs = 0;
    let samples = 0;
    const host = (name: string): ShardHost => ({
      host: name,
      runShard(task, onMessage) {
        const held: ShardMessage[] = [];
        return threads.runShard(task, (m) => {
          if (task.shardIndex === 1 && m.type === 'telemetry' && ++samples === 3) holdUntilMs = Date.now() + 4500;
          if (task.shardIndex === 1 && m.type !== 'ready' && Date.now() < holdUntilMs) return void held.push(m);
          for (const h of held.splice(0)) onMessage(h);
          onMessage(m);
        });
      },
    });
    try {
      const profile = parseProfile(['name: silence-test', 'peers: 8', 'durationS: 10', 'workers: 2', 'seed: 3', 'neo: { groupSize: 4, roundMs: 100 }', ''].join('\n'), 'silence-test.yaml');
      const { report, events, handlerErrors } = await runScenario(profile, {}, { agents: [host('a'), host('b')] });
      expect(handlerErrors).toEqual([]);
      const shards = report.harness.shards ?? [];
      expect(shards.map((s) => [s.shard, s.host])).toEqual([
        [0, 'a'],
        [1, 'b'],
      ]);
      expect(shards[0]?.silences).toEqual([]);
      expect(shards[1]?.silences).toHaveLength(1);
      const silentS = shards[1]?.silences[0]?.silentS ?? 0;
      // Silent from its third sample for 4.5 s: reported after 3 s, heard again when the hold ends.
      expect(silentS).toBeGreaterThanOrEqual(4);
      expect(silentS).toBeLessThan(6.5);
      const silent = events.filter((e) => e.type === 'shard-silent');
      const heard = events.filter((e) => e.type === 'shard-heard');
      expect(silent.map((e) => [e.shard, e.host])).toEqual([[1, 'b']]);
      expect(heard.map((e) => [e.shard, e.silentS])).toEqual([[1, silentS]]);
      expect((heard[0]?.tS ?? 0) - (silent[0]?.tS ?? 0)).toBeGreaterThan(0.5);
    } finally {
      await threads.destroy();
    }
  }, 120_000);

  it('reports a shard lost when its host never sends its result, the grace after the run\'s end once passed', async () => {
    const threads = createThreadShardHost(2);
    // Shard 1's host relays its messages but swallows its result, like an agent whose machine vanished after its last word.
    const host: ShardHost = {
      host: 'vanishing',
      runShard(task, onMessage) {
        const shard = threads.runShard(task, onMessage);
        return task.shardIndex === 1 ? { send: shard.send, result: new Promise<never>(() => {}) } : shard;
      },
    };
    try {
      const profile = parseProfile(['name: vanish-test', 'peers: 8', 'durationS: 4', 'workers: 2', 'seed: 4', 'neo: { groupSize: 4, roundMs: 100 }', ''].join('\n'), 'vanish-test.yaml');
      const { report, events, handlerErrors } = await runScenario(profile, {}, { agents: [host, host], agentResultGraceMs: 2000 });
      expect(handlerErrors).toEqual([]);
      const lost = (report.harness.shards ?? []).filter((s) => s.lost !== undefined);
      expect(lost.map((s) => [s.shard, s.lost])).toEqual([[1, "no result 2 s after the run's end"]]);
      expect(events.filter((e) => e.type === 'shard-lost').map((e) => e.shard)).toEqual([1]);
      expect(report.neo?.updates.accepted).toBeGreaterThan(0);
    } finally {
      await threads.destroy();
    }
  }, 120_000);
});
