import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import { createGame, encodeUpdate, type Game, type GameEffect, type RoundUpdate } from '../../src/game/index.js';
import { GroupResyncFetch, GroupResyncState } from '../../src/groups/messages.js';
import { RESYNC_GROUP_COUNTERS, Resync, type ResyncOutcome, type ResyncView } from '../../src/groups/resync.js';
import { createRng } from '../../src/random/index.js';
import { startSeededPeers, waitUntil } from '../support/peers.js';

/**
 * A replica that heals replays the effects its log recorded with each round (docs/groups.md,
 * "Votes"): two replicas on real UDP play the same rounds, both apply voted effects at rounds 3 and
 * 7, but one of them missed the effects of round 4 (its game split there). At the round-5 checkpoint
 * the majority (the other replica and a third member's report) holds another hash; the split replica
 * fetches the round-5 state and replays rounds 6 to 9 from its log. It ends on the majority's hash
 * only if the replay applied round 7's effects too.
 */
describe('resync with voted effects', () => {
  it('replays the effects recorded after the fetched round and agrees with the majority', async () => {
    const root = createRng('resync-effects');
    const population = await startSeededPeers(root, 2);
    const { peers, clock, scheduler } = population;
    const view: ResyncView = { sessionId: root.fork('session').bytes(16), number: 1, members: [...peers.map((p) => ({ publicKey: p.publicKey, endpoint: p.transport.local })), { publicKey: root.fork('third').bytes(32), endpoint: { host: '127.0.0.1', port: 9 } }] };
    const newGame = () => createGame({ members: 3, seed: 'resync-effects', worldSize: 64, chests: 0 });
    const games: Game[] = [newGame(), newGame()];
    const healed: ResyncOutcome[] = [];
    const resyncs = peers.map(
      (peer, i) =>
        new Resync(
          { stateHashEvery: 5, seats: 3 },
          {
            transport: peer.transport,
            clock,
            scheduler,
            publicKey: peer.publicKey,
            counters: Object.fromEntries(RESYNC_GROUP_COUNTERS.map((k) => [k, 0])) as never,
            game: () => games[i] as Game,
            adopt: (game) => void (games[i] = game),
            view: () => view,
            roundMs: () => 50,
            roundNow: () => 10,
            onResync: (o) => healed.push(o),
          },
        ),
    );
    const [healthy, split] = resyncs as [Resync, Resync];
    peers[0]?.transport.handle(GroupResyncFetch, (m) => healthy.answer(m));
    peers[1]?.transport.handle(GroupResyncState, (m) => split.receive(m));

    const updates = (round: number): RoundUpdate[] => [0, 1, 2].map((member) => ({ member, payload: encodeUpdate({ dx: (round + member) % 3 - 1, dy: 1, action: { kind: 'none' } }) }));
    const voted = new Map<number, GameEffect[]>([
      [3, [{ kind: 'reward', seat: 1, amount: 50 }]],
      [4, [{ kind: 'hurt', seat: 0, amount: 17 }]],
      [7, [{ kind: 'hurt', seat: 2, amount: 33 }, { kind: 'reward', seat: 0, amount: 9 }]],
    ]);
    const atCheckpoint: string[] = [];
    for (let round = 0; round <= 9; round++) {
      games.forEach((game, i) => {
        // The split replica missed round 4's vote: its game no longer matches from there on.
        const effects = i === 1 && round === 4 ? [] : (voted.get(round) ?? []);
        game.applyRound(round, updates(round));
        game.applyEffects(effects);
        const resync = resyncs[i] as Resync;
        resync.record(round, updates(round), effects);
        resync.played(view, round, toHex(game.stateHash()));
        if (round === 5) {
          atCheckpoint[i] = toHex(game.stateHash());
          resync.report(view, i, i, 5, atCheckpoint[i]);
        }
      });
    }
    const majority = toHex((games[0] as Game).stateHash());
    expect(toHex((games[1] as Game).stateHash())).not.toBe(majority);

    const checkpoint = atCheckpoint[0] as string;
    split.report(view, 1, 0, 5, checkpoint);
    split.report(view, 1, 2, 5, checkpoint);
    await waitUntil(() => healed.length > 0, 'the split replica to heal');
    expect(healed[0]).toMatchObject({ round: 5, replayed: 4 });
    expect(toHex((games[1] as Game).stateHash())).toBe(majority);
    expect((games[1] as Game).snapshot().members.map((m) => [m.hp, m.gold])).toEqual([[83, 9], [100, 50], [67, 0]]);
    await population.close();
  }, 20_000);
});
