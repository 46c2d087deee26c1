// The acceptance rule both backends share, checked on raw bytes before either backend runs.
//
// Ed25519 implementations disagree on edge cases (non-canonical encodings, small-order points,
// cofactored vs cofactorless equations; see "Taming the many EdDSAs", Chalkias et al. 2020).
// A peer group must never split on whether one signature is valid, so whichever backend a peer
// uses, it applies exactly this rule (the one libsodium applies):
//   - S is canonical: S < L;
//   - R and A are canonical encodings: y < p (the sign bit is checked separately);
//   - neither R nor A is one of the eight small-order points;
//   - the equation is the cofactorless one, encode([S]B - [k]A) == R (OpenSSL does this natively;
//     the noble backend implements the same equation on noble's point arithmetic).
// Signatures made by an honest signer always pass; only crafted signatures are affected.

import { littleEndianFromBigInt } from './bytes.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './sizes.js';

export const FIELD_PRIME = 2n ** 255n - 19n;
export const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

const POINT_LENGTH = 32;
const FIELD_PRIME_LE = littleEndianFromBigInt(FIELD_PRIME, POINT_LENGTH);
const GROUP_ORDER_LE = littleEndianFromBigInt(GROUP_ORDER, POINT_LENGTH);

// y-coordinates of the eight points of order 1, 2, 4 and 8. The sign bit selects x, so blocking a
// y blocks both points on it (and the non-canonical "x = 0, sign bit set" encodings of y = ±1).
const ORDER_8_Y = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;
const SMALL_ORDER_Y_LE: readonly Uint8Array[] = [
  0n, // order 4: (±sqrt(-1), 0)
  1n, // order 1: the identity (0, 1)
  FIELD_PRIME - 1n, // order 2: (0, -1)
  ORDER_8_Y,
  FIELD_PRIME - ORDER_8_Y,
].map((y) => littleEndianFromBigInt(y, POINT_LENGTH));

/** Compares the 32-byte little-endian number at `offset` with `bound`, optionally ignoring bit 255. */
function isBelow(bytes: Uint8Array, offset: number, bound: Uint8Array, ignoreSignBit: boolean): boolean {
  for (let i = POINT_LENGTH - 1; i >= 0; i--) {
    let byte = bytes[offset + i] ?? 0;
    if (i === POINT_LENGTH - 1 && ignoreSignBit) byte &= 0x7f;
    const limit = bound[i] ?? 0;
    if (byte !== limit) return byte < limit;
  }
  return false;
}

function hasSmallOrderY(bytes: Uint8Array, offset: number): boolean {
  return SMALL_ORDER_Y_LE.some((y) => {
    for (let i = 0; i < POINT_LENGTH - 1; i++) if (bytes[offset + i] !== y[i]) return false;
    return ((bytes[offset + POINT_LENGTH - 1] ?? 0) & 0x7f) === y[POINT_LENGTH - 1];
  });
}

/** Canonical (y < p) and not of small order. Says nothing about whether y is on the curve. */
export function isAcceptablePointEncoding(bytes: Uint8Array, offset = 0): boolean {
  return isBelow(bytes, offset, FIELD_PRIME_LE, true) && !hasSmallOrderY(bytes, offset);
}

export function isCanonicalScalar(bytes: Uint8Array, offset = 0): boolean {
  return isBelow(bytes, offset, GROUP_ORDER_LE, false);
}

/**
 * Byte-level part of the shared acceptance rule. Lengths are checked here too, because signatures
 * and public keys usually come straight out of a datagram.
 */
export function passesEncodingRules(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature.length === SIGNATURE_LENGTH &&
    publicKey.length === PUBLIC_KEY_LENGTH &&
    isCanonicalScalar(signature, POINT_LENGTH) &&
    isAcceptablePointEncoding(signature, 0) &&
    isAcceptablePointEncoding(publicKey, 0)
  );
}
