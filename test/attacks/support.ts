import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAttackLedger, createAttackTransport, createCollusion, createSanctioner, type AttackLedger, type AttackSpec, type AttackTransport, type Sanctioner } from '../../src/attacks/index.js';
import { createPaymentIssuer, installAuthClient, startAuthority, type AuthClient } from '../../src/auth/index.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { createFounder, type GroupConfig, type GroupMember } from '../../src/groups/index.js';
import { installNeo } from '../../src/neo/index.js';
import { createDeferredShaper, createLinkShaper } from '../../src/net/index.js';
import { startPeerNode, type PeerNode } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ed = createEd25519('native');

export interface AttackRun {
  readonly members: readonly GroupMember[];
  readonly peers: readonly PeerNode[];
  readonly honest: readonly number[];
  readonly ledger: AttackLedger;
  readonly sanctioners: readonly (Sanctioner | null)[];
  readonly transports: readonly (AttackTransport | null)[];
  readonly authorityBans: number;
}

export interface AttackScenario {
  readonly name: string;
  /** Members of the group (≤ 8). */
  readonly size: number;
  /** Attacks per member index (absent: honest). */
  readonly attacks: Readonly<Record<number, readonly AttackSpec[]>>;
  readonly lastRound?: number;
  readonly roundMs?: number;
  /** With a real authority: players registered, honest members sanction what they catch. */
  readonly authority?: boolean;
}

/**
 * One group on real UDP (real sockets, real signatures, 5–15 ms links), founders only, some of
 * them attackers (an honest GroupMember over an attack transport). With `authority`, a real
 * authority on a temp SQLite file registers every player; honest members' evidence goes to it as
 * proofs and its bans come back as exclusions.
 */
export async function runAttack(s: AttackScenario): Promise<AttackRun> {
  const clock = systemClock;
  const scheduler = createTimerQueue({ clock });
  const deferred = createDeferredShaper();
  const root = createRng(`attack-test:${s.name}`);
  const ledger = createAttackLedger();
  const collusion = createCollusion();
  const issuer = createPaymentIssuer(root.fork('issuer').bytes(32), { ed25519: ed });
  const authority = s.authority
    ? await startAuthority({ dbPath: join(mkdtempSync(join(tmpdir(), 'p2p-mmog-attacks-')), 'authority.db'), gameKeyTtlMs: 3_600_000, paymentIssuerKey: issuer.publicKey }, { identitySeed: root.fork('authority').bytes(32), ed25519: ed })
    : null;
  const peers: PeerNode[] = [];
  const clients: AuthClient[] = [];
  for (let i = 0; i < s.size; i++) {
    const peer = await startPeerNode({ host: '127.0.0.1', port: 0 }, { identitySeed: root.fork(`id:${i}`).bytes(32), ed25519: ed, clock, shaping: { shaper: deferred.shaper, scheduler } });
    peers.push(peer);
    if (authority) {
      const client = installAuthClient(peer.transport, { authority: { endpoint: authority.local, publicKey: authority.publicKey }, timeoutMs: 300, attempts: 10 }, { ed25519: ed });
      const reg = await client.register(`player-${s.name}-${i}`, issuer.issue({ amount: 100, planMs: 30 * 86_400_000 }));
      if (!reg.ok) throw new Error(`registration failed: ${reg.reason}`);
      clients.push(client);
    }
  }
  deferred.attach(createLinkShaper({ default: { delay: { kind: 'uniform', minMs: 5, maxMs: 15 } } }, { rng: root.fork('links'), clock }));
  const roundMs = s.roundMs ?? 50;
  const lastRound = s.lastRound ?? 50;
  const config: GroupConfig = {
    seats: s.size,
    gameSeed: s.name,
    neo: { roundMs, lastRound, stateHashEvery: 5, maxWaitRounds: 3 },
    evictAfterRounds: 6,
    ...(authority ? { authorityPublicKey: authority.publicKey } : {}),
  };
  const sessionId = root.fork('session').bytes(16);
  const view = { sessionId, number: 1, startRound: 0, members: peers.map((p, i) => ({ publicKey: p.publicKey, endpoint: p.transport.local, seat: i })) };
  const transports: (AttackTransport | null)[] = [];
  const sanctioners: (Sanctioner | null)[] = [];
  const members = peers.map((peer, i) => {
    const specs = s.attacks[i];
    const transport = specs ? createAttackTransport(peer.transport, specs, { sign: (m) => peer.signer.sign(m), clock, scheduler, ledger, collusion }) : null;
    transports.push(transport);
    const client = clients[i];
    const sanctioner = !specs && client ? createSanctioner({ client, ledger }) : null;
    sanctioners.push(sanctioner);
    return createFounder(view, config, {
      peer,
      neo: installNeo(transport ?? peer.transport),
      clock,
      scheduler,
      botRng: root.fork(`bot:${i}`),
      onDecided: ledger.observer(peer.publicKey),
      ...(sanctioner ? { onEvidence: sanctioner.onEvidence } : {}),
    });
  });
  const startMs = clock.nowMs() + 150;
  for (const m of members) m.begin(startMs);
  await Promise.all(members.map((m) => m.done));
  // Let in-flight authority answers and gossip settle before closing sockets.
  await new Promise((r) => setTimeout(r, 100));
  const authorityBans = authority ? authority.counters().bans ?? 0 : 0;
  scheduler.close();
  for (const c of clients) c.close();
  await Promise.all(peers.map((p) => p.close()));
  await authority?.close();
  return { members, peers, honest: peers.map((_, i) => i).filter((i) => !s.attacks[i]), ledger, sanctioners, transports, authorityBans };
}

/** What every attack test asserts of the honest side: no divergence, nobody honest accused, identical final games. */
export function honestChecks(run: AttackRun): { finalHashes: Set<string>; summary: ReturnType<AttackLedger['summary']> } {
  const summary = run.ledger.summary();
  const finalHashes = new Set(run.honest.map((i) => hex((run.members[i] as GroupMember).game!.stateHash())));
  return { finalHashes, summary };
}

/** One line per kind for the test log (the figures docs/attacks.md quotes). */
export function logFigures(run: AttackRun): void {
  const s = run.ledger.summary();
  for (const k of s.kinds) {
    console.log(
      `attack ${k.kind}: attempts ${k.attempts}, prevented ${k.prevented}, detected ${k.detected}, proofsAccepted ${k.proofsAccepted}, bans ${k.bans}, exclusions ${k.exclusions}, falsePositives ${k.falsePositives}, detectionLatencyRounds ${JSON.stringify(k.detectionLatencyRounds)}, honestDivergentRounds ${s.honestDivergentRounds}/${s.honestRoundsCompared}`,
    );
  }
}
