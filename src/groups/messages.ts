import { MessageKind, bytes, defineMessage, f64, list, optional, struct, u16, u32, u8, utf8, varBytes, type Infer } from '../wire/index.js';
import { BanType, GameKeyType, KeyCertificateType } from '../auth/certificates.js';
import { PUBLIC_KEY_LENGTH, SHA256_LENGTH } from '../crypto/index.js';
import { SESSION_ID_BYTES } from '../neo/messages.js';

/**
 * A welcome lists every member of the new view with its endpoint and must fit one datagram; groups
 * that change membership are capped at this size (profiles check it).
 */
export const MAX_CHANGING_GROUP_SIZE = 12;
/** A group remembers the digests of this many notices it played, and hands them to its joiners. */
export const MAX_PLAYED_NOTICES = 16;
/** Longest textual IPv6 address. */
export const MAX_HOST_BYTES = 45;
/** The encoded game state a joiner receives (src/game/state.ts) for up to MAX_CHANGING_GROUP_SIZE seats. */
export const MAX_STATE_BYTES = 900;

export const avatarCodec = struct({ x: u16, y: u16, hp: u8, gold: u32 });

/**
 * The character a joiner brings, as its storage layer encodes it (src/storage encodeCharacterClaim:
 * its manifest, about 150 bytes); opaque to groups, which hand it to the door they were given.
 */
export const MAX_JOIN_CHARACTER_BYTES = 256;

export const GroupJoin = defineMessage({
  kind: MessageKind.groupJoin,
  name: 'group-join',
  authenticated: true,
  summary: 'a player asks a member of a group to admit it (its key is the envelope\'s, its endpoint where the datagram came from), attaching its authority certificates and, where the game keeps witnessed characters, the character it brings',
  // The certificates are the joiner's claim: a member with an identity verifier checks them (and
  // asks the authority for a ban) before it sponsors the joiner.
  // A player handed over from another group (src/zones) brings its avatar: where it stands, its hp and gold there.
  // A player with a witnessed character brings it (`character`): a member with a character door checks it before it sponsors the joiner.
  body: struct({ session: bytes(SESSION_ID_BYTES), keyCertificate: optional(KeyCertificateType.codec), gameKey: optional(GameKeyType.codec), avatar: optional(avatarCodec), character: optional(varBytes(MAX_JOIN_CHARACTER_BYTES)) }),
});

const welcomeMember = struct({ publicKey: bytes(PUBLIC_KEY_LENGTH), host: utf8(MAX_HOST_BYTES), port: u16, seat: u8 });

export const GroupWelcome = defineMessage({
  kind: MessageKind.groupWelcome,
  name: 'group-welcome',
  authenticated: true,
  summary: 'the view that admits a joiner: members with endpoints and seats, its first round and when that round starts relative to now',
  body: struct({
    session: bytes(SESSION_ID_BYTES),
    view: u32,
    startRound: u32,
    /** Start of startRound minus the sender's now, in ms (negative once it began): clocks of two hosts are never compared. */
    startOffsetMs: f64,
    roundMs: u32,
    /** The group's last round with an update (the run's end). */
    lastRound: u32,
    members: list(welcomeMember, MAX_CHANGING_GROUP_SIZE),
  }),
});

export const GroupState = defineMessage({
  kind: MessageKind.groupState,
  name: 'group-state',
  authenticated: true,
  summary: 'the game state after `round` (the round before the joiner\'s first), sent by its sponsor; checked at the next state-hash checkpoint',
  // `missed`: per member of the view, in its order, the rounds in a row its updates were not played,
  // so the joiner judges a removal (a crash) as every other member does. `notices`: the digests of
  // the notices the group played lately, so the joiner plays none of them a second time.
  body: struct({ session: bytes(SESSION_ID_BYTES), view: u32, round: u32, state: varBytes(MAX_STATE_BYTES), missed: list(u16, MAX_CHANGING_GROUP_SIZE), notices: list(bytes(SHA256_LENGTH), MAX_PLAYED_NOTICES) }),
});

export type GroupWelcomeBody = Infer<typeof GroupWelcome.body>;
export type GroupStateBody = Infer<typeof GroupState.body>;
export type GroupJoinBody = Infer<typeof GroupJoin.body>;

/**
 * A ban certificate gossiped to the banned player's group, with the key certificate that ties the
 * banned player id to a member's key. Both are signed by the authority, so whoever sends it is not
 * trusted: a receiver checks both signatures and then proposes the exclusion (docs/groups.md).
 */
export const GroupBan = defineMessage({
  kind: MessageKind.groupBan,
  name: 'group-ban',
  authenticated: true,
  summary: 'an authority ban certificate and the banned player\'s key certificate, gossiped to its group so every member proposes its exclusion',
  body: struct({ session: bytes(SESSION_ID_BYTES), ban: BanType.codec, keyCertificate: KeyCertificateType.codec }),
});
export type GroupBanBody = Infer<typeof GroupBan.body>;

/**
 * A replica whose state hash disagrees with a strict majority of its view asks one member of that
 * majority for its game state after `round` (docs/protocol-neo.md, "Resynchronisation"). Only a
 * member of the asked member's view is answered, at its registered endpoint.
 */
export const GroupResyncFetch = defineMessage({
  kind: MessageKind.groupResyncFetch,
  name: 'group-resync-fetch',
  authenticated: true,
  summary: 'a replica that disagrees with the majority\'s state hash for `round` asks a member of that majority for its game state after that round',
  body: struct({ session: bytes(SESSION_ID_BYTES), round: u32 }),
});

export const GroupResyncState = defineMessage({
  kind: MessageKind.groupResyncState,
  name: 'group-resync-state',
  authenticated: true,
  // The sender is not trusted: the asker restores the state only if its hash is the one the
  // majority reported for that round.
  summary: 'the encoded game state after `round` (src/game/state.ts), answering a group-resync-fetch; used only if its hash equals the majority\'s',
  body: struct({ session: bytes(SESSION_ID_BYTES), round: u32, state: varBytes(MAX_STATE_BYTES) }),
});
export type GroupResyncFetchBody = Infer<typeof GroupResyncFetch.body>;
export type GroupResyncStateBody = Infer<typeof GroupResyncState.body>;
