/**
 * One peer: an identity, one UDP socket carrying every message kind, and the services stacked on
 * it. The services grow as the architecture's components land (DHT, NEO groups, storage,
 * computation); each installs its handlers on the same transport, and `startPlayer` composes them.
 */
export type { PeerNode } from '../net/index.js';
export { startPeerNode, type PeerNodeConfig, type PeerNodeDeps } from './node.js';
export { installCharacterServices, DEFAULT_MAX_GOLD_GAIN, type CharacterServices, type CharacterServicesConfig, type CharacterServicesDeps } from './characters.js';
export {
  startPlayer,
  startPlayerServices,
  playerRecordPolicies,
  type Player,
  type PlayerConfig,
  type PlayerDeps,
  type PlayerServices,
  type PlayerServicesConfig,
  type PlayerServicesDeps,
  type JoinResult,
  type EnterResult,
} from './player.js';
export { ALL_PROOF_VERIFIERS } from './proof-kinds.js';
