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
  allZones,
  zoneAt,
  worldProblems,
  type Rect,
  type Quadrant,
  type ZoneDefinition,
  type WorldDefinition,
} from './geometry.js';
