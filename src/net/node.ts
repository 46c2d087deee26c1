import type { Ed25519Backend, PairwiseAuthenticator, Signer } from '../crypto/index.js';
import type { Pinger } from './ping.js';
import type { Transport } from './transport.js';

/**
 * A peer on the network: its one socket's transport, its pinger and its identity. Components take
 * it as a collaborator; `src/peer` (startPeerNode) is what makes one, so the type lives here, below
 * both (docs/architecture.md, "Layers").
 */
export interface PeerNode {
  readonly transport: Transport;
  readonly pinger: Pinger;
  readonly publicKey: Uint8Array;
  /** SHA-256-derived DHT identifier; never chosen by the peer. */
  readonly nodeId: Uint8Array;
  /** This peer's prepared signing key, for protocol messages that carry their own signature (NEO). */
  readonly signer: Signer;
  /** The thread's Ed25519 backend, shared by every peer of the thread (it caches prepared keys). */
  readonly ed25519: Ed25519Backend;
  /** Keys agreed with each peer (X25519 from the Ed25519 keys): the transport's MACs, and secrets sealed to one peer. */
  readonly pairwise: PairwiseAuthenticator;
  close(): Promise<void>;
}
