/**
 * Zones and the quadtree of peer groups (SPEC §5, "Zones and groups"). So far: the world and zone
 * definitions and the integer geometry every replica computes the same way (leaves, quarters,
 * areas of interest, neighbouring leaves), and the signed DHT record of a leaf's leaders.
 */
export {
  rectContains,
  quadrantOf,
  quarter,
  leafRect,
  distanceToRect,
  rectsTouch,
  rectDistance,
  allZones,
  zoneAt,
  worldProblems,
  type Rect,
  type Quadrant,
  type ZoneDefinition,
  type WorldDefinition,
} from './geometry.js';
export { leafDivision, leafHolds, leafKey, sameLeaf, zoneOf, zoneById, zoneAndNested, leafArea, type LeafAddress } from './leaf.js';
export { createLocalDirectory, type ZoneDirectory, type LeafGroup, type Located } from './directory.js';
export { createZonePlayer, ZONE_COUNTERS, type ZoneCounter, type ZonePlayer, type ZonePlayerConfig, type ZonePlayerDeps, type ZoneEvent, type RunSchedule } from './player.js';
export { ZoneBorder, ZoneEventMessage, MAX_LEAF_BYTES, type ZoneBorderBody, type ZoneEventMessageBody } from './messages.js';
export { ZONE_EVENT_KINDS, MAX_EVENT_ZONE_BYTES, ZONE_EVENT_SIGNING_TAG, ZoneEventCodec, signZoneEvent, checkZoneEvent, zoneEventId, type ZoneEventKind, type ZoneEventBody, type CheckedZoneEvent } from './events.js';
export {
  leafRecordSubject,
  zoneLeadersBody,
  endorsementBytes,
  endorse,
  encodeZoneLeaders,
  zoneLeadersRecord,
  decodeZoneLeaders,
  zoneLeadersPolicy,
  ZoneLeadersBodyCodec,
  ZoneLeadersCodec,
  ZONE_LEADERS_SIGNING_TAG,
  MAX_LISTED_MEMBERS,
  MAX_ZONE_LEADERS,
  MAX_ENDORSEMENTS,
  type ZoneLeadersBody,
  type ZoneLeadersValue,
  type ZoneLeadersEndorsement,
} from './leader-record.js';
export { LEADER_COUNTERS, LEADER_RECORD_TTL_MS, type LeaderCounter, type LeaderRecordStore, type FoundLeaders } from './leaders.js';
export { ZoneEndorse, type ZoneEndorseBody } from './messages.js';
