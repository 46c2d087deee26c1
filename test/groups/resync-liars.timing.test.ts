import { describe, expect, it } from 'vitest';
import { createEd25519 } from '../../src/crypto/index.js';
import { decodeState, encodeState } from '../../src/game/index.js';
import { createFounder, GroupResyncState, RESYNC_MAX_ASKS, type GroupConfig, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createDeferredShaper, createLinkShaper, wrapTransport, type Transport } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import type { MessageSpec } from '../../src/wire/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The member's own transport, except that every game state it sends for a resync is altered (one member moved one tile). */
function lyingTransport(inner: Transport): Transport {
  return wrapTransport(inner, {
    send<T>(to: Parameters<Transport['send']>[0], spec: MessageSpec<T>, body: T): void {
      if ((spec as MessageSpec<unknown>) !== GroupResyncState) return inner.send(to, spec, body);
      const b = body as { session: Uint8Array; round: number; state: Uint8Array };
      const s = decodeState(b.state);
      const members = s.members.map((m, i) => (i === 0 ? { ...m, x: m.x === 0 ? 1 : m.x - 1 } : m));
      inner.send(to, GroupResyncState, { ...b, state: encodeState({ ...s, members }) });
    },
  });
}

/**
 * Five founders on real UDP; member 4 plays with another game seed, so its state differs from the
 * group's from round 0 while NEO's accepted sets agree — a divergence without a stall. `liars`
 * answer resync fetches with a state that is well formed, of the right round, and wrong.
 */
async function run(name: string, liars: readonly number[]) {
  const clock = systemClock;
  const ed25519 = createEd25519('native');
  const scheduler = createTimerQueue({ clock });
  const deferred = createDeferredShaper();
  const root = createRng(`resync-liars:${name}`);
  const peers: PeerNode[] = [];
  for (let i = 0; i < 5; i++) peers.push(await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: root.fork(`id:${i}`).bytes(32), ed25519, clock, shaping: { shaper: deferred.shaper, scheduler } }));
  deferred.attach(createLinkShaper({ default: { delay: { kind: 'uniform', minMs: 5, maxMs: 15 } } }, { rng: root.fork('links'), clock }));
  const h = 5;
  const config: GroupConfig = { seats: 5, gameSeed: 'group', neo: { roundMs: 100, lastRound: 60, stateHashEvery: h } };
  const view = { sessionId: root.fork('session').bytes(16), number: 1, startRound: 0, members: peers.map((p, seat) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat })) };
  const members: GroupMember[] = peers.map((peer, i) =>
    createFounder(view, i === 4 ? { ...config, gameSeed: 'elsewhere' } : config, {
      peer: liars.includes(i) ? { ...peer, transport: lyingTransport(peer.transport) } : peer,
      neo: installNeo(peer.transport),
      clock,
      scheduler,
      botRng: root.fork(`bot:${i}`),
    }),
  );
  const startMs = clock.nowMs() + 200;
  for (const m of members) m.begin(startMs);
  await Promise.all(members.map((m) => m.done));
  await new Promise((r) => setTimeout(r, 100));
  scheduler.close();
  await Promise.all(peers.map((p) => p.close()));
  return { members, h };
}

/** A run, and the divergent member 4's counters (logged). */
async function runDivergent(name: string, liars: readonly number[]) {
  const { members } = await run(name, liars);
  const d = members[4] as GroupMember;
  const group = d.counters();
  const neo = d.neoCounters();
  console.log(`resync ${name}: ${JSON.stringify({ divergencesDetected: group.divergencesDetected, fetches: group.resyncFetchesSent, refused: group.resyncStatesRefused, resyncs: neo.resyncs, failures: neo.resyncFailures })}`);
  return { members, d, group, neo };
}

describe('resynchronisation: only the majority hash is restored, and the asking is bounded', () => {
  it('every member of the majority answering with a wrong state: refused, given up after RESYNC_MAX_ASKS, retried at later checkpoints, never adopted', async () => {
    const { members, d, group, neo } = await runDivergent('all-lie', [0, 1, 2, 3]);
    expect(neo.resyncs).toBe(0);
    // Retried at later checkpoints, each detection asking RESYNC_MAX_ASKS members and giving up.
    expect(neo.resyncFailures).toBeGreaterThanOrEqual(2);
    expect(group.divergencesDetected).toBeGreaterThanOrEqual(neo.resyncFailures);
    expect(group.divergencesDetected - neo.resyncFailures).toBeLessThanOrEqual(1);
    expect(group.resyncFetchesSent).toBeLessThanOrEqual(group.divergencesDetected * RESYNC_MAX_ASKS);
    expect(group.resyncFetchesSent).toBeGreaterThanOrEqual(neo.resyncFailures * RESYNC_MAX_ASKS);
    expect(group.resyncStatesRefused).toBeGreaterThanOrEqual(neo.resyncFailures * RESYNC_MAX_ASKS);
    // Never adopted: it still plays its own game, while the honest majority agrees and never resynced.
    const majority = new Set(members.slice(0, 4).map((m) => hex(m.game!.stateHash())));
    expect(majority.size).toBe(1);
    expect(majority.has(hex(d.game!.stateHash()))).toBe(false);
    for (const m of members.slice(0, 4)) expect(m.neoCounters().resyncs).toBe(0);
  }, 60_000);

  it('one honest member of the majority among liars: the wrong states are refused and the right one heals the replica', async () => {
    const { members, group, neo } = await runDivergent('one-honest', [1, 2, 3]);
    expect(neo.resyncs).toBe(1);
    // The rotation's start moves with the checkpoint's round ((me + round) mod holders), so a window
    // of three reaches the honest member within two detections at consecutive checkpoints; a loaded
    // machine can skip a checkpoint between two detections and land on the same window again (seen
    // in CI: 3 detections, 2 failures). Every detection but the last failed, and the last healed.
    expect(neo.resyncFailures).toBe(group.divergencesDetected - 1);
    expect(group.divergencesDetected).toBeLessThanOrEqual(4);
    expect(group.resyncStatesRefused).toBe(group.resyncFetchesSent - 1);
    expect(new Set(members.map((m) => hex(m.game!.stateHash()))).size).toBe(1);
  }, 60_000);
});
