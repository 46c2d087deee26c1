import { HEADER_BYTES, MAC_BYTES, PUBLIC_KEY_BYTES, SEQUENCE_BYTES, SIGNATURE_BYTES, WIRE_VERSION, type AnyMessageSpec } from './envelope.js';
import type { Shape } from './schema.js';

interface Row {
  offset: string;
  size: string;
  field: string;
  type: string;
}

function fixedSize(shape: Shape): number | null {
  switch (shape.t) {
    case 'u8':
    case 'bool':
    case 'enum':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
    case 'f64':
      return 8;
    case 'bytes':
      return shape.n;
    case 'struct': {
      let total = 0;
      for (const [, f] of shape.fields) {
        const n = fixedSize(f);
        if (n === null) return null;
        total += n;
      }
      return total;
    }
    default:
      return null;
  }
}

function typeText(shape: Shape): string {
  switch (shape.t) {
    case 'bytes':
      return `${shape.n} bytes`;
    case 'varBytes':
      return `u${shape.prefix * 8} length ≤ ${shape.max}, then bytes`;
    case 'utf8':
      return `u${shape.prefix * 8} length ≤ ${shape.max}, then UTF-8`;
    case 'list':
      return `u${shape.prefix * 8} count ≤ ${shape.max}, then each: ${typeText(shape.of)}`;
    case 'optional':
      return `u8 presence 0/1, then if 1: ${typeText(shape.of)}`;
    case 'enum':
      return `u8 enum: ${shape.names.map((n, i) => `${i}=${n}`).join(', ')}`;
    case 'struct':
      return `{ ${shape.fields.map(([k, f]) => `${k}: ${typeText(f)}`).join('; ')} }`;
    case 'bool':
      return 'u8 0/1';
    case 'f64':
      return 'f64 big-endian, finite';
    default:
      return `${shape.t} big-endian`;
  }
}

function bodyRows(shape: Shape, start: number | null, prefix: string, rows: Row[]): number | null {
  let offset = start;
  const fields = shape.t === 'struct' ? shape.fields : ([['value', shape]] as const);
  for (const [name, f] of fields) {
    const size = fixedSize(f);
    if (f.t === 'struct' && size !== null) {
      offset = bodyRows(f, offset, `${prefix}${name}.`, rows);
      continue;
    }
    rows.push({ offset: offset === null ? '…' : String(offset), size: size === null ? 'var' : String(size), field: `${prefix}${name}`, type: typeText(f) });
    offset = offset === null || size === null ? null : offset + size;
  }
  return offset;
}

/** The byte-by-byte layout of one message kind as a Markdown table, generated from its schema. */
export function describeMessage(spec: AnyMessageSpec): string {
  const rows: Row[] = [
    { offset: '0', size: '1', field: 'version', type: `u8, must be ${WIRE_VERSION}` },
    { offset: '1', size: '1', field: 'kind', type: `u8 = 0x${spec.kind.toString(16).padStart(2, '0')}` },
    { offset: '2', size: '1', field: 'flags', type: spec.authenticated ? 'u8 = 0x01 (signature) or 0x02 (MAC)' : 'u8 = 0x00' },
  ];
  let offset: number | null = HEADER_BYTES;
  if (spec.authenticated) {
    rows.push({ offset: String(offset), size: String(PUBLIC_KEY_BYTES), field: 'sender public key', type: 'Ed25519 public key' });
    offset += PUBLIC_KEY_BYTES;
    rows.push({ offset: String(offset), size: String(SEQUENCE_BYTES), field: 'sequence', type: 'u64 big-endian, strictly increasing per sender' });
    offset += SEQUENCE_BYTES;
  }
  const end = bodyRows(spec.body.shape, offset, '', rows);
  if (spec.authenticated) {
    rows.push({ offset: end === null ? 'len−64' : String(end), size: String(SIGNATURE_BYTES), field: 'signature (flags 0x01)', type: 'Ed25519 over bytes [0, len−64)' });
    rows.push({ offset: end === null ? 'len−16' : String(end), size: String(MAC_BYTES), field: 'tag (flags 0x02)', type: 'HMAC-SHA-256 under the pairwise key, first 16 bytes, over bytes [0, len−16)' });
  }
  const header = `### 0x${spec.kind.toString(16).padStart(2, '0')} \`${spec.name}\`${spec.authenticated ? ' (authenticated)' : ''}\n\n${spec.summary}\n\n| offset | size | field | type |\n|---|---|---|---|\n`;
  return header + rows.map((r) => `| ${r.offset} | ${r.size} | ${r.field} | ${r.type} |`).join('\n') + '\n';
}

export function describeRegistry(specs: readonly AnyMessageSpec[]): string {
  return specs.map(describeMessage).join('\n');
}

/**
 * The layout of a record that is not a message of its own but travels inside messages and is
 * stored (certificates), as a Markdown table with offsets from the record's first byte.
 */
export function describeRecord(record: { readonly name: string; readonly summary: string; readonly shape: Shape }): string {
  const rows: Row[] = [];
  bodyRows(record.shape, 0, '', rows);
  const header = `### \`${record.name}\`\n\n${record.summary}\n\n| offset | size | field | type |\n|---|---|---|---|\n`;
  return header + rows.map((r) => `| ${r.offset} | ${r.size} | ${r.field} | ${r.type} |`).join('\n') + '\n';
}
