import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProtocolRegistry } from '../../src/catalog.js';
import { decodeState } from '../../src/game/index.js';
import { GroupBan, GroupResyncFetch, GroupResyncState } from '../../src/groups/index.js';
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

describe('group-resync-fetch and group-resync-state wire format', () => {
  it('golden bytes are pinned and decode to signed messages of kinds 0x3c and 0x3d', () => {
    const registry = createProtocolRegistry();
    const fetch = decodeMessage(fromHex((golden.find((g) => g.name === 'group-resync-fetch') as GoldenEntry).bytes), registry);
    expect(fetch.spec).toBe(GroupResyncFetch);
    expect(fetch.body).toEqual({ session: new Uint8Array(16).fill(0x5e), round: 40 });
    const state = decodeMessage(fromHex((golden.find((g) => g.name === 'group-resync-state') as GoldenEntry).bytes), registry);
    expect(state.spec).toBe(GroupResyncState);
    const body = state.body as { round: number; state: Uint8Array };
    expect(body.round).toBe(40);
    expect(decodeState(body.state).members).toHaveLength(3);
    for (const d of [fetch, state]) {
      expect(hex(d.auth!.publicKey)).toBe(hex(playerSigner.publicKey));
      expect(ed.verify(d.auth!.proof, d.auth!.coveredBytes, d.auth!.publicKey)).toBe(true);
    }
    expect(MessageKind.groupResyncFetch).toBe(0x3c);
    expect(MessageKind.groupResyncState).toBe(0x3d);
  });
});
