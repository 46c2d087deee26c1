/**
 * The authority's golden fixtures: one of each certificate, each authority message, and a cheat
 * proof, built from fixed seeds (Ed25519 is deterministic, so the bytes are too). Run
 * `npx tsx test/auth/golden.ts > test/auth/fixtures/golden.json` only together with a WIRE_VERSION
 * change; test/auth/wire.test.ts compares against the file.
 */
import {
  AuthBanned,
  AuthCertificates,
  AuthLookup,
  AuthLookupResult,
  AuthProof,
  AuthRefused,
  AuthRegister,
  AuthRenew,
  BanType,
  GameKeyType,
  KeyCertificateType,
  PaymentTokenType,
  encodeCertificate,
  encodeNeoBadRevealProof,
  encodeNeoEquivocationProof,
  signCertificate,
} from '../../src/auth/index.js';
import { encodeMessage, type MessageSpec } from '../../src/wire/index.js';
import { authoritySigner, hex, issuerSigner, playerSigner, roundContent, signRound } from './helpers.js';

export interface GoldenEntry {
  readonly name: string;
  readonly note: string;
  readonly bytes: string;
}

export function buildGolden(): GoldenEntry[] {
  const token = signCertificate(PaymentTokenType, issuerSigner, { tokenId: new Uint8Array(16).fill(0x10), amount: 999, planMs: 2_592_000_000n, issuedAtMs: 1_700_000_000_000n });
  const keyCertificate = signCertificate(KeyCertificateType, authoritySigner, { playerId: 42n, publicKey: playerSigner.publicKey });
  const gameKey = signCertificate(GameKeyType, authoritySigner, { playerId: 42n, expiresAtMs: 1_700_003_600_000n });
  const ban = signCertificate(BanType, authoritySigner, { playerId: 42n, bannedAtMs: 1_700_000_500_000n, reason: new Uint8Array(32).fill(0xbb) });
  const proof = encodeNeoEquivocationProof(keyCertificate, signRound(playerSigner, roundContent({ update: new Uint8Array([1]) })), signRound(playerSigner, roundContent({ update: new Uint8Array([2]) })));
  const player = (spec: MessageSpec<unknown>, body: unknown, note: string): GoldenEntry => ({ name: spec.name, note: `player seed 0x03*32, sequence 5; ${note}`, bytes: hex(encodeMessage(spec, body, { signer: playerSigner, sequence: 5n })) });
  const authority = (spec: MessageSpec<unknown>, body: unknown, note: string): GoldenEntry => ({ name: spec.name, note: `authority seed 0x01*32, sequence 9; ${note}`, bytes: hex(encodeMessage(spec, body, { signer: authoritySigner, sequence: 9n })) });
  return [
    { name: 'payment-token', note: 'issuer seed 0x02*32; tokenId 0x10*16, amount 999, planMs 30 days, issuedAtMs 1.7e12', bytes: hex(encodeCertificate(PaymentTokenType, token)) },
    { name: 'key-certificate', note: 'authority seed 0x01*32; playerId 42, publicKey of seed 0x03*32', bytes: hex(encodeCertificate(KeyCertificateType, keyCertificate)) },
    { name: 'game-key', note: 'authority seed 0x01*32; playerId 42, expiresAtMs 1700003600000', bytes: hex(encodeCertificate(GameKeyType, gameKey)) },
    { name: 'ban', note: 'authority seed 0x01*32; playerId 42, bannedAtMs 1700000500000, reason 0xbb*32', bytes: hex(encodeCertificate(BanType, ban)) },
    { name: 'cheat-proof', note: 'neo-equivocation by playerId 42: two round-7 messages with updates 01 and 02', bytes: hex(proof) },
    {
      name: 'cheat-proof-bad-reveal',
      note: 'neo-bad-reveal by playerId 42: round-7 message with update 010203, round-8 message revealing key 0x11*32 for round 7',
      bytes: hex(encodeNeoBadRevealProof(keyCertificate, signRound(playerSigner, roundContent({ update: new Uint8Array([1, 2, 3]) })), signRound(playerSigner, roundContent({ round: 8, update: new Uint8Array(0), reveal: { round: 7, key: new Uint8Array(32).fill(0x11) } })))),
    },
    player(AuthRegister as MessageSpec<unknown>, { requestId: 1n, username: 'alice', token }, 'requestId 1, username alice, the payment-token above'),
    player(AuthRenew as MessageSpec<unknown>, { requestId: 2n, token: null }, 'requestId 2, no token'),
    authority(AuthCertificates as MessageSpec<unknown>, { requestId: 1n, keyCertificate, gameKey, paidUntilMs: 1_702_592_000_000n }, 'requestId 1, the certificates above'),
    authority(AuthRefused as MessageSpec<unknown>, { requestId: 3n, reason: 'username-taken' }, 'requestId 3, username-taken'),
    player(AuthProof as MessageSpec<unknown>, { requestId: 4n, proofId: new Uint8Array(32).fill(0xcc), totalBytes: 600, chunkIds: [new Uint8Array(32).fill(0xdd)] }, 'requestId 4, one chunk'),
    authority(AuthBanned as MessageSpec<unknown>, { requestId: 4n, ban }, 'requestId 4, the ban above'),
    player(AuthLookup as MessageSpec<unknown>, { requestId: 6n, publicKey: null, playerId: 42n }, 'requestId 6, by playerId 42'),
    authority(AuthLookupResult as MessageSpec<unknown>, { requestId: 6n, keyCertificate, gameKey: null, ban }, 'requestId 6, key certificate and ban'),
  ];
}

if (process.argv[1]?.endsWith('golden.ts')) console.log(JSON.stringify(buildGolden(), null, 2));
