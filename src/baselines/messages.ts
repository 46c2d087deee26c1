import { MessageKind, bool, bytes, defineMessage, f64, struct, u16, u32, u64, varBytes, type Infer } from '../wire/index.js';

/**
 * The baselines' message kinds (docs/baselines.md). Every one is signed by the transport, so a
 * receiver knows which key sent it; which *player* sent it is the roster index of the sending
 * endpoint, and the index each body carries must agree with it.
 */

/** Largest opaque update a lockstep player or relay client may send (fits with every other field). */
export const MAX_BASELINE_UPDATE_BYTES = 1024;
/** The secret that makes a lockstep commitment hiding: 256 random bits per player per turn. */
export const LOCKSTEP_NONCE_BYTES = 32;
export const LOCKSTEP_HASH_BYTES = 32;
/** Player and client indices are u16 on the wire. */
export const MAX_BASELINE_PLAYERS = 0x10000;

/** Lockstep, phase 1 of a turn: the hash that binds a player to its update before anyone reveals. */
export const LockstepCommit = defineMessage({
  kind: MessageKind.lockstepCommit,
  name: 'lockstep-commit',
  authenticated: true,
  summary: 'lockstep turn commitment: hash = SHA-256(update || nonce); reply = answer to a laggard, never answered',
  body: struct({ turn: u32, player: u16, reply: bool, hash: bytes(LOCKSTEP_HASH_BYTES) }),
});

/** Lockstep, phase 2: the update and nonce that must hash to the player's commitment of the turn. */
export const LockstepReveal = defineMessage({
  kind: MessageKind.lockstepReveal,
  name: 'lockstep-reveal',
  authenticated: true,
  summary: 'lockstep turn reveal: the update and nonce opening the commitment; reply = answer to a laggard, never answered',
  body: struct({ turn: u32, player: u16, reply: bool, update: varBytes(MAX_BASELINE_UPDATE_BYTES), nonce: bytes(LOCKSTEP_NONCE_BYTES) }),
});

/** Client/server: one client's update, sent to the relay server. */
export const ClientUpdate = defineMessage({
  kind: MessageKind.clientUpdate,
  name: 'client-update',
  authenticated: true,
  summary: 'client/server baseline: one client update to the relay server; createdAtMs on the shared clock',
  body: struct({ client: u16, seq: u32, createdAtMs: f64, payload: varBytes(MAX_BASELINE_UPDATE_BYTES) }),
});

/** Client/server: the server's copy of a client update, forwarded to every other client. */
export const ServerRelay = defineMessage({
  kind: MessageKind.serverRelay,
  name: 'server-relay',
  authenticated: true,
  summary: 'client/server baseline: a client update forwarded by the server; serverSeq = the server\'s arrival order',
  body: struct({ client: u16, seq: u32, createdAtMs: f64, serverSeq: u64, payload: varBytes(MAX_BASELINE_UPDATE_BYTES) }),
});

export type LockstepCommitBody = Infer<typeof LockstepCommit.body>;
export type LockstepRevealBody = Infer<typeof LockstepReveal.body>;
export type ClientUpdateBody = Infer<typeof ClientUpdate.body>;
export type ServerRelayBody = Infer<typeof ServerRelay.body>;

export const BASELINE_MESSAGES = [LockstepCommit, LockstepReveal, ClientUpdate, ServerRelay] as const;
