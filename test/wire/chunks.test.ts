import { describe, expect, it } from 'vitest';
import { createEd25519, sha256 } from '../../src/crypto/index.js';
import { createRng } from '../../src/random/index.js';
import {
  CHUNK_DATA_MAX_BYTES,
  Chunk,
  MAX_CHUNKED_VALUE_BYTES,
  MAX_DATAGRAM_BYTES,
  Manifest,
  encodeMessage,
  reassembleValue,
  splitValue,
} from '../../src/wire/index.js';

const rng = createRng('chunks-test');
const signer = createEd25519('native').createSigner(new Uint8Array(32).fill(9));

describe('chunked values', () => {
  it('split into content-addressed chunks that each fit a datagram, behind a signed manifest that fits one', () => {
    const value = rng.bytes(MAX_CHUNKED_VALUE_BYTES);
    const { manifest, chunks } = splitValue(value, sha256);
    expect(chunks).toHaveLength(MAX_CHUNKED_VALUE_BYTES / CHUNK_DATA_MAX_BYTES);
    for (const c of chunks) {
      expect(Buffer.from(c.chunkId).equals(Buffer.from(sha256(c.data)))).toBe(true);
      expect(encodeMessage(Chunk, c).length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    }
    expect(encodeMessage(Manifest, manifest, { signer, sequence: 1n }).length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
  });

  it('reassemble from chunks in any order, and only once all are there', () => {
    const value = rng.bytes(10_000);
    const { manifest, chunks } = splitValue(value, sha256);
    expect(reassembleValue(manifest, rng.shuffle([...chunks]), sha256)).toEqual(value);
    expect(reassembleValue(manifest, chunks.slice(1), sha256)).toBeNull();
  });

  it('never stitch in a tampered chunk, and refuse a manifest whose value hash disagrees', () => {
    const value = rng.bytes(3000);
    const { manifest, chunks } = splitValue(value, sha256);
    const tampered = chunks.map((c, i) => (i === 1 ? { ...c, data: c.data.map((b, j) => (j === 0 ? b ^ 1 : b)) } : c));
    expect(reassembleValue(manifest, tampered, sha256)).toBeNull();
    expect(reassembleValue({ ...manifest, valueId: new Uint8Array(32) }, chunks, sha256)).toBeNull();
    expect(reassembleValue({ ...manifest, totalBytes: manifest.totalBytes + 1 }, chunks, sha256)).toBeNull();
  });

  it('handle the empty value, and refuse values over the cap as a programmer error', () => {
    const { manifest, chunks } = splitValue(new Uint8Array(0), sha256);
    expect(chunks).toHaveLength(0);
    expect(reassembleValue(manifest, [], sha256)).toEqual(new Uint8Array(0));
    expect(() => splitValue(new Uint8Array(MAX_CHUNKED_VALUE_BYTES + 1), sha256)).toThrow(RangeError);
  });
});
