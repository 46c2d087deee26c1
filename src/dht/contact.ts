import { isIPv4, isIPv6 } from 'node:net';
import { NODE_ID_LENGTH } from '../crypto/index.js';
import type { Endpoint } from '../net/index.js';
import { bytes, struct, u16, varBytes, type Infer } from '../wire/index.js';

/** A DHT node as others know it: its ID (derived from its public key) and where it listens. */
export interface DhtContact {
  readonly nodeId: Uint8Array;
  readonly endpoint: Endpoint;
}

/**
 * On the wire an address is its 4 or 16 raw bytes, not text: 51 bytes per contact at most, so
 * even 20 contacts (Kademlia's classic k) fit one datagram with room to spare.
 */
export const WireContact = struct({ nodeId: bytes(NODE_ID_LENGTH), address: varBytes(16), port: u16 });
export type WireContactValue = Infer<typeof WireContact>;

/** Raw bytes of an IP literal. The transport binds to IP literals only, so anything else is a caller bug. */
export function encodeAddress(host: string): Uint8Array {
  if (isIPv4(host)) return new Uint8Array(host.split('.').map(Number));
  if (isIPv6(host)) return ipv6Bytes(host);
  throw new TypeError(`DHT contact: host must be an IPv4 or IPv6 literal, got ${JSON.stringify(host)}`);
}

/** The canonical text of 4 or 16 address bytes; null for any other length (remote garbage). */
export function decodeAddress(address: Uint8Array): string | null {
  if (address.length === 4) return Array.from(address).join('.');
  if (address.length !== 16) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((address[i] as number) << 8) | (address[i + 1] as number)).toString(16));
  // The URL parser writes IPv6 in its RFC 5952 form, the same text the socket reports as a sender.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function ipv6Bytes(host: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = host;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (dotted) {
    tail = (dotted[1] as string).split('.').map(Number);
    text = text.slice(0, -(dotted[1] as string).length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (dotted) out.set(tail, 12);
  return out;
}

export function toWireContact(contact: DhtContact): WireContactValue {
  return { nodeId: contact.nodeId, address: encodeAddress(contact.endpoint.host), port: contact.endpoint.port };
}

/** Null when the contact cannot be real: an address of the wrong length or port 0. */
export function fromWireContact(wire: WireContactValue): DhtContact | null {
  const host = decodeAddress(wire.address);
  if (host === null || wire.port === 0) return null;
  return { nodeId: wire.nodeId, endpoint: { host, port: wire.port } };
}
