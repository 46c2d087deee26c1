import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProtocolRegistry } from '../../src/catalog.js';
import { GroupBan } from '../../src/groups/index.js';
import { decodeMessage, MessageKind } from '../../src/wire/index.js';
import { ed, fromHex, hex, playerSigner } from '../auth/helpers.js';
import { buildGolden, type GoldenEntry } from './golden.js';

const golden: GoldenEntry[] = JSON.parse(readFileSync(new URL('./fixtures/golden.json', import.meta.url), 'utf8'));

describe('group-ban wire format', () => {
  it('golden bytes are pinned and decode to a signed group-ban', () => {
    const built = buildGolden();
    expect(built).toEqual(golden);
    const decoded = decodeMessage(fromHex((golden[0] as GoldenEntry).bytes), createProtocolRegistry());
    expect(decoded.spec).toBe(GroupBan);
    expect(hex(decoded.auth!.publicKey)).toBe(hex(playerSigner.publicKey));
    expect(ed.verify(decoded.auth!.proof, decoded.auth!.coveredBytes, decoded.auth!.publicKey)).toBe(true);
    expect(MessageKind.groupBan).toBe(0x3b);
  });
});
