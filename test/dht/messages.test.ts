import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProtocolRegistry } from '../../src/catalog.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { WireContact, decodeAddress, encodeAddress, fromWireContact, toWireContact } from '../../src/dht/contact.js';
import { MAX_CREDENTIAL_BYTES } from '../../src/dht/membership.js';
import { DHT_MESSAGES, DhtNodes, DhtStore, MAX_CONTACTS } from '../../src/dht/messages.js';
import { MAX_RECORD_SUBJECT_BYTES, MAX_RECORD_VALUE_BYTES, RecordCodec, defaultRecordPolicies, signRecord, verifyRecord } from '../../src/dht/records.js';
import { DecodeError, MAX_DATAGRAM_BYTES, MessageKind, decodeMessage, decodeWith, encodeMessage, encodeWith } from '../../src/wire/index.js';
import { goldenDhtMessages } from './golden-cases.js';

const ed = createEd25519('native');
const registry = createProtocolRegistry();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const golden: { name: string; bytes: string }[] = JSON.parse(readFileSync(new URL('../wire/fixtures/golden.json', import.meta.url), 'utf8'));
const signer = ed.createSigner(new Uint8Array(32).fill(1));

describe('DHT golden datagrams pin the wire format', () => {
  const cases = goldenDhtMessages(ed);

  it('has one fixture per DHT kind, allocated in the DHT range 0x10–0x2f', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(DHT_MESSAGES.map((m) => m.name).sort());
    for (const spec of DHT_MESSAGES) {
      expect(spec.kind).toBeGreaterThanOrEqual(0x10);
      expect(spec.kind).toBeLessThanOrEqual(0x2f);
      expect(spec.authenticated).toBe(true);
    }
  });

  for (const c of cases) {
    it(`${c.name}: the encoder still produces the fixture bytes`, () => {
      const fixture = golden.find((g) => g.name === c.name);
      expect(fixture, `fixture ${c.name} in golden.json`).toBeDefined();
      expect(hex(c.bytes)).toBe(fixture?.bytes);
      expect(decodeMessage(c.bytes, registry).spec.name).toBe(c.name);
    });
  }

  it('dht-ping: rid, then the credential behind a presence byte and a length byte', () => {
    const bytes = cases.find((c) => c.name === 'dht-ping')?.bytes as Uint8Array;
    const body = bytes.subarray(43, bytes.length - 64);
    expect(hex(body.subarray(0, 4))).toBe('01020304');
    expect(hex(body.subarray(4, 6))).toBe('0168');
    expect(hex(body.subarray(6))).toBe('c1'.repeat(104));
  });

  it('dht-nodes: rid, count, then per contact node ID, address length + bytes, port; the credential last', () => {
    const bytes = cases.find((c) => c.name === 'dht-nodes')?.bytes as Uint8Array;
    expect(hex(bytes.subarray(0, 3))).toBe(`02${MessageKind.dhtNodes.toString(16)}01`);
    const body = bytes.subarray(43, bytes.length - 64);
    expect(hex(body.subarray(0, 4))).toBe('00000006');
    expect(body[4]).toBe(2);
    expect(hex(body.subarray(5, 37))).toBe('55'.repeat(32));
    expect(hex(body.subarray(37, 42))).toBe('047f000001');
    expect(hex(body.subarray(42, 44))).toBe('0fa0');
    expect(hex(body.subarray(44 + 32, 44 + 32 + 17))).toBe('10' + '00'.repeat(15) + '01');
    expect(hex(body.subarray(body.length - 6))).toBe('ffff' + '0102c2c3');
  });

  it('dht-value: the record after the rid, field by field, its signature last', () => {
    const bytes = cases.find((c) => c.name === 'dht-value')?.bytes as Uint8Array;
    const body = bytes.subarray(43, bytes.length - 64);
    const record = decodeWith(RecordCodec, body.subarray(4));
    expect(body[4]).toBe(3); // player-data
    expect(hex(body.subarray(5, 37))).toBe(hex(record.key));
    expect(body[37]).toBe(32); // subject length
    expect(hex(body.subarray(38 + 32, 38 + 64))).toBe(hex(record.writer));
    expect(hex(body.subarray(102, 110))).toBe('0000000000000009');
    expect(hex(body.subarray(110, 118))).toBe((1_800_000_000_000).toString(16).padStart(16, '0'));
    expect(hex(body.subarray(118, 120))).toBe('0005');
    expect(Buffer.from(body.subarray(120, 125)).toString()).toBe('hello');
    expect(hex(body.subarray(125))).toBe(hex(record.signature));
    expect(verifyRecord(record, { policies: defaultRecordPolicies(new Uint8Array(32)), verify: ed.verify, nowMs: 0 })).toBeNull();
  });
});

describe('DHT messages fit a datagram at their caps', () => {
  it('dht-nodes with MAX_CONTACTS IPv6 contacts and the largest credential', () => {
    const contacts = Array.from({ length: MAX_CONTACTS }, (_, i) => ({ nodeId: new Uint8Array(32).fill(i), address: new Uint8Array(16).fill(0xff), port: 65535 }));
    const credential = new Uint8Array(MAX_CREDENTIAL_BYTES).fill(0xc1);
    const bytes = encodeMessage(DhtNodes, { rid: 0xffffffff, contacts, credential }, { signer, sequence: 1n });
    expect(bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect(() => encodeMessage(DhtNodes, { rid: 0, contacts: [...contacts, contacts[0]!], credential }, { signer, sequence: 1n })).toThrow(TypeError);
    expect(() => encodeMessage(DhtNodes, { rid: 0, contacts, credential: new Uint8Array(MAX_CREDENTIAL_BYTES + 1) }, { signer, sequence: 1n })).toThrow(TypeError);
  });

  it('dht-store with the largest subject and value', () => {
    const record = signRecord(
      { type: 'house', subject: new Uint8Array(MAX_RECORD_SUBJECT_BYTES).fill(7), seq: (1n << 64n) - 1n, expiresAtMs: (1n << 64n) - 1n, value: new Uint8Array(MAX_RECORD_VALUE_BYTES).fill(9) },
      signer,
    );
    const bytes = encodeMessage(DhtStore, { rid: 1, record }, { signer, sequence: 1n });
    expect(bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    expect(() => signRecord({ type: 'house', subject: new Uint8Array(1), seq: 1n, expiresAtMs: 1n, value: new Uint8Array(MAX_RECORD_VALUE_BYTES + 1) }, signer)).toThrow(TypeError);
  });

  it('a count or length over its cap on the wire is a DecodeError, not an allocation', () => {
    const ok = encodeMessage(DhtNodes, { rid: 1, contacts: [], credential: null }, { signer, sequence: 1n });
    const forged = ok.slice();
    forged[43 + 4] = MAX_CONTACTS + 1;
    expect(() => decodeMessage(forged, registry)).toThrow(DecodeError);
    forged[43 + 4] = 3; // three contacts announced, none present
    expect(() => decodeMessage(forged, registry)).toThrow(/truncated/);
  });
});

describe('contact addresses', () => {
  it('round-trip IPv4 and IPv6 literals in canonical form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        const contact = { nodeId: new Uint8Array(32), endpoint: { host, port } };
        const back = fromWireContact(decodeWith(WireContact, encodeWith(WireContact, toWireContact(contact))));
        expect(back).not.toBeNull();
        // Same address bytes, whatever textual form the literal had.
        expect(hex(encodeAddress(back!.endpoint.host))).toBe(hex(encodeAddress(host)));
        expect(back!.endpoint.port).toBe(port);
      }),
    );
    expect(decodeAddress(encodeAddress('::1'))).toBe('::1');
    expect(decodeAddress(encodeAddress('::ffff:10.0.0.1'))).toBe('::ffff:a00:1');
    expect(decodeAddress(encodeAddress('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('refuses impossible contacts from the wire and non-IP hosts from the caller', () => {
    expect(fromWireContact({ nodeId: new Uint8Array(32), address: new Uint8Array(5), port: 1 })).toBeNull();
    expect(fromWireContact({ nodeId: new Uint8Array(32), address: new Uint8Array(4), port: 0 })).toBeNull();
    expect(() => encodeAddress('localhost')).toThrow(TypeError);
  });
});

describe('signed records (property)', () => {
  const policies = defaultRecordPolicies(new Uint8Array(32));
  const check = { policies, verify: ed.verify, nowMs: 1_000 };

  it('any flipped bit in an encoded record makes it undecodable or rejected', () => {
    const owner = ed.createSigner(new Uint8Array(32).fill(5));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: MAX_RECORD_VALUE_BYTES }),
        fc.uint8Array({ maxLength: MAX_RECORD_SUBJECT_BYTES - 32 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (value, slot, seq, at, bit) => {
          const record = signRecord({ type: 'player-data', subject: new Uint8Array([...owner.publicKey, ...slot]), seq, expiresAtMs: 10_000n, value }, owner);
          expect(verifyRecord(record, check)).toBeNull();
          const bytes = encodeWith(RecordCodec, record);
          bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ (1 << bit);
          let mutated;
          try {
            mutated = decodeWith(RecordCodec, bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            return;
          }
          expect(verifyRecord(mutated, check)).not.toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });
});
