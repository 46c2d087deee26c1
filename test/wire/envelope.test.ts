import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_MESSAGES, ALL_RECORDS, createProtocolRegistry } from '../../src/catalog.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, createEd25519, createPairwiseAuthenticator } from '../../src/crypto/index.js';
import { Ping } from '../../src/net/index.js';
import {
  Chunk,
  DecodeError,
  MAX_DATAGRAM_BYTES,
  Manifest,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  WIRE_VERSION,
  createMessageRegistry,
  decodeMessage,
  defineMessage,
  describeRecord,
  describeRegistry,
  encodeMessage,
  struct,
  varBytes,
  type AnyMessageSpec,
} from '../../src/wire/index.js';
import { arbitraryFor } from './arbitrary.js';

const ed = createEd25519('native');
const signer = ed.createSigner(new Uint8Array(32).fill(1));
const registry = createProtocolRegistry();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

interface Golden {
  name: string;
  bytes: string;
}
const golden: Golden[] = JSON.parse(readFileSync(new URL('./fixtures/golden.json', import.meta.url), 'utf8'));
const goldenBytes = (name: string) => fromHex((golden.find((g) => g.name === name) as Golden).bytes);

function decodeError(bytes: Uint8Array): DecodeError {
  try {
    decodeMessage(bytes, registry);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('decoded');
}

describe('golden datagrams pin the wire format', () => {
  it('ping (signed): header, sender key, sequence, body, signature', () => {
    const bytes = encodeMessage(Ping, { nonce: 42n, sentAtMs: 1.5 }, { signer, sequence: 0x0102030405060708n });
    expect(hex(bytes)).toBe(hex(goldenBytes('ping')));
    expect(hex(bytes.subarray(0, 3))).toBe('020101');
    expect(hex(bytes.subarray(3, 35))).toBe(hex(signer.publicKey));
    expect(hex(bytes.subarray(35, 43))).toBe('0102030405060708');
    expect(hex(bytes.subarray(43, 51))).toBe('000000000000002a');
    expect(hex(bytes.subarray(51, 59))).toBe('3ff8000000000000');
    expect(bytes.length).toBe(59 + 64);
    expect(ed.verify(bytes.subarray(59), bytes.subarray(0, 59), signer.publicKey)).toBe(true);
  });

  it('ping (MAC): the same header, sender key, sequence and body, then a 16-byte pairwise tag only its recipient can check', () => {
    const recipientSeed = new Uint8Array(32).fill(2);
    const sender = createPairwiseAuthenticator(new Uint8Array(32).fill(1), signer.publicKey).channel(ed.publicKeyFromSeed(recipientSeed));
    const bytes = encodeMessage(Ping, { nonce: 42n, sentAtMs: 1.5 }, { mac: sender!, sequence: 0x0102030405060708n });
    expect(hex(bytes)).toBe(hex(goldenBytes('ping-mac')));
    expect(hex(bytes.subarray(0, 3))).toBe('020102');
    expect(hex(bytes.subarray(3, 35))).toBe(hex(signer.publicKey));
    expect(bytes.length).toBe(59 + 16);
    const recipient = createPairwiseAuthenticator(recipientSeed, ed.publicKeyFromSeed(recipientSeed)).channel(signer.publicKey);
    expect(recipient!.check(bytes.subarray(0, 59), bytes.subarray(59))).toBe(true);
    const bystander = createPairwiseAuthenticator(new Uint8Array(32).fill(3), ed.publicKeyFromSeed(new Uint8Array(32).fill(3))).channel(signer.publicKey);
    expect(bystander!.check(bytes.subarray(0, 59), bytes.subarray(59))).toBe(false);
  });

  it('chunk (unauthenticated)', () => {
    const bytes = encodeMessage(Chunk, { chunkId: new Uint8Array(32).fill(0xab), data: new Uint8Array([1, 2, 3]) });
    expect(hex(bytes)).toBe(hex(goldenBytes('chunk')));
    expect(hex(bytes)).toBe('020800' + 'ab'.repeat(32) + '0003' + '010203');
  });

  it('manifest (signed)', () => {
    const bytes = encodeMessage(
      Manifest,
      { valueId: new Uint8Array(32).fill(0x11), totalBytes: 2048, chunkIds: [new Uint8Array(32).fill(0x22), new Uint8Array(32).fill(0x33)] },
      { signer, sequence: 7n },
    );
    expect(hex(bytes)).toBe(hex(goldenBytes('manifest')));
  });

  it('every golden fixture still decodes to a known kind', () => {
    for (const g of golden) expect(decodeMessage(fromHex(g.bytes), registry).spec.name).toBe(g.name.replace(/-mac$/, ''));
  });
});

describe('envelope checks', () => {
  const ping = () => encodeMessage(Ping, { nonce: 1n, sentAtMs: 2 }, { signer, sequence: 3n });

  it('refuses another version, an unknown kind, reserved flags', () => {
    const v = ping();
    v[0] = 1;
    expect(decodeError(v)).toMatchObject({ code: 'bad-version', offset: 0 });
    const k = ping();
    k[1] = 0xfe;
    expect(decodeError(k)).toMatchObject({ code: 'unknown-kind', offset: 1 });
    const f = ping();
    f[2] = 0x81;
    expect(decodeError(f)).toMatchObject({ code: 'bad-flags', offset: 2 });
    const both = ping();
    both[2] = 0x03;
    expect(decodeError(both)).toMatchObject({ code: 'bad-flags', offset: 2 });
  });

  it('refuses a signed kind without the signed flag, and the flag on an unsigned kind', () => {
    const p = ping();
    p[2] = 0;
    expect(decodeError(p).code).toBe('unsigned');
    const c = encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array(0) });
    c[2] = 1;
    expect(decodeError(c).code).toBe('bad-flags');
  });

  it('refuses truncated and oversized datagrams and trailing bytes', () => {
    expect(decodeError(new Uint8Array(0)).code).toBe('truncated');
    expect(decodeError(ping().subarray(0, 100)).code).toBe('truncated');
    expect(decodeError(new Uint8Array(MAX_DATAGRAM_BYTES + 1)).code).toBe('oversized');
    const c = encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array(1) });
    const longer = new Uint8Array(c.length + 1);
    longer.set(c);
    expect(decodeError(longer)).toMatchObject({ code: 'trailing-bytes', offset: c.length });
  });

  it('returns the signature unverified with the exact signed region', () => {
    const bytes = ping();
    const decoded = decodeMessage(bytes, registry);
    expect(decoded.auth?.sequence).toBe(3n);
    expect(hex(decoded.auth?.coveredBytes as Uint8Array)).toBe(hex(bytes.subarray(0, bytes.length - 64)));
    expect(ed.verify(decoded.auth!.proof, decoded.auth!.coveredBytes, decoded.auth!.publicKey)).toBe(true);
  });

  it('refuses to encode past the datagram cap, or with the wrong signing context', () => {
    const Big = defineMessage({ kind: 0xf0, name: 'big', authenticated: false, summary: 'test', body: struct({ blob: varBytes(4000) }) });
    expect(() => encodeMessage(Big, { blob: new Uint8Array(1500) })).toThrow(/above the 1200-byte datagram cap/);
    expect(() => encodeMessage(Ping, { nonce: 1n, sentAtMs: 0 })).toThrow(/needs a signer or a MAC/);
    expect(() => encodeMessage(Chunk, { chunkId: new Uint8Array(32), data: new Uint8Array(0) }, { signer, sequence: 1n })).toThrow(/takes no signer or MAC/);
  });

  it('the envelope field widths are the Ed25519 sizes', () => {
    expect(PUBLIC_KEY_BYTES).toBe(PUBLIC_KEY_LENGTH);
    expect(SIGNATURE_BYTES).toBe(SIGNATURE_LENGTH);
  });

  it('a registry refuses two kinds with one type byte or one name', () => {
    const a = defineMessage({ kind: 0xf1, name: 'a', authenticated: false, summary: '', body: struct({}) });
    const b = defineMessage({ kind: 0xf1, name: 'b', authenticated: false, summary: '', body: struct({}) });
    const a2 = defineMessage({ kind: 0xf2, name: 'a', authenticated: false, summary: '', body: struct({}) });
    expect(() => createMessageRegistry([a, b])).toThrow(/declared twice/);
    expect(() => createMessageRegistry([a, a2])).toThrow(/declared twice/);
  });
});

describe('every message kind (property)', () => {
  for (const spec of ALL_MESSAGES as AnyMessageSpec[]) {
    it(`${spec.name}: decode(encode(m)) equals m`, () => {
      fc.assert(
        fc.property(arbitraryFor(spec.body.shape), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (body, sequence) => {
          const bytes = encodeMessage(spec, body, spec.authenticated ? { signer, sequence } : undefined);
          expect(bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
          const decoded = decodeMessage(bytes, registry);
          expect(decoded.spec).toBe(spec);
          expect(decoded.body).toEqual(body);
          if (spec.authenticated) expect(decoded.auth?.sequence).toBe(sequence);
        }),
        { numRuns: 200 },
      );
    });

    it(`${spec.name}: a mutated datagram is a DecodeError or fails its integrity check`, () => {
      fc.assert(
        fc.property(
          arbitraryFor(spec.body.shape),
          fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }),
          fc.option(fc.nat(), { nil: undefined }),
          (body, flips, cut) => {
            const original = encodeMessage(spec, body, spec.authenticated ? { signer, sequence: 1n } : undefined);
            let mutated: Uint8Array = original.slice();
            for (const { at, xor } of flips) mutated[at % mutated.length] = (mutated[at % mutated.length] as number) ^ xor;
            if (cut !== undefined) mutated = mutated.subarray(0, cut % mutated.length);
            if (hex(mutated) === hex(original)) return;
            let decoded;
            try {
              decoded = decodeMessage(mutated, registry);
            } catch (e) {
              expect(e).toBeInstanceOf(DecodeError);
              return;
            }
            // Still parseable: a signed kind must then fail verification (unsigned chunks are checked by content hash on reassembly).
            if (decoded.auth) expect(ed.verify(decoded.auth.proof, decoded.auth.coveredBytes, decoded.auth.publicKey)).toBe(false);
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('random bytes never throw anything but a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), fc.boolean(), (input, plausibleHeader) => {
        if (plausibleHeader && input.length >= 3) {
          input[0] = WIRE_VERSION;
          input[1] = (ALL_MESSAGES[input[1]! % ALL_MESSAGES.length] as AnyMessageSpec).kind;
          input[2] = input[2]! & 3;
        }
        try {
          decodeMessage(input, registry);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('docs/wire.md', () => {
  it('contains the layout generated from the current schemas (run npm run docs:wire)', () => {
    const doc = readFileSync(new URL('../../docs/wire.md', import.meta.url), 'utf8');
    expect(doc).toContain(describeRegistry(registry.specs));
  });

  it('contains the signed-record layouts generated from the current schemas', () => {
    const doc = readFileSync(new URL('../../docs/wire.md', import.meta.url), 'utf8');
    for (const record of ALL_RECORDS) expect(doc).toContain(describeRecord(record));
  });
});
