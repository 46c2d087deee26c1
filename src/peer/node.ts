import { createProtocolRegistry } from '../catalog.js';
import { createEd25519, createPairwiseAuthenticator, nodeIdFromPublicKey, type Ed25519Backend } from '../crypto/index.js';
import { createTransport, installPinger, type LinkShaper, type DeliveryScheduler, type PeerNode, type TransportConfig } from '../net/index.js';
import { systemClock, type Clock } from '../time/clock.js';

export type PeerNodeConfig = TransportConfig;

export interface PeerNodeDeps {
  /** 32-byte Ed25519 seed; the harness derives it from the profile seed so runs repeat. */
  readonly identitySeed: Uint8Array;
  /** Shared per thread: it holds the prepared-public-key cache. Native by default. */
  readonly ed25519?: Ed25519Backend;
  readonly clock?: Clock;
  readonly shaping?: { readonly shaper: LinkShaper; readonly scheduler: DeliveryScheduler };
  readonly onHandlerError?: (error: unknown, kind: string) => void;
}

/** One peer: an identity and one UDP socket carrying every message kind, with its pinger. */
export async function startPeerNode(config: PeerNodeConfig, deps: PeerNodeDeps): Promise<PeerNode> {
  const ed25519 = deps.ed25519 ?? createEd25519('native');
  const clock = deps.clock ?? systemClock;
  const signer = ed25519.createSigner(deps.identitySeed);
  const pairwise = createPairwiseAuthenticator(deps.identitySeed, signer.publicKey);
  const transport = await createTransport(config, {
    registry: createProtocolRegistry(),
    signer,
    verify: (signature, message, publicKey) => ed25519.verify(signature, message, publicKey),
    // Pairwise MACs with every peer whose key it knows: a tenth of a signature's cost (docs/crypto.md).
    macKeys: pairwise,
    clock,
    ...(deps.shaping ? { shaping: deps.shaping } : {}),
    ...(deps.onHandlerError ? { onHandlerError: deps.onHandlerError } : {}),
  });
  const pinger = installPinger(transport, clock);
  return {
    transport,
    pinger,
    publicKey: transport.publicKey,
    nodeId: nodeIdFromPublicKey(transport.publicKey),
    signer,
    ed25519,
    pairwise,
    close: () => transport.close(),
  };
}
