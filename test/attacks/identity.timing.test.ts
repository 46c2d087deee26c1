import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAttackLedger, type AttackKind } from '../../src/attacks/index.js';
import {
  GameKeyType,
  KeyCertificateType,
  authorityCertificateSource,
  createIdentityVerifier,
  createPaymentIssuer,
  encodeNeoEquivocationProof,
  installAuthClient,
  signCertificate,
  startAuthority,
  type AuthClient,
  type GameKey,
  type KeyCertificate,
} from '../../src/auth/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { createFounder, createJoiner, type GroupConfig, type GroupMember, type GroupMemberDeps } from '../../src/groups/index.js';
import { NeoRoundContent, installNeo, roundSigningBytes, type NeoRoundContentValue } from '../../src/neo/index.js';
import { createDeferredShaper, createLinkShaper } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { ManualClock, systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { encodeWith } from '../../src/wire/index.js';
import { hex } from './support.js';

const ed = createEd25519('native');
const TTL = 60_000;

function signed(signer: { sign(m: Uint8Array): Uint8Array }, update: number) {
  const content: NeoRoundContentValue = { session: new Uint8Array(16), view: 1, round: 3, sender: 0, update: new Uint8Array([update]), reveal: null, votes: null, stateHash: null, proposal: null };
  const bytes = encodeWith(NeoRoundContent, content);
  return { content: bytes, signature: signer.sign(roundSigningBytes(bytes)) };
}

/**
 * Forged, expired and banned identities try to join a running group on real UDP; every founder
 * checks joiners with an identity verifier backed by a real authority (temp SQLite). Each is
 * refused and counted by verdict; an honest joiner is admitted.
 */
describe('forged, expired and banned certificates at the group door', () => {
  it('refuses each bad identity, admits the honest joiner, and counts both', async () => {
    const clock = systemClock;
    const wall = new ManualClock(Date.now());
    const scheduler = createTimerQueue({ clock });
    const deferred = createDeferredShaper();
    const root = createRng('identity-attacks');
    const ledger = createAttackLedger();
    const issuer = createPaymentIssuer(root.fork('issuer').bytes(32), { ed25519: ed, wallClock: wall });
    const authority = await startAuthority(
      { dbPath: join(mkdtempSync(join(tmpdir(), 'p2p-mmog-identity-')), 'authority.db'), gameKeyTtlMs: TTL, paymentIssuerKey: issuer.publicKey },
      { identitySeed: root.fork('authority').bytes(32), ed25519: ed, wallClock: wall },
    );
    const peers: PeerNode[] = [];
    const clients: AuthClient[] = [];
    const creds: ({ keyCertificate: KeyCertificate; gameKey: GameKey } | undefined)[] = [];
    // 0–3 founders, 4 expired, 5 banned, 6 forged, 7 an honest joiner.
    for (let i = 0; i < 8; i++) {
      const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: root.fork(`id:${i}`).bytes(32), ed25519: ed, clock, shaping: { shaper: deferred.shaper, scheduler } });
      peers.push(peer);
      clients.push(installAuthClient(peer.transport, { authority: { endpoint: authority.local, publicKey: authority.publicKey }, timeoutMs: 300, attempts: 10 }, { ed25519: ed }));
    }
    const register = async (i: number) => {
      const r = await clients[i]!.register(`player-${i}`, issuer.issue({ amount: 100, planMs: 30 * 86_400_000 }));
      if (!r.ok) throw new Error(`registration ${i}: ${r.reason}`);
      creds[i] = { keyCertificate: r.keyCertificate, gameKey: r.gameKey };
    };
    // The expired player registered a game-key lifetime ago and never renewed.
    await register(4);
    wall.advance(TTL + 1_000);
    for (const i of [0, 1, 2, 3, 5, 7]) await register(i);
    // The banned player was caught equivocating earlier.
    const proof = encodeNeoEquivocationProof(creds[5]!.keyCertificate, signed(peers[5]!.signer, 1), signed(peers[5]!.signer, 2));
    expect((await clients[0]!.submitProof(proof)).ok).toBe(true);
    // The forger certifies itself with a key that is not the authority's.
    const fake = ed.createSigner(root.fork('fake-authority').bytes(32));
    creds[6] = {
      keyCertificate: signCertificate(KeyCertificateType, fake, { playerId: 999n, publicKey: peers[6]!.publicKey }),
      gameKey: signCertificate(GameKeyType, fake, { playerId: 999n, expiresAtMs: BigInt(Math.floor(wall.nowMs() + TTL)) }),
    };
    deferred.attach(createLinkShaper({ default: { delay: { kind: 'uniform', minMs: 5, maxMs: 15 } } }, { rng: root.fork('links'), clock }));

    const config: GroupConfig = { seats: 6, gameSeed: 'identity', neo: { roundMs: 50, lastRound: 70, stateHashEvery: 5, maxWaitRounds: 3 }, authorityPublicKey: authority.publicKey };
    const deps = (i: number): GroupMemberDeps => ({
      peer: peers[i]!,
      neo: installNeo(peers[i]!.transport),
      clock,
      scheduler,
      botRng: root.fork(`bot:${i}`),
      onDecided: ledger.observer(peers[i]!.publicKey),
      identity: createIdentityVerifier({ authorityPublicKey: authority.publicKey, cacheTtlMs: 10_000 }, { clock: wall, ed25519: ed, source: authorityCertificateSource(clients[i]!) }),
      onJoinRefused: (key, verdict) => ledger.joinRefused(peers[i]!.publicKey, key, verdict),
      ...(creds[i] ? { credentials: creds[i] } : {}),
    });
    const sessionId = root.fork('session').bytes(16);
    const view = { sessionId, number: 1, startRound: 0, members: [0, 1, 2, 3].map((i) => ({ publicKey: peers[i]!.publicKey, endpoint: peers[i]!.transport.local, seat: i })) };
    const founders: GroupMember[] = [0, 1, 2, 3].map((i) => createFounder(view, config, deps(i)));
    const startMs = clock.nowMs() + 150;
    for (const m of founders) m.begin(startMs);
    await new Promise((r) => setTimeout(r, 600));
    const contacts = () => [0, 1, 2, 3].map((i) => peers[i]!.transport.local);
    const kinds: Record<number, AttackKind> = { 4: 'expired-certificate', 5: 'banned-certificate', 6: 'forged-certificate' };
    const joiners = [4, 5, 6, 7].map((i) => {
      if (kinds[i]) ledger.joinAttempt(kinds[i] as AttackKind, peers[i]!.publicKey);
      return createJoiner(sessionId, contacts, config, deps(i));
    });
    await Promise.all(founders.map((m) => m.done));
    for (const j of joiners.slice(0, 3)) j.crash();
    await joiners[3]!.done;
    scheduler.close();
    for (const c of clients) c.close();
    await Promise.all(peers.map((p) => p.close()));
    await authority.close();

    const summary = ledger.summary();
    for (const k of summary.kinds) console.log(`attack ${k.kind}: attempts ${k.attempts}, prevented ${k.prevented}, detected ${k.detected}, falsePositives ${k.falsePositives}`);
    for (const kind of ['expired-certificate', 'banned-certificate', 'forged-certificate'] as const) {
      const k = summary.kinds.find((x) => x.kind === kind)!;
      expect(k).toMatchObject({ attempts: 1, prevented: 1, detected: 1, falsePositives: 0 });
    }
    const refused = founders.map((m) => m.counters());
    expect(refused.some((c) => c.joinsRefusedExpired > 0)).toBe(true);
    expect(refused.some((c) => c.joinsRefusedBanned > 0)).toBe(true);
    expect(refused.some((c) => c.joinsRefusedForged > 0)).toBe(true);
    // The honest joiner got in and plays with the same state as everyone.
    const honest = [...founders, joiners[3]!];
    for (const m of honest) expect(m.state).toBe('finished');
    expect(joiners[3]!.view!.members.map((s) => hex(s.publicKey))).toContain(hex(peers[7]!.publicKey));
    expect(new Set(honest.map((m) => hex(m.game!.stateHash()))).size).toBe(1);
    expect(summary.honestDivergentRounds).toBe(0);
  }, 40_000);
});
