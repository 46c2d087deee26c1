import { MAX_AUTHENTICATED_BODY_BYTES, MAX_UNAUTHENTICATED_BODY_BYTES, defineMessage } from './envelope.js';
import { MessageKind } from './kinds.js';
import { bytes, list, struct, u32, varBytes, type Infer } from './schema.js';

/** A 32-byte content hash (SHA-256 from src/crypto); injected so the codec stays dependency-free. */
export type ContentHash = (data: Uint8Array) => Uint8Array;

export const CHUNK_DATA_MAX_BYTES = 1024;
export const MANIFEST_MAX_CHUNKS = 32;
/** The largest value one manifest can describe (32 KiB). */
export const MAX_CHUNKED_VALUE_BYTES = CHUNK_DATA_MAX_BYTES * MANIFEST_MAX_CHUNKS;

/**
 * One piece of a large value. Unsigned because it is content-addressed: its identity is the hash
 * of its data, and a receiver accepts it only when that hash is listed in a signed manifest.
 */
export const Chunk = defineMessage({
  kind: MessageKind.chunk,
  name: 'chunk',
  authenticated: false,
  summary: 'one content-addressed piece of a value too large for a datagram; chunkId = SHA-256(data)',
  body: struct({ chunkId: bytes(32), data: varBytes(CHUNK_DATA_MAX_BYTES) }),
});

/** The signed list of chunk hashes that makes a chunked value whole and attributable. */
export const Manifest = defineMessage({
  kind: MessageKind.manifest,
  name: 'manifest',
  authenticated: true,
  summary: 'signed description of a chunked value: its hash, its length and its chunks in order',
  body: struct({ valueId: bytes(32), totalBytes: u32, chunkIds: list(bytes(32), MANIFEST_MAX_CHUNKS) }),
});

export type ManifestBody = Infer<typeof Manifest.body>;
export type ChunkBody = Infer<typeof Chunk.body>;

// Both messages must fit at their caps; checked once here rather than discovered at send time.
if (32 + 2 + CHUNK_DATA_MAX_BYTES > MAX_UNAUTHENTICATED_BODY_BYTES || 32 + 4 + 1 + 32 * MANIFEST_MAX_CHUNKS > MAX_AUTHENTICATED_BODY_BYTES) {
  throw new Error('chunk or manifest caps exceed the datagram size');
}

export function splitValue(value: Uint8Array, hash: ContentHash): { manifest: ManifestBody; chunks: ChunkBody[] } {
  if (!(value instanceof Uint8Array)) throw new TypeError('splitValue: value must be a Uint8Array');
  if (value.length > MAX_CHUNKED_VALUE_BYTES) throw new RangeError(`splitValue: ${value.length} bytes exceeds ${MAX_CHUNKED_VALUE_BYTES}`);
  const chunks: ChunkBody[] = [];
  for (let start = 0; start < value.length; start += CHUNK_DATA_MAX_BYTES) {
    const data = value.slice(start, start + CHUNK_DATA_MAX_BYTES);
    chunks.push({ chunkId: hash(data), data });
  }
  return { manifest: { valueId: hash(value), totalBytes: value.length, chunkIds: chunks.map((c) => c.chunkId) }, chunks };
}

function key(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/**
 * Rebuild a value from a manifest and whatever chunks arrived. Returns null while a chunk is
 * missing, and null for any chunk or whole value whose hash disagrees with the manifest: a
 * tampered piece is never stitched in.
 */
export function reassembleValue(manifest: ManifestBody, chunks: Iterable<ChunkBody>, hash: ContentHash): Uint8Array | null {
  const byId = new Map<string, Uint8Array>();
  for (const c of chunks) {
    if (key(hash(c.data)) === key(c.chunkId)) byId.set(key(c.chunkId), c.data);
  }
  if (manifest.totalBytes > MAX_CHUNKED_VALUE_BYTES) return null;
  const out = new Uint8Array(manifest.totalBytes);
  let offset = 0;
  for (const id of manifest.chunkIds) {
    const data = byId.get(key(id));
    if (!data || offset + data.length > out.length) return null;
    out.set(data, offset);
    offset += data.length;
  }
  if (offset !== out.length || key(hash(out)) !== key(manifest.valueId)) return null;
  return out;
}
