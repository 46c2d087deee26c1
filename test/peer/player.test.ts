import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PaymentTokenType, decodeCertificate, systemWallClock, type PaymentToken } from '../../src/auth/index.js';
import { startIdentityInfrastructure } from '../../src/controller/identity.js';
import { createEd25519, toHex } from '../../src/crypto/index.js';
import { NeoRound, SESSION_ID_BYTES } from '../../src/neo/index.js';
import { wrapTransport, type PeerNode, type Transport } from '../../src/net/index.js';
import { startPlayer, type Player, type PlayerDeps } from '../../src/peer/index.js';
import { createRng } from '../../src/random/index.js';
import { systemClock } from '../../src/time/clock.js';
import { createTimerQueue } from '../../src/time/timer-queue.js';
import { portIsFree, startTestPeer, waitUntil } from '../support/peers.js';

const ed25519 = createEd25519('native');
const scheduler = createTimerQueue({ clock: systemClock });
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(() => scheduler.close());

/** A player on a real loopback socket; nothing answers at its authority, which these tests never ask. */
async function player(seedByte: number, hooks: Pick<PlayerDeps, 'neoTransport'> = {}): Promise<Player> {
  const p = await startPlayer(
    {
      bind: { host: '127.0.0.1', port: 0 },
      identitySeed: new Uint8Array(32).fill(seedByte),
      authority: { endpoint: { host: '127.0.0.1', port: 9 }, publicKey: ed25519.createSigner(new Uint8Array(32).fill(1)).publicKey },
      bootstrap: [],
    },
    { clock: systemClock, wallClock: systemWallClock, scheduler, rng: createRng(seedByte), ed25519, ...hooks },
  );
  closers.push(() => p.close(false));
  return p;
}

/** A neo-round naming a session nobody joined: NEO counts it (unknownSession) if its endpoint serves the socket. */
async function sendStrayNeoRound(to: Player): Promise<void> {
  const sender = await startTestPeer({ ed25519 });
  closers.push(() => sender.close());
  sender.transport.send(to.peer.transport.local, NeoRound, { content: new Uint8Array(SESSION_ID_BYTES + 4), signature: new Uint8Array(64) });
}

describe('startPlayer on real UDP', () => {
  it('installs NEO on the transport the neoTransport hook gives for the bound peer, and only NEO', async () => {
    const installedThroughHook: string[] = [];
    let hookedPeer: PeerNode | null = null;
    const neoTransport = (peer: PeerNode): Transport => {
      hookedPeer = peer;
      return wrapTransport(peer.transport, {
        handle: (spec, handler) => {
          installedThroughHook.push(spec.name);
          peer.transport.handle(spec, handler);
        },
      });
    };
    const p = await player(61, { neoTransport });
    expect(hookedPeer).toBe(p.peer);
    // The DHT and the authority client stay on the peer's own transport.
    expect(installedThroughHook.sort()).toEqual(['neo-fetch', 'neo-forward', 'neo-round']);
    await sendStrayNeoRound(p);
    await waitUntil(() => p.neo.stats.unknownSession === 1, 'the stray neo-round reaching the NEO endpoint');
  });

  it('without the hook, NEO serves the peer’s own transport', async () => {
    const p = await player(62);
    await sendStrayNeoRound(p);
    await waitUntil(() => p.neo.stats.unknownSession === 1, 'the stray neo-round reaching the NEO endpoint');
  });

  it('a hook that throws fails the start without leaving its socket bound', async () => {
    let port = 0;
    const neoTransport = (peer: PeerNode): Transport => {
      port = peer.transport.local.port;
      throw new RangeError('bad attack spec');
    };
    await expect(player(65, { neoTransport })).rejects.toThrow('bad attack spec');
    expect(await portIsFree(port)).toBe(true);
  });

  it.each([false, true])('close(graceful: %s) stops the services and frees the port', async (graceful) => {
    const p = await player(graceful ? 63 : 64);
    const port = p.peer.transport.local.port;
    expect(await portIsFree(port)).toBe(false);
    await p.close(graceful);
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('the join flow (startPlayer, a real authority and the run\u2019s bootstrap nodes)', () => {
  it('registers first, then bootstraps presenting its key certificate: admitted by the gated DHT at once, no STORE refused', async () => {
    const infra = await startIdentityInfrastructure(71, 3);
    closers.push(() => infra.close());
    const token = (id: number) => decodeCertificate(PaymentTokenType, infra.task.tokens.get(id) as Uint8Array) as PaymentToken;
    const start = async (seedByte: number) => {
      const p = await startPlayer(
        { bind: { host: '127.0.0.1', port: 0 }, identitySeed: new Uint8Array(32).fill(seedByte), authority: infra.task.authority, bootstrap: infra.task.bootstrap },
        { clock: systemClock, wallClock: systemWallClock, scheduler, rng: createRng(seedByte), ed25519 },
      );
      closers.push(() => p.close(false));
      return p;
    };
    const [alice, bob] = [await start(66), await start(67)];
    for (const [i, p] of [alice, bob].entries()) {
      const joined = await p.services.join(`player-${i}`, token(i));
      expect(joined.ok).toBe(true);
    }
    const tableOf = (dht: { contacts(): { nodeId: Uint8Array }[] }) => dht.contacts().map((c) => toHex(c.nodeId));
    for (const p of [alice, bob]) {
      const c = p.services.dht.stats().counters;
      // The very first ping carried the certificate, so no holder ever took it for a stranger.
      expect(c['membership.storeRetries']).toBe(0);
      expect(c['membership.badCredentials']).toBe(0);
      for (const b of infra.bootstrap) expect(tableOf(b)).toContain(toHex(p.services.dht.nodeId));
      expect(tableOf(p.services.dht)).toEqual(expect.arrayContaining(infra.bootstrap.map((b) => toHex(b.nodeId))));
    }
    for (const b of infra.bootstrap) {
      expect(b.stats().counters['membership.refusedStores']).toBe(0);
      expect(b.stats().counters['membership.badCredentials']).toBe(0);
    }
    expect((await bob.services.dht.get('key-certificate', alice.peer.publicKey)).ok).toBe(true);

    // A player that never registered has no credential: the bootstrap nodes answer it but keep it out.
    const stranger = await start(68);
    expect((await stranger.services.dht.bootstrap(infra.task.bootstrap)).reached).toBe(infra.task.bootstrap.length);
    for (const b of infra.bootstrap) expect(tableOf(b)).not.toContain(toHex(stranger.services.dht.nodeId));
  });
});
