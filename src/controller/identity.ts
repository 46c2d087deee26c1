import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PROOF_VERIFIERS } from '../peer/index.js';
import {
  BanType,
  GameKeyType,
  KeyCertificateType,
  PaymentTokenType,
  banRecord,
  createPaymentIssuer,
  encodeCertificate,
  keyCertificateMembership,
  signCertificate,
  startAuthority,
  systemWallClock,
  type Authority,
  type GameKey,
  type KeyCertificate,
} from '../auth/index.js';
import { createEd25519 } from '../crypto/index.js';
import { installDht, type DhtNode, type MembershipRefusal } from '../dht/index.js';
import { installCharacterServices, playerRecordPolicies, startPeerNode, type PeerNode } from '../peer/index.js';
import { createRng } from '../random/index.js';
import { systemClock } from '../time/clock.js';
import { createTimerQueue } from '../time/timer-queue.js';
import type { ShardTask } from './contract.js';

/**
 * What the controller runs for the players' identities (SPEC §9 "Controller and workers"): the
 * authority with a fresh SQLite file, the payment stand-in that pays every player's account, and
 * a few DHT bootstrap nodes. All on the main thread; everything derives from the profile seed.
 */
export interface IdentityInfrastructure {
  readonly task: ShardTask['identity'];
  readonly authority: Authority;
  readonly bootstrap: readonly DhtNode[];
  /**
   * Certificates for a player with a bad identity (profiles' identityAttacks): forged (signed by a
   * key that is not the authority's), expired (the authority's, run out) or banned (the
   * authority's, with a ban the controller publishes in the DHT as the authority would).
   */
  impostor(kind: 'forged-certificate' | 'expired-certificate' | 'banned-certificate', publicKey: Uint8Array, playerId: bigint): Promise<{ keyCertificate: KeyCertificate; gameKey: GameKey }>;
  close(): Promise<void>;
}

/** Game keys outlive any run, so no player needs the authority again after joining. */
const GAME_KEY_TTL_MS = 24 * 3600_000;
export const BOOTSTRAP_NODES = 3;
/**
 * Player ids of the bootstrap nodes' key certificates: far above any id the authority assigns in a
 * run (its ids count up from 1, one per registration) and apart from the impostors' (1e9 + k).
 */
export const BOOTSTRAP_PLAYER_ID_BASE = 2_000_000_000n;

export interface IdentityInfrastructureOptions {
  /** The address the authority and the bootstrap nodes bind: 127.0.0.1 unless agents on other hosts must reach them (docs/agents.md). */
  readonly host?: string;
  /** Told of each refusal of the bootstrap nodes' membership gate (DhtDeps.onMembershipRefusal). */
  readonly onDhtRefusal?: (refusal: MembershipRefusal, nodeIdHex: string) => void;
}

export async function startIdentityInfrastructure(seed: number, players: number, options: IdentityInfrastructureOptions = {}): Promise<IdentityInfrastructure> {
  const root = createRng(seed).fork('identity-infrastructure');
  const ed25519 = createEd25519('native');
  const dir = mkdtempSync(join(tmpdir(), 'p2p-mmog-run-'));
  const issuer = createPaymentIssuer(root.fork('payment').bytes(32), { ed25519, rng: root.fork('token-ids') });
  const authority = await startAuthority(
    { dbPath: join(dir, 'authority.db'), gameKeyTtlMs: GAME_KEY_TTL_MS, paymentIssuerKey: issuer.publicKey, ...(options.host ? { host: options.host } : {}) },
    { identitySeed: root.fork('authority').bytes(32), ed25519, proofKinds: ALL_PROOF_VERIFIERS },
  );
  const scheduler = createTimerQueue({ clock: systemClock });
  // The authority's signer (the controller runs the authority): the bootstrap nodes' key
  // certificates, which admit them to the players' DHT, and the impostors'.
  const authoritySigner = ed25519.createSigner(root.fork('authority').bytes(32));
  const peers: PeerNode[] = [];
  const nodes: DhtNode[] = [];
  for (let i = 0; i < BOOTSTRAP_NODES; i++) {
    const peer = await startPeerNode({ host: options.host ?? '127.0.0.1', port: 0 }, { identitySeed: root.fork(`bootstrap:${i}`).bytes(32), ed25519 });
    peers.push(peer);
    const keyCertificate = signCertificate(KeyCertificateType, authoritySigner, { playerId: BOOTSTRAP_PLAYER_ID_BASE + BigInt(i), publicKey: peer.publicKey });
    nodes.push(
      installDht(peer.transport, {}, {
        clock: systemClock,
        scheduler,
        rng: root.fork(`bootstrap-dht:${i}`),
        verify: (s, m, k) => ed25519.verify(s, m, k),
        policies: playerRecordPolicies(authority.publicKey, ed25519),
        wallClock: systemWallClock,
        membership: keyCertificateMembership(authority.publicKey, ed25519, () => keyCertificate),
        ...(options.onDhtRefusal ? { onMembershipRefusal: options.onDhtRefusal } : {}),
      }),
    );
  }
  // They sit among the nodes closest to some owners' witness keys like anyone: they witness too (docs/storage.md).
  peers.forEach((peer, i) => {
    const nonces = root.fork(`bootstrap-characters:${i}`);
    installCharacterServices(peer, nodes[i] as DhtNode, {}, { scheduler, clock: systemClock, wallClock: systemWallClock, randomBytes: (n) => nonces.bytes(n) });
  });
  await Promise.all(nodes.map((n, i) => n.bootstrap(peers.filter((_, j) => j !== i).map((p) => p.transport.local))));
  const forger = ed25519.createSigner(root.fork('forger').bytes(32));
  const tokens = new Map<number, Uint8Array>();
  for (let id = 0; id < players; id++) tokens.set(id, encodeCertificate(PaymentTokenType, issuer.issue({ amount: 1, planMs: GAME_KEY_TTL_MS })));
  return {
    task: { authority: { endpoint: authority.local, publicKey: authority.publicKey }, bootstrap: peers.map((p) => p.transport.local), tokens },
    authority,
    bootstrap: nodes,
    async impostor(kind, publicKey, playerId) {
      const now = BigInt(systemWallClock.nowMs());
      const signer = kind === 'forged-certificate' ? forger : authoritySigner;
      const keyCertificate = signCertificate(KeyCertificateType, signer, { playerId, publicKey });
      const expiresAtMs = kind === 'expired-certificate' ? now - 60_000n : now + BigInt(GAME_KEY_TTL_MS);
      const gameKey = signCertificate(GameKeyType, signer, { playerId, expiresAtMs });
      if (kind === 'banned-certificate') {
        const ban = signCertificate(BanType, authoritySigner, { playerId, bannedAtMs: now, reason: new Uint8Array(32) });
        await (nodes[0] as DhtNode).put(banRecord((peers[0] as PeerNode).signer, keyCertificate, ban, GAME_KEY_TTL_MS));
      }
      return { keyCertificate, gameKey };
    },
    async close() {
      for (const n of nodes) n.close();
      scheduler.close();
      await Promise.all(peers.map((p) => p.close()));
      await authority.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
