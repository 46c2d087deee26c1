import type { Ed25519Backend } from '../../src/crypto/index.js';
import { DhtFindNode, DhtFindValue, DhtNodes, DhtPing, DhtPong, DhtStore, DhtStored, DhtValue } from '../../src/dht/messages.js';
import { signRecord } from '../../src/dht/records.js';
import { encodeMessage, type MessageSpec } from '../../src/wire/index.js';

export interface GoldenCase {
  readonly name: string;
  readonly note: string;
  readonly bytes: Uint8Array;
}

/**
 * One datagram per DHT kind, signed with fixed seeds (Ed25519 is deterministic), so the bytes in
 * test/wire/fixtures/golden.json can be rebuilt and compared.
 */
export function goldenDhtMessages(ed: Ed25519Backend): GoldenCase[] {
  const sender = ed.createSigner(new Uint8Array(32).fill(1));
  const owner = ed.createSigner(new Uint8Array(32).fill(2));
  const record = signRecord(
    { type: 'player-data', subject: owner.publicKey, seq: 9n, expiresAtMs: 1_800_000_000_000n, value: new TextEncoder().encode('hello') },
    owner,
  );
  // A credential is opaque to the DHT; these bytes stand for a 104-byte key certificate.
  const credential = new Uint8Array(104).fill(0xc1);
  const recordNote = "record: player-data by seed 0x02*32 about its own key, seq 9, expiresAtMs 1800000000000, value 'hello'";
  const one = <T>(spec: MessageSpec<T>, sequence: bigint, body: T, note: string): GoldenCase => ({
    name: spec.name,
    note: `seed 0x01*32, sequence ${sequence}, ${note}`,
    bytes: encodeMessage(spec, body, { signer: sender, sequence }),
  });
  return [
    one(DhtPing, 1n, { rid: 0x01020304, credential }, 'rid 0x01020304, credential 0xc1*104'),
    one(DhtPong, 2n, { rid: 0x01020304, credential: null }, 'rid 0x01020304, no credential'),
    one(DhtFindNode, 3n, { rid: 5, target: new Uint8Array(32).fill(0x44), credential: null }, 'rid 5, target 0x44*32, no credential'),
    one(
      DhtNodes,
      4n,
      {
        rid: 6,
        contacts: [
          { nodeId: new Uint8Array(32).fill(0x55), address: new Uint8Array([127, 0, 0, 1]), port: 4000 },
          { nodeId: new Uint8Array(32).fill(0x66), address: new Uint8Array([...new Array<number>(15).fill(0), 1]), port: 65535 },
        ],
        credential: Uint8Array.of(0xc2, 0xc3),
      },
      'rid 6, contacts 0x55*32 at 127.0.0.1:4000 and 0x66*32 at [::1]:65535, credential c2c3',
    ),
    one(DhtFindValue, 5n, { rid: 7, key: new Uint8Array(32).fill(0x77), credential: null }, 'rid 7, key 0x77*32, no credential'),
    one(DhtValue, 6n, { rid: 8, record }, `rid 8, ${recordNote}`),
    one(DhtStore, 7n, { rid: 9, record }, `rid 9, ${recordNote}`),
    one(DhtStored, 8n, { rid: 10, outcome: 'stale' }, 'rid 10, outcome stale (2)'),
  ];
}
