import { describe, expect, it } from 'vitest';
import { computeSubMetrics, select, standardSelectors, thresholdSelectorProblem, thresholdSelectors, whoSuffers, type Placement, type TaggedSource } from '../../src/controller/sub-metrics.js';
import { createTaggedLatency } from '../../src/metrics/index.js';
import { parseTagSelector } from '../../src/report/index.js';
import { createTagSpace } from '../../src/scenario/tags.js';

// Two groups of four on two shards; peer 3 is slow, peer 5 an attacker.
const tags = createTagSpace({ slow: [3] }, [5]);
const place: Placement = { groups: 2, shards: 2, shardOfGroup: (g) => g };
const groupOf = (peer: number) => Math.floor(peer / 4);

function neoSource(): TaggedSource {
  const latency = createTaggedLatency({ maxPairs: 16 });
  for (let receiver = 0; receiver < 8; receiver++) {
    for (let sender = 0; sender < 8; sender++) {
      if (sender === receiver || groupOf(sender) !== groupOf(receiver)) continue;
      // The slow peer's view is late; everyone else's is 100 ms plus the sender's index.
      const ms = receiver === 3 ? 300 : 100 + sender;
      latency.record(ms, groupOf(receiver), tags.maskOf(sender), tags.maskOf(receiver), receiver);
    }
  }
  return { metric: 'neo.playoutLatencyMs', latency, hasSender: true };
}

describe('sub-metrics', () => {
  const neo = neoSource();
  const pick = (selector: string) => select(neo, tags, place, parseTagSelector(selector));

  it('selects by group and shard, negation included', () => {
    expect(pick('group:0')?.count).toBe(12);
    expect(pick('group:!0')?.count).toBe(12);
    expect(pick('shard:1')?.summary().max).toBe(107);
    expect(pick('group:0,shard:1')?.count).toBe(0);
  });

  it('selects by the sender and receiver tags, roles and named ones, negation and conjunction included', () => {
    expect(pick('receiver:slow')?.summary()).toMatchObject({ count: 3, p50: 300, max: 300 });
    expect(pick('receiver:!slow')?.summary().max).toBe(107);
    expect(pick('sender:attacker')?.count).toBe(3);
    expect(pick('receiver:honest')?.count).toBe(21);
    expect(pick('sender:!attacker,receiver:!slow')?.count).toBe(24 - 3 - 3);
    expect(pick('receiver:nosuch')).toBeNull();
  });

  it('gives lockstep, which has no sender, no sender selection', () => {
    expect(select({ ...neo, metric: 'lockstep.turnLatencyMs', hasSender: false }, tags, place, parseTagSelector('sender:honest'))).toBeNull();
    expect(select({ ...neo, metric: 'lockstep.turnLatencyMs', hasSender: false }, tags, place, parseTagSelector('receiver:slow'))?.count).toBe(3);
  });

  it('writes the standard selectors and those the thresholds name, and leaves out the empty ones', () => {
    const extra = thresholdSelectors(['neo.playoutLatencyMs{sender:!slow,receiver:!slow}.p99 <= 220', 'neo.updates.dropped < 3']);
    expect(extra).toEqual([{ metric: 'neo.playoutLatencyMs', filters: parseTagSelector('sender:!slow,receiver:!slow') }]);
    const sub = computeSubMetrics([neo], tags, place, standardSelectors(tags, place, true), extra);
    expect(Object.keys(sub).sort()).toEqual(
      [
        'group:0',
        'group:1',
        'shard:0',
        'shard:1',
        'sender:honest',
        'sender:attacker',
        'sender:slow',
        'sender:!slow',
        'receiver:honest',
        'receiver:attacker',
        'receiver:slow',
        'receiver:!slow',
        'sender:!slow,receiver:!slow',
      ]
        .map((s) => `neo.playoutLatencyMs{${s}}`)
        .sort(),
    );
    expect(sub['neo.playoutLatencyMs{receiver:slow}']?.p99).toBe(300);
    // Without attackers and with nothing played by one side, those selectors are absent.
    const calm = computeSubMetrics([neo], tags, place, standardSelectors(tags, place, false), []);
    expect(calm['neo.playoutLatencyMs{sender:attacker}']).toBeUndefined();
  });

  it('names the worst groups and receivers, with their tags', () => {
    const worst = whoSuffers(neo.latency, tags, place, groupOf);
    expect(worst.groups[0]).toMatchObject({ group: 0, shard: 0, p99: 300 });
    expect(worst.peers[0]).toMatchObject({ peer: 3, group: 0, shard: 0, tags: ['honest', 'slow'], count: 3, p99: 300 });
    expect(worst.peers.map((p) => p.p99)).toEqual([...worst.peers.map((p) => p.p99)].sort((a, b) => b - a));
    expect(worst.peers.find((p) => p.peer === 5)?.tags).toEqual(['attacker']);
  });

  it('says why a threshold cannot match this run', () => {
    expect(thresholdSelectorProblem('neo.playoutLatencyMs{receiver:slow}.p99 < 3', tags, 2, 2)).toBeNull();
    expect(thresholdSelectorProblem('neo.playoutLatencyMs{receiver:fast}.p99 < 3', tags, 2, 2)).toMatch(/unknown tag "fast"/);
    expect(thresholdSelectorProblem('neo.playoutLatencyMs{group:2}.p99 < 3', tags, 2, 2)).toMatch(/2 groups/);
    expect(thresholdSelectorProblem('neo.playoutLatencyMs{shard:5}.p99 < 3', tags, 2, 2)).toMatch(/2 shards/);
    expect(thresholdSelectorProblem('a.b < 2 * lockstep.turnLatencyMs{sender:slow}.p99', tags, 2, 2)).toMatch(/no sender/);
    expect(thresholdSelectorProblem('lockstep.turnLatencyMs{group:1}.p99 < 3', tags, 2, 2)).toMatch(/group 0's players/);
    expect(thresholdSelectorProblem('clientServer.latencyMs{group:0}.p99 < 3', tags, 2, 2)).toBeNull();
    expect(thresholdSelectorProblem('dht.lookupLatencyMs{group:0}.p99 < 3', tags, 2, 2)).toMatch(/^dht\.lookupLatencyMs has no sub-metrics \(tag selectors apply to neo\.playoutLatencyMs, lockstep\.turnLatencyMs, clientServer\.latencyMs\)/);
  });
});
