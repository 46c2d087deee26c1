import { randomBytes } from 'node:crypto';
import { createEd25519, sha256, type Ed25519Backend } from '../crypto/index.js';
import type { Clock } from '../time/clock.js';
import { systemWallClock } from './wall-clock.js';
import { PaymentTokenType, TOKEN_ID_BYTES, signCertificate, type PaymentToken } from './certificates.js';

/**
 * The payment stand-in (SPEC §3): in the paper a player buys a subscription from a payment
 * service; here the controller plays that service and hands out signed tokens. The authority is
 * configured with this issuer's public key and accepts each token once.
 */
export interface PaymentIssuer {
  readonly publicKey: Uint8Array;
  issue(plan: { readonly amount: number; readonly planMs: number }): PaymentToken;
}

export interface PaymentIssuerDeps {
  readonly ed25519?: Ed25519Backend;
  /** Wall clock (Unix epoch ms): a token's issue time must mean the same to another process. */
  readonly wallClock?: Clock;
  /** Source of token ids; a seeded one (src/random) makes a run's tokens repeatable. OS randomness by default. */
  readonly rng?: { bytes(n: number): Uint8Array };
}

/**
 * The development issuer's seed: SHA-256("p2p-mmog/dev-payment-issuer"). Public by design, so a
 * standalone authority started without a payment key and the peers pointed at it can mint tokens
 * on one machine; anyone can, so it is for local runs only (the CLI says so when it uses it).
 */
export const DEV_PAYMENT_ISSUER_SEED: Uint8Array = sha256(new TextEncoder().encode('p2p-mmog/dev-payment-issuer'));

export function createPaymentIssuer(seed: Uint8Array, deps: PaymentIssuerDeps = {}): PaymentIssuer {
  const ed25519 = deps.ed25519 ?? createEd25519('native');
  const signer = ed25519.createSigner(seed);
  const wallClock = deps.wallClock ?? systemWallClock;
  const rng = deps.rng;
  const tokenId = rng ? () => rng.bytes(TOKEN_ID_BYTES) : () => new Uint8Array(randomBytes(TOKEN_ID_BYTES));
  return {
    publicKey: signer.publicKey,
    issue({ amount, planMs }) {
      if (!Number.isSafeInteger(planMs) || planMs <= 0) throw new RangeError(`PaymentIssuer.issue: planMs must be a positive integer, got ${planMs}`);
      return signCertificate(PaymentTokenType, signer, {
        tokenId: tokenId(),
        amount,
        planMs: BigInt(planMs),
        issuedAtMs: BigInt(Math.floor(wallClock.nowMs())),
      });
    },
  };
}
