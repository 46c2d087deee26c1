/**
 * Golden datagrams of the group messages added with attacks (`group-ban`) and with resynchronisation
 * (`group-resync-fetch`, `group-resync-state`), built from the fixed seeds of test/auth/helpers.ts
 * (Ed25519 is deterministic, so the bytes are too). Regenerate with
 * `npx tsx test/groups/golden.ts > test/groups/fixtures/golden.json` only with a WIRE_VERSION change
 * (or to append a new kind: the existing entries must come out byte-identical).
 */
import { BanType, KeyCertificateType, signCertificate } from '../../src/auth/index.js';
import { createGame, encodeState } from '../../src/game/index.js';
import { GroupBan, GroupResyncFetch, GroupResyncState } from '../../src/groups/index.js';
import { encodeMessage, type MessageSpec } from '../../src/wire/index.js';
import { authoritySigner, hex, playerSigner } from '../auth/helpers.js';

export interface GoldenEntry {
  readonly name: string;
  readonly note: string;
  readonly bytes: string;
}

export function buildGolden(): GoldenEntry[] {
  const keyCertificate = signCertificate(KeyCertificateType, authoritySigner, { playerId: 42n, publicKey: playerSigner.publicKey });
  const ban = signCertificate(BanType, authoritySigner, { playerId: 42n, bannedAtMs: 1_700_000_500_000n, reason: new Uint8Array(32).fill(0xbb) });
  const body = { session: new Uint8Array(16).fill(0x5e), ban, keyCertificate };
  return [
    {
      name: GroupBan.name,
      note: 'sender seed 0x03*32, sequence 5; session 0x5e*16, the ban and key certificate of playerId 42 from test/auth/fixtures/golden.json',
      bytes: hex(encodeMessage(GroupBan as MessageSpec<unknown>, body, { signer: playerSigner, sequence: 5n })),
    },
    {
      name: GroupResyncFetch.name,
      note: 'sender seed 0x03*32, sequence 6; session 0x5e*16, round 40',
      bytes: hex(encodeMessage(GroupResyncFetch as MessageSpec<unknown>, { session: body.session, round: 40 }, { signer: playerSigner, sequence: 6n })),
    },
    {
      name: GroupResyncState.name,
      note: 'sender seed 0x03*32, sequence 7; session 0x5e*16, round 40, the state of createGame({ members: 3, seed: 42 }) before its first round (docs/game.md layout)',
      bytes: hex(
        encodeMessage(GroupResyncState as MessageSpec<unknown>, { session: body.session, round: 40, state: encodeState(createGame({ members: 3, seed: 42 }).snapshot()) }, { signer: playerSigner, sequence: 7n }),
      ),
    },
  ];
}

if (process.argv[1]?.endsWith('golden.ts')) console.log(JSON.stringify(buildGolden(), null, 2));
