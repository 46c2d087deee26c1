import { MessageKind, bytes, defineMessage, enumU8, list, optional, struct, u32, u64, utf8, type Infer } from '../wire/index.js';
import { BanType, GameKeyType, KeyCertificateType, PaymentTokenType } from './certificates.js';

/**
 * The authority's message kinds (0x80–0x8f). Every one is signed by the transport: a request's
 * sender key is the key being registered or renewed (so holding the private key is proven by the
 * datagram itself), and a client accepts an answer only when it is signed by the authority key it
 * was configured with. Requests carry a request id chosen by the client; the answer echoes it.
 */

export const MAX_USERNAME_BYTES = 32;
/** A proof travels as content-addressed chunks (at most this many) described by an auth-proof message. */
export const MAX_PROOF_CHUNKS = 4;

/** Why the authority refused a request; the order is the wire encoding, so new reasons go at the end. */
export const REFUSAL_REASONS = [
  'bad-request',
  'bad-username',
  'token-invalid',
  'token-expired',
  'token-used',
  'username-taken',
  'key-taken',
  'unknown-key',
  'account-expired',
  'banned',
  'proof-too-large',
  'proof-malformed',
  'proof-unknown-kind',
  'proof-certificate',
  'proof-context',
  'proof-identical',
  'proof-signature',
  'proof-unknown-player',
  'busy',
  'internal-error',
  // Appended, not inserted: the byte values of the reasons above are on the wire.
  'proof-opens',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const AuthRegister = defineMessage({
  kind: MessageKind.authRegister,
  name: 'auth-register',
  authenticated: true,
  summary: 'register the sender key under username, paid by a token; a retry of the same registration gets the same player_id',
  body: struct({ requestId: u64, username: utf8(MAX_USERNAME_BYTES), token: PaymentTokenType.codec }),
});

export const AuthRenew = defineMessage({
  kind: MessageKind.authRenew,
  name: 'auth-renew',
  authenticated: true,
  summary: 'a fresh game key for the sender key; an optional token extends the subscription first',
  body: struct({ requestId: u64, token: optional(PaymentTokenType.codec) }),
});

export const AuthCertificates = defineMessage({
  kind: MessageKind.authCertificates,
  name: 'auth-certificates',
  authenticated: true,
  summary: 'answer to auth-register or auth-renew: key certificate, game key, and when the subscription ends (Unix epoch ms)',
  body: struct({ requestId: u64, keyCertificate: KeyCertificateType.codec, gameKey: GameKeyType.codec, paidUntilMs: u64 }),
});

export const AuthRefused = defineMessage({
  kind: MessageKind.authRefused,
  name: 'auth-refused',
  authenticated: true,
  summary: 'answer to any authority request that was refused, with the reason',
  body: struct({ requestId: u64, reason: enumU8(REFUSAL_REASONS) }),
});

export const AuthProof = defineMessage({
  kind: MessageKind.authProof,
  name: 'auth-proof',
  authenticated: true,
  summary: 'submit a cheat proof: its SHA-256, its length and the ids of the chunk messages that carry it',
  body: struct({ requestId: u64, proofId: bytes(32), totalBytes: u32, chunkIds: list(bytes(32), MAX_PROOF_CHUNKS) }),
});

export const AuthBanned = defineMessage({
  kind: MessageKind.authBanned,
  name: 'auth-banned',
  authenticated: true,
  summary: 'answer to an accepted cheat proof: the ban certificate (the existing one if the offender was already banned)',
  body: struct({ requestId: u64, ban: BanType.codec }),
});

export const AuthLookup = defineMessage({
  kind: MessageKind.authLookup,
  name: 'auth-lookup',
  authenticated: true,
  summary: 'ask for the certificates and ban of a player, by public key or by player_id (exactly one)',
  body: struct({ requestId: u64, publicKey: optional(bytes(32)), playerId: optional(u64) }),
});

export const AuthLookupResult = defineMessage({
  kind: MessageKind.authLookupResult,
  name: 'auth-lookup-result',
  authenticated: true,
  summary: 'answer to auth-lookup: whatever the authority holds (all absent for an unknown player)',
  body: struct({
    requestId: u64,
    keyCertificate: optional(KeyCertificateType.codec),
    gameKey: optional(GameKeyType.codec),
    ban: optional(BanType.codec),
  }),
});

export const AUTH_MESSAGES = [AuthRegister, AuthRenew, AuthCertificates, AuthRefused, AuthProof, AuthBanned, AuthLookup, AuthLookupResult] as const;

export type AuthRegisterBody = Infer<typeof AuthRegister.body>;
export type AuthLookupResultBody = Infer<typeof AuthLookupResult.body>;
