import { describe, expect, it } from 'vitest';
import {
  encodeStepResult,
  installComputeService,
  isOutcomeVote,
  judgeOutcome,
  outcomeVote,
  outcomeVoteRound,
  tallyOutcomeVotes,
  type ComputeOutcomeBody,
  type ComputeService,
  type Monster,
} from '../../src/compute/index.js';
import { createEd25519, equalBytes } from '../../src/crypto/index.js';
import type { GameEffect } from '../../src/game/index.js';
import { createFounder, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createRng } from '../../src/random/index.js';
import { startSeededPeers, waitUntil } from '../support/peers.js';

const ed = createEd25519('native');
const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => ed.verify(s, m, k);

/**
 * A step's outcome voted into the group's game over real UDP (docs/compute.md, "Outcomes in the
 * game"): five members play NEO rounds; two players outside the group execute a monster step; the
 * coordinator (member 0) announces the agreed result, every member checks it and votes in the round
 * the draw's state gives, and every replica applies the same effects at that round. A member that
 * votes alone for a reward of its own, an outcome sent by a player outside the group, and the real
 * outcome sent again for another round change nothing.
 */
describe('outcomes in the game', () => {
  it('applies the effects of an agreed step at the round named in every replica, and nothing a lone member or a stranger asks for', async () => {
    const root = createRng('outcome-test');
    const population = await startSeededPeers(root, 7, { delay: { kind: 'uniform', minMs: 2, maxMs: 8 } });
    const { peers, clock, scheduler } = population;
    const group = peers.slice(0, 5);
    const executors = peers.slice(5);
    const r = 2;
    const config = { seats: 6, gameSeed: 'outcomes', worldSize: 64, neo: { roundMs: 50, lastRound: 160, stateHashEvery: 5, maxWaitRounds: 4 }, evictAfterRounds: 20 };
    const view = { sessionId: root.fork('session').bytes(16), number: 1, startRound: 0, members: group.map((p, i) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat: i })) };
    // What every replica's tally decided, by round.
    const decided: Map<number, readonly GameEffect[]>[] = group.map(() => new Map());
    // Every member knows the two executors as the candidates of the draw (the harness: its shard's players).
    const draws = (executor: Uint8Array) => executors.some((p) => equalBytes(p.publicKey, executor));
    const judging = (member: GroupMember) => ({ r, seats: config.seats, roundMs: config.neo.roundMs, verify, stateHashAt: (round: number) => member.playedHashAt(round), drawn: draws });
    const refused: string[] = [];
    let members: GroupMember[] = [];
    const services: ComputeService[] = peers.map((peer, i) =>
      installComputeService(
        {},
        {
          transport: peer.transport,
          signer: peer.signer,
          verify,
          scheduler,
          clock,
          onOutcome: (outcome, from) => {
            const member = members[i];
            if (!member?.view || !member.view.members.some((s) => equalBytes(s.publicKey, from))) return void refused.push(`stranger to ${i}`);
            const judged = judgeOutcome(outcome, judging(member));
            if (judged.ok) member.voteAt(outcome.round, judged.vote);
            else refused.push(judged.reason);
          },
        },
      ),
    );
    members = group.map((peer, i) =>
      createFounder(view, config, {
        peer,
        neo: installNeo(peer.transport),
        clock,
        scheduler,
        botRng: root.fork(`bot:${i}`),
        votes: {
          isVote: isOutcomeVote,
          decide: (votes, context) => {
            const effects = tallyOutcomeVotes(votes, context.members, context.seats);
            if (votes.length > 0) (decided[i] as Map<number, readonly GameEffect[]>).set(context.round, effects);
            return effects;
          },
        },
      }),
    );
    const coordinator = members[0] as GroupMember;
    const startMs = clock.nowMs() + 100;
    for (const m of members) m.begin(startMs);
    await waitUntil(() => (coordinator.game?.lastRound ?? -1) >= 20, 'round 20');

    // The coordinator's step: a weak monster beside seat 1 (which strikes it dead), a strong one beside seat 3 (which bites).
    const game = coordinator.game as NonNullable<GroupMember['game']>;
    const stateRound = game.lastRound;
    const snapshot = game.snapshot();
    const at = (seat: number) => snapshot.members[seat] as { x: number; y: number };
    const monsters: Monster[] = [
      { id: 0, x: at(1).x, y: at(1).y, hp: 5, treasure: 250 },
      { id: 1, x: at(3).x, y: at(3).y, hp: 60, treasure: 10 },
    ];
    const inputs = { seed: 'outcome-test/area', monsters, inputs: { epoch: 4, players: [1, 3].map((seat) => ({ seat, ...at(seat), attacks: seat === 1 ? 1 : 0 })) } };
    const draw = { processId: new TextEncoder().encode('monsters/outcome-test'), epoch: 4, stateHash: game.stateHash() };
    const candidates = executors.map((p) => p.publicKey);
    const stepped = await (services[0] as ComputeService).compute({ draw, candidates, r, executors: executors.map((p) => ({ publicKey: p.publicKey, endpoint: p.transport.local })), inputs });
    expect(stepped.check.outcome).toBe('agreed');
    const taken = stepped.taken as NonNullable<typeof stepped.taken>;
    expect(taken.events.map((e) => [e.kind, e.seat])).toEqual([['drop', 1], ['bite', 3]]);
    const bite = (taken.events[1] as { amount: number }).amount;

    const round = outcomeVoteRound(stateRound, config.neo.roundMs);
    expect(coordinator.schedule()?.roundNow ?? round).toBeLessThan(round - 2);
    const outcome: ComputeOutcomeBody = {
      session: view.sessionId,
      round,
      stateRound,
      statement: (stepped.results[0] as (typeof stepped.results)[number]).statement,
      signers: stepped.results.map((res) => ({ executor: res.executor, signature: res.signature })),
      result: encodeStepResult(taken),
    };
    (services[0] as ComputeService).announce(outcome, group.slice(1).map((p) => p.transport.local));
    const own = judgeOutcome(outcome, judging(coordinator));
    expect(own.ok && coordinator.voteAt(round, own.vote)).toBe(true);

    // A member votes alone for gold of its own two rounds later; a stranger (an executor) announces the same outcome for a later round.
    const lone = members[4] as GroupMember;
    expect(lone.voteAt(round + 2, outcomeVote(draw.processId, 4, [{ kind: 'reward', seat: 4, amount: 60_000 }]))).toBe(true);
    (services[5] as ComputeService).announce({ ...outcome, round: round + 4 }, group.map((p) => p.transport.local));
    // A member announces the real outcome again for another round: the round is the draw's, not the announcer's.
    (services[2] as ComputeService).announce({ ...outcome, round: round + 6 }, group.map((p) => p.transport.local));

    await waitUntil(() => members.every((m) => (m.game?.lastRound ?? -1) >= round + 10), `round ${round + 10}`);
    const expected: GameEffect[] = [{ kind: 'reward', seat: 1, amount: 250 }, { kind: 'hurt', seat: 3, amount: bite }];
    for (const d of decided) {
      expect(d.get(round)).toEqual(expected);
      expect(d.get(round + 2)).toEqual([]);
      expect(d.has(round + 4)).toBe(false);
      expect(d.has(round + 6)).toBe(false);
      expect([...d.entries()].filter(([, e]) => e.length > 0).map(([n]) => n)).toEqual([round]);
    }
    expect(refused.filter((s) => s.startsWith('stranger')).length).toBe(5);
    expect(refused.filter((s) => s === 'round').length).toBe(5);
    // No chests in a world's groups: the reward is all the gold there is, in every replica alike.
    for (const m of members) expect((m.game as NonNullable<GroupMember['game']>).snapshot().members.map((s) => s.gold)).toEqual([0, 250, 0, 0, 0, 0]);
    expect(new Set(members.map((m) => m.playedHashAt(round + 5))).size).toBe(1);
    expect(members[0]?.playedHashAt(round + 5)).toBeDefined();
    for (const m of members) m.crash();
    await population.close();
  }, 30_000);
});
