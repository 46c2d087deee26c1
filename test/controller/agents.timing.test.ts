import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/controller/agent.js';
import { listenForAgents } from '../../src/controller/agents.js';
import { runScenario, type RunOutcome } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { waitUntil } from '../support/peers.js';

const secret = new TextEncoder().encode('agents-test-secret');

/** The run event that names the schedule: the same seed gives the same digest wherever the shards run. */
const runEvent = (o: RunOutcome) => o.events.find((e) => e.type === 'run') as { scheduleDigest: string; peers: number; groups: number; workers: number } | undefined;

/**
 * Agents over real TCP (docs/agents.md): two agents in this process connect to the controller's
 * listener, prove the shared secret, and host one shard each on worker threads of their own, their
 * players on real UDP; the run's report matches the same profile run on the controller's own
 * threads in its contract paths. A stranger with another secret and one speaking another protocol
 * are refused and counted.
 */
describe('agents', () => {
  it('refuses strangers, hosts the run\'s shards on two agents, and reports what a local run of the same profile reports', async () => {
    const listener = await listenForAgents({ host: '127.0.0.1', port: 0, secret, handshakeTimeoutMs: 2000 });
    const controller = { host: '127.0.0.1', port: listener.port };
    try {
      const stranger = await runAgent({ controller, secret: new TextEncoder().encode('not the secret') });
      expect(stranger).toEqual({ shards: 0, failed: 0, ended: 'refused' });
      const garbage = connect(listener.port, '127.0.0.1', () => garbage.write(Buffer.from('GET /metrics HTTP/1.1\r\n\r\n')));
      garbage.on('error', () => {});
      await waitUntil(() => listener.refused() === 2, 'the two strangers refused');

      const agents = [runAgent({ controller, secret }), runAgent({ controller, secret })];
      const connections = await listener.waitFor(2, 10_000);
      expect(connections.map((c) => c.host)).toEqual(['127.0.0.1', '127.0.0.1']);

      const profile = parseProfile(['name: agents-test', 'peers: 12', 'durationS: 3', 'workers: 2', 'seed: 9', 'neo: { groupSize: 6, roundMs: 100 }', 'links:', '  default: { delay: { kind: uniform, minMs: 2, maxMs: 6 } }', ''].join('\n'), 'agents-test.yaml');
      const remote = await runScenario(profile, {}, { agents: connections });
      for (const c of connections) c.close();
      const outcomes = await Promise.all(agents);
      expect(outcomes).toEqual([
        { shards: 1, failed: 0, ended: 'bye' },
        { shards: 1, failed: 0, ended: 'bye' },
      ]);
      const local = await runScenario(profile);

      expect(remote.handlerErrors).toEqual([]);
      expect(runEvent(remote)).toEqual(runEvent(local));
      for (const o of [remote, local]) {
        expect(o.report.peers).toMatchObject({ target: 12, peak: 12 });
        expect(o.report.workers).toBe(2);
        expect(o.report.neo?.groups).toBe(2);
        expect(o.report.neo?.updates.accepted).toBeGreaterThan(0);
        expect(o.report.neo?.stateHashMismatches).toBe(0);
        expect(o.report.neo?.playoutLatencyMs.count).toBeGreaterThan(0);
      }
      expect(listener.refused()).toBe(2);
    } finally {
      await listener.close();
    }
  }, 90_000);
});
