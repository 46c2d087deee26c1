import { LruCache } from '../crypto/index.js';
import type { Counters } from '../metrics/index.js';
import type { DhtCounter } from './stats.js';

/** A credential travels in dht-ping, dht-pong, dht-find-node, dht-find-value and dht-nodes; this is its cap. */
export const MAX_CREDENTIAL_BYTES = 128;

/** Nodes remembered as verified members; the least recently heard from is forgotten first. */
export const MAX_VERIFIED_MEMBERS = 65_536;

/**
 * Who may be a member of the DHT (SPEC §4, "the Sybil gate"): only a member takes a routing-table
 * slot or has a record stored. The DHT knows nothing of what proves membership; the composition
 * injects it (src/auth: an authority key certificate). Without one the DHT is open.
 */
export interface DhtMembership {
  /** The credential this node presents (opaque bytes, ≤ MAX_CREDENTIAL_BYTES), or null while it has none (e.g. before registering). */
  credential(): Uint8Array | null;
  /** Whether `credential` proves that `publicKey` may be a member. Pure; the DHT caches a yes per node. */
  admits(publicKey: Uint8Array, credential: Uint8Array): boolean;
}

/**
 * A node's view of membership: whom it verified, and which credential to attach to what it sends.
 * Without a DhtMembership everyone counts as a member and nothing is attached, so an open DHT
 * behaves exactly as before the gate existed.
 */
export class MembershipBook {
  private readonly verified = new LruCache<string, true>(MAX_VERIFIED_MEMBERS);

  constructor(
    private readonly membership: DhtMembership | undefined,
    private readonly counters: Counters<DhtCounter>,
  ) {}

  get gated(): boolean {
    return this.membership !== undefined;
  }

  isMember(nodeHex: string): boolean {
    return this.membership === undefined || this.verified.get(nodeHex) !== undefined;
  }

  /**
   * A credential that came with a message from `publicKey`: checked once per node; one that does not
   * prove membership is counted, and true returned so the caller can report whose it was.
   */
  consider(publicKey: Uint8Array, nodeHex: string, credential: Uint8Array | null): boolean {
    if (this.membership === undefined || credential === null || this.verified.has(nodeHex)) return false;
    if (this.membership.admits(publicKey, credential)) {
      this.verified.set(nodeHex, true);
      this.counters.inc('membership.verified');
      return false;
    }
    this.counters.inc('membership.badCredentials');
    return true;
  }

  /** For a request: "if I don't know you, you probably don't know me", so a node not verified here gets the credential. */
  forRequest(nodeHex: string | null): Uint8Array | null {
    return nodeHex !== null && this.isMember(nodeHex) ? null : this.own();
  }

  /** For an answer: only a requester that presented its own credential is introducing itself, and gets one back. */
  forAnswer(requestCarriedOne: boolean): Uint8Array | null {
    return requestCarriedOne ? this.own() : null;
  }

  /** This node's credential, if the DHT is gated and it has one. */
  own(): Uint8Array | null {
    const credential = this.membership?.credential() ?? null;
    if (credential !== null && (!(credential instanceof Uint8Array) || credential.length > MAX_CREDENTIAL_BYTES)) {
      throw new RangeError(`DhtMembership.credential() must return null or at most ${MAX_CREDENTIAL_BYTES} bytes`);
    }
    return credential;
  }
}
