/**
 * Peer groups: agreed membership over NEO (docs/groups.md). A view change is decided by the
 * membership operations carried in accepted NEO updates, so every replica applies it at the same
 * round. Zones and the quadtree that maps positions to groups build on this.
 */
export {
  createFounder,
  createJoiner,
  leadersOf,
  GROUP_COUNTERS,
  type GroupMember,
  type GroupMemberState,
  type GroupConfig,
  type GroupMemberDeps,
  type GroupView,
  type GroupSeat,
  type GroupEvent,
  type GroupCounter,
  type GroupEvidence,
  type GroupDivision,
  type CharacterVerdict,
} from './member.js';
export { GroupJoin, GroupWelcome, GroupState, GroupBan, GroupResyncFetch, GroupResyncState, MAX_CHANGING_GROUP_SIZE, MAX_HOST_BYTES, MAX_JOIN_CHARACTER_BYTES } from './messages.js';
export {
  checkpointVerdict,
  countDivergentReplicas,
  RESYNC_BOUND_ROUNDS,
  RESYNC_MAX_ASKS,
  RESYNC_RETRY_ROUNDS,
  RESYNC_SNAPSHOTS_KEPT,
  type CheckpointVerdict,
  type ReplicaAtEnd,
  type ResyncOutcome,
} from './resync.js';
export { encodePayload, encodeFittedPayload, decodePayload, MAX_PAYLOAD_BYTES, MAX_OPS_PER_UPDATE, MAX_BANS_PER_UPDATE, MAX_NOTICES_PER_UPDATE, MAX_NOTICE_BYTES, type GroupPayload, type MembershipOp } from './payload.js';
export { groupEndpointOf, type GroupEndpoint, type GroupRoute } from './endpoint.js';
