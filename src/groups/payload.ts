import { BanType, type BanCertificate } from '../auth/certificates.js';
import { COMMITMENT_OVERHEAD, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js';
import { GAME_UPDATE_BYTES, type Avatar } from '../game/index.js';
import { bytes, decodeOrNull, encodeWith, enumU8, list, optional, struct, u16, utf8, varBytes } from '../wire/index.js';
import { MAX_COMMITMENT_BYTES } from '../neo/index.js';
import { avatarCodec, MAX_HOST_BYTES } from './messages.js';

/**
 * What a member commits to in one NEO round inside a group: its game update, plus membership
 * operations it proposes. Operations ride in accepted updates, so every replica learns of them in
 * the same round and applies them the same way: that is what makes a view change agreed.
 *
 * Membership operations are not moves: their presence (a longer ciphertext) is not hidden the way
 * an attack is hidden behind a fixed-size update.
 */
export type MembershipOp =
  /** The sender leaves the group (graceful leave). */
  | { readonly kind: 'leave' }
  /** The group folds back into its parent leaf (a quadtree merge, src/zones): applied only if the group's own rule allows it. */
  | { readonly kind: 'collapse' }
  /**
   * The sender sponsors a joiner: its key and the endpoint its join request came from; a player
   * handed over from another group brings its avatar (position, hp, gold) into its new seat.
   */
  | { readonly kind: 'admit'; readonly publicKey: Uint8Array; readonly host: string; readonly port: number; readonly avatar?: Avatar }
  /** A member silent for the agreed number of rounds is removed (a crashed player). */
  | { readonly kind: 'remove'; readonly publicKey: Uint8Array }
  /**
   * A banned player is excluded: the authority's ban certificate, plus the signature of the
   * authority's key certificate binding the ban's player id to a member's key (the key itself is
   * in the view, so it need not travel). Self-verifying: every replica checks both signatures
   * against the authority key at play time, so every replica decides the same exclusion.
   */
  | { readonly kind: 'ban'; readonly ban: BanCertificate; readonly keySignature: Uint8Array };

export interface GroupPayload {
  readonly update: Uint8Array;
  readonly ops: readonly MembershipOp[];
  /**
   * Opaque, self-verifying announcements for the group's agreed stream (a zone-wide event,
   * src/zones): the group orders them like everything else in an update; the layer that made them
   * checks and applies them (GroupMemberDeps.onNotice).
   */
  readonly notices?: readonly Uint8Array[];
}

export const MAX_OPS_PER_UPDATE = 4;
/** A ban carries two authority signatures (176 bytes): one per update, and it travels alone (the sealed update holds at most 208 bytes). */
export const MAX_BANS_PER_UPDATE = 1;
/** One notice per update: a signed zone event is ~180 bytes, most of what an update holds. */
export const MAX_NOTICES_PER_UPDATE = 1;
export const MAX_NOTICE_BYTES = 200;

const OP_KINDS = ['leave', 'admit', 'remove', 'collapse'] as const;
const NO_KEY = new Uint8Array(PUBLIC_KEY_LENGTH);

const payloadCodec = struct({
  update: bytes(GAME_UPDATE_BYTES),
  // One layout for every kind; fields a kind does not use must be zero/empty (one encoding per op).
  ops: list(struct({ kind: enumU8(OP_KINDS), publicKey: bytes(PUBLIC_KEY_LENGTH), host: utf8(MAX_HOST_BYTES), port: u16, avatar: optional(avatarCodec) }), MAX_OPS_PER_UPDATE),
  // Bans have their own layout (two signatures would bloat every other operation); they decode after the other operations.
  bans: list(struct({ ban: BanType.codec, keySignature: bytes(SIGNATURE_LENGTH) }), MAX_BANS_PER_UPDATE),
  notices: list(varBytes(MAX_NOTICE_BYTES), MAX_NOTICES_PER_UPDATE),
});

export function encodePayload(payload: GroupPayload): Uint8Array {
  const bans = payload.ops.flatMap((op) => (op.kind === 'ban' ? [{ ban: op.ban, keySignature: op.keySignature }] : []));
  const ops = payload.ops.filter((op): op is Exclude<MembershipOp, { kind: 'ban' }> => op.kind !== 'ban');
  if (ops.length > MAX_OPS_PER_UPDATE) throw new RangeError(`encodePayload: at most ${MAX_OPS_PER_UPDATE} membership operations per update, got ${ops.length}`);
  if (bans.length > MAX_BANS_PER_UPDATE) throw new RangeError(`encodePayload: at most ${MAX_BANS_PER_UPDATE} ban per update, got ${bans.length}`);
  const notices = payload.notices ?? [];
  if (notices.length > MAX_NOTICES_PER_UPDATE) throw new RangeError(`encodePayload: at most ${MAX_NOTICES_PER_UPDATE} notice per update, got ${notices.length}`);
  return encodeWith(payloadCodec, {
    update: payload.update,
    bans,
    notices: [...notices],
    ops: ops.map((op) =>
      op.kind === 'leave' || op.kind === 'collapse'
        ? { kind: op.kind, publicKey: NO_KEY, host: '', port: 0, avatar: null }
        : op.kind === 'remove'
          ? { kind: op.kind, publicKey: op.publicKey, host: '', port: 0, avatar: null }
          : { kind: op.kind, publicKey: op.publicKey, host: op.host, port: op.port, avatar: op.avatar ? { x: op.avatar.x, y: op.avatar.y, hp: op.avatar.hp, gold: op.avatar.gold } : null },
    ),
  });
}

/** The payload `bytes` carry, or null when they are not exactly one canonical payload (remote input never throws). */
export function decodePayload(bytes: Uint8Array): GroupPayload | null {
  const raw = decodeOrNull(payloadCodec, bytes);
  if (!raw) return null;
  const ops: MembershipOp[] = [];
  for (const op of raw.ops) {
    const zeroKey = op.publicKey.every((b) => b === 0);
    if (op.kind === 'leave' || op.kind === 'collapse') {
      if (!zeroKey || op.host !== '' || op.port !== 0 || op.avatar !== null) return null;
      ops.push({ kind: op.kind });
    } else if (op.kind === 'remove') {
      if (op.host !== '' || op.port !== 0 || op.avatar !== null) return null;
      ops.push({ kind: 'remove', publicKey: op.publicKey });
    } else {
      if (op.host === '' || op.port === 0) return null;
      ops.push({ kind: 'admit', publicKey: op.publicKey, host: op.host, port: op.port, ...(op.avatar ? { avatar: op.avatar } : {}) });
    }
  }
  for (const b of raw.bans) ops.push({ kind: 'ban', ban: b.ban, keySignature: b.keySignature });
  return raw.notices.length > 0 ? { update: raw.update, ops, notices: raw.notices } : { update: raw.update, ops };
}

/** The most payload bytes a NEO update carries (its commitment holds at most MAX_COMMITMENT_BYTES). */
export const MAX_PAYLOAD_BYTES = MAX_COMMITMENT_BYTES - COMMITMENT_OVERHEAD;

/**
 * The payload with as many of `ops` (in order) as fit in one update: four admits from hosts with
 * long (IPv6) addresses, or carrying avatars, do not. A notice goes first (it is proposed until
 * played, and membership operations are repeated every round anyway) when it fits at all. The rest
 * are proposed again next round.
 */
export function encodeFittedPayload(update: Uint8Array, ops: readonly MembershipOp[], notice?: Uint8Array): Uint8Array {
  const notices = notice && encodePayload({ update, ops: [], notices: [notice] }).length <= MAX_PAYLOAD_BYTES ? [notice] : [];
  for (let n = Math.min(ops.length, MAX_OPS_PER_UPDATE); ; n--) {
    const bytes = encodePayload({ update, ops: ops.slice(0, n), notices });
    if (bytes.length <= MAX_PAYLOAD_BYTES || n === 0) return bytes;
  }
}
