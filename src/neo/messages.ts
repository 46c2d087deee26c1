import { DIGEST16_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { MessageKind, bytes, defineMessage, list, optional, struct, u32, u8, varBytes, type Infer } from '../wire/index.js';

/**
 * The largest group NEO runs: votes for every member must fit one datagram with everything else,
 * behind an authenticated envelope (the content with 32 members' votes is 916 bytes at most).
 */
export const MAX_GROUP_SIZE = 32;
/** An encrypted update: ≤ 224 bytes of game update behind the 32-byte commitment hash (src/crypto/commitment.ts). */
export const MAX_COMMITMENT_BYTES = 256;
export const SESSION_ID_BYTES = 16;

const vote = struct({ member: u8, digest: bytes(DIGEST16_LENGTH) });

/**
 * What one member says in one round. Signed as a whole by the sender (after a domain tag), so a
 * copy forwarded by anyone else is still attributable: that is what lets a member that missed it
 * fetch it from another, and what turns two conflicting copies into proof.
 */
export const NeoRoundContent = struct({
  session: bytes(SESSION_ID_BYTES),
  view: u32,
  round: u32,
  sender: u8,
  /** This round's update, sealed under a fresh key K(round); empty when the member has none. */
  update: varBytes(MAX_COMMITMENT_BYTES),
  /** K(round − d), opening the update this member sent d rounds ago. */
  reveal: optional(struct({ round: u32, key: bytes(32) })),
  /** Which members' messages of round − d arrived here before the deadline, with the digest of what arrived. */
  votes: optional(struct({ round: u32, entries: list(vote, MAX_GROUP_SIZE) })),
  /** Every h rounds: the hash of this member's game state after the last round it played. */
  stateHash: optional(struct({ round: u32, hash: bytes(32) })),
  /** Leader only: a new round length taking effect at an agreed future round. */
  proposal: optional(struct({ effectiveRound: u32, roundMs: u32 })),
});

export type NeoRoundContentValue = Infer<typeof NeoRoundContent>;

const signedRound = struct({ content: varBytes(1024), signature: bytes(SIGNATURE_LENGTH) });

export const NeoRound = defineMessage({
  kind: MessageKind.neoRound,
  name: 'neo-round',
  // Two proofs with two jobs. The envelope (a pairwise MAC, as members know each other's keys from
  // the view) authenticates the sender to its one recipient, cheaply, on every message. The content
  // signature (over session, view, round, sender and every field) survives forwarding and makes
  // evidence; receivers check it when a message is used as evidence or forwarded, and on a random
  // sample (docs/protocol-neo.md, "Authentication cost").
  authenticated: true,
  summary: 'a member\'s NEO message for one round: sealed update, previous key, votes, state hash; content signed by the sender, envelope authenticated to the recipient',
  body: signedRound,
});

/** A member's round message as another member forwards it on request, byte for byte. */
export const NeoForward = defineMessage({
  kind: MessageKind.neoForward,
  name: 'neo-forward',
  authenticated: false,
  summary: 'a copy of another member\'s signed neo-round content, sent in answer to neo-fetch; never counts as on time',
  body: signedRound,
});

export const NeoFetch = defineMessage({
  kind: MessageKind.neoFetch,
  name: 'neo-fetch',
  authenticated: true,
  summary: 'ask a group member for the signed round message of `member` in `round` that this member missed',
  body: struct({ session: bytes(SESSION_ID_BYTES), view: u32, round: u32, member: u8 }),
});

export type SignedRound = Infer<typeof signedRound>;

/** Domain separation: a NEO signature can never be mistaken for a signature over anything else. */
export const NEO_ROUND_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/neo-round/v1');

export function roundSigningBytes(content: Uint8Array): Uint8Array {
  const out = new Uint8Array(NEO_ROUND_SIGNING_TAG.length + content.length);
  out.set(NEO_ROUND_SIGNING_TAG);
  out.set(content, NEO_ROUND_SIGNING_TAG.length);
  return out;
}

/** The length of updateAad's output. */
export const UPDATE_AAD_BYTES = SESSION_ID_BYTES + 9;

/**
 * Binds a sealed update to its context, so it cannot be replayed into another round or session.
 * Written into `into` when given (a hot caller reuses one buffer), else into a new array.
 */
export function updateAad(session: Uint8Array, view: number, round: number, sender: number, into: Uint8Array = new Uint8Array(UPDATE_AAD_BYTES)): Uint8Array {
  if (into.length !== UPDATE_AAD_BYTES) throw new RangeError(`updateAad: into must be ${UPDATE_AAD_BYTES} bytes, got ${into.length}`);
  into.set(session);
  writeU32(into, SESSION_ID_BYTES, view);
  writeU32(into, SESSION_ID_BYTES + 4, round);
  into[SESSION_ID_BYTES + 8] = sender;
  return into;
}

function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

