import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/controller/agent.js';
import { listenForAgents } from '../../src/controller/agents.js';
import { runScenario, type RunOutcome } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { ensureBuilt, spawnCli } from '../support/built-cli.js';
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
      // Both agents on this machine: one host, both shards, its health from their own figures.
      expect(remote.report.harness.hosts?.map((h) => [h.host, [...h.shards].sort()])).toEqual([['127.0.0.1', [0, 1]]]);
      expect(local.report.harness.hosts?.map((h) => h.host)).toEqual(['local']);
    } finally {
      await listener.close();
    }
  }, 90_000);

  it('ends with a report when an agent dies mid-run: its shard is lost, its players count as crashed', async () => {
    ensureBuilt();
    const listener = await listenForAgents({ host: '127.0.0.1', port: 0, secret });
    const agents = [0, 1].map(() => spawnCli(['agent', '--controller', `127.0.0.1:${listener.port}`, '--secret', 'agents-test-secret', '--metrics-port', '0']));
    try {
      const connections = await listener.waitFor(2, 20_000);
      const profile = parseProfile(['name: agents-death', 'peers: 12', 'durationS: 6', 'workers: 2', 'seed: 9', 'neo: { groupSize: 6, roundMs: 100 }', ''].join('\n'), 'agents-death.yaml');
      let killed = false;
      // The surviving agent's own metrics endpoint, scraped while it hosts its shard.
      const survivorUrl = /agent: metrics at (\S+)/.exec(agents[1]?.output.stdout ?? '')?.[1];
      expect(survivorUrl).toBeDefined();
      const scrapes: Promise<string>[] = [];
      const outcome = await runScenario(
        profile,
        {
          onSnapshot: (snapshot) => {
            if (snapshot.elapsedS < 2 || killed) return;
            killed = true;
            agents[0]?.child.kill('SIGKILL');
            scrapes.push(fetch(survivorUrl as string).then((r) => r.text()));
          },
        },
        { agents: connections },
      );
      const agentMetrics = await (scrapes[0] as Promise<string>);
      expect(agentMetrics).toMatch(/^p2pmmog_agent_shard_peers_alive\{shard="\d"\} 6$/m);
      expect(agentMetrics).toMatch(/^p2pmmog_agent_shard_neo_updates_accepted_total\{shard="\d"\} [1-9]/m);
      expect(agentMetrics).toMatch(/^p2pmmog_agent_process_cpu_seconds_total /m);
      expect(killed).toBe(true);
      expect(await agents[0]?.exited).toBe('SIGKILL');
      const shards = outcome.report.harness.shards ?? [];
      const lost = shards.filter((sh) => sh.lost !== undefined);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.lost).toMatch(/disconnected/);
      expect(outcome.events.filter((e) => e.type === 'shard-lost')).toHaveLength(1);
      // The other agent's shard played on to the end; the report has both shards' figures up to the death.
      expect(outcome.report.neo?.updates.accepted).toBeGreaterThan(0);
      expect(outcome.report.neo?.playoutLatencyMs.count).toBeGreaterThan(0);
      expect(outcome.handlerErrors).toEqual([]);
      for (const c of connections) c.close();
      expect(await agents[1]?.exited).toBe(0);
    } finally {
      for (const a of agents) a.child.kill('SIGKILL');
      await listener.close();
    }
  }, 90_000);
});
