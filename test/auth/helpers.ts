import { createEd25519 } from '../../src/crypto/index.js';
import { NeoRoundContent, roundSigningBytes, type NeoRoundContentValue, type SignedRound } from '../../src/neo/index.js';
import { encodeWith } from '../../src/wire/index.js';

export const ed = createEd25519('native');
export const seed = (byte: number) => new Uint8Array(32).fill(byte);
/** The authority, the payment issuer and a player, as in test/auth/fixtures/golden.json. */
export const authoritySigner = ed.createSigner(seed(1));
export const issuerSigner = ed.createSigner(seed(2));
export const playerSigner = ed.createSigner(seed(3));

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

export function roundContent(overrides: Partial<NeoRoundContentValue> = {}): NeoRoundContentValue {
  return {
    session: new Uint8Array(16).fill(0x5e),
    view: 1,
    round: 7,
    sender: 2,
    update: new Uint8Array([1, 2, 3]),
    reveal: null,
    votes: null,
    stateHash: null,
    proposal: null,
    ...overrides,
  };
}

/** A round message as NeoSession signs it. */
export function signRound(signer: { sign(m: Uint8Array): Uint8Array }, content: NeoRoundContentValue): SignedRound {
  const encoded = encodeWith(NeoRoundContent, content);
  return { content: encoded, signature: signer.sign(roundSigningBytes(encoded)) };
}
