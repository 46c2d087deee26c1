import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUTH_MESSAGES, MAX_PROOF_BYTES, MAX_PROOF_CHUNKS } from '../../src/auth/index.js';
import { createProtocolRegistry } from '../../src/catalog.js';
import { MessageKind, decodeMessage } from '../../src/wire/index.js';
import { buildGolden, type GoldenEntry } from './golden.js';
import { authoritySigner, ed, fromHex, hex, playerSigner } from './helpers.js';

const golden: GoldenEntry[] = JSON.parse(readFileSync(new URL('./fixtures/golden.json', import.meta.url), 'utf8'));
const registry = createProtocolRegistry();

describe('authority wire format', () => {
  it('golden bytes: certificates, a cheat proof and every authority message are pinned', () => {
    const built = buildGolden();
    expect(built.map((g) => g.name)).toEqual(golden.map((g) => g.name));
    for (const [i, g] of golden.entries()) expect(built[i]?.bytes, g.name).toBe(g.bytes);
  });

  it('every authority kind has a golden datagram that decodes and verifies under its signer', () => {
    for (const spec of AUTH_MESSAGES) {
      const g = golden.find((x) => x.name === spec.name);
      expect(g, spec.name).toBeDefined();
      const decoded = decodeMessage(fromHex(g!.bytes), registry);
      expect(decoded.spec).toBe(spec);
      expect([hex(authoritySigner.publicKey), hex(playerSigner.publicKey)]).toContain(hex(decoded.auth!.publicKey));
      expect(ed.verify(decoded.auth!.proof, decoded.auth!.coveredBytes, decoded.auth!.publicKey)).toBe(true);
    }
  });

  it('the key certificate layout: player id then key then signature', () => {
    const bytes = fromHex(golden.find((g) => g.name === 'key-certificate')!.bytes);
    expect(hex(bytes.subarray(0, 8))).toBe('000000000000002a');
    expect(hex(bytes.subarray(8, 40))).toBe(hex(playerSigner.publicKey));
    expect(bytes.length).toBe(104);
  });

  it('authority kinds live in 0x80–0x8f and proofs fit their chunk list', () => {
    for (const spec of AUTH_MESSAGES) expect(spec.kind >= 0x80 && spec.kind <= 0x8f, spec.name).toBe(true);
    expect(MessageKind.authRegister).toBe(0x80);
    expect(MAX_PROOF_BYTES).toBeLessThanOrEqual(MAX_PROOF_CHUNKS * 1024);
  });
});
