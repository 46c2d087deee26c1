/**
 * Zones and the quadtree of peer groups (SPEC §5, "Zones and groups"). So far: the world and zone
 * definitions and the integer geometry every replica computes the same way (leaves, quarters,
 * areas of interest, neighbouring leaves).
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
export { ZONE_EVENT_KINDS, MAX_EVENT_ZONE_BYTES, ZoneEventCodec, signZoneEvent, checkZoneEvent, zoneEventId, type ZoneEventKind, type ZoneEventBody, type CheckedZoneEvent } from './events.js';
