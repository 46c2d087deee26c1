/**
 * Load-test runners (harness side): whole populations of one component on real loopback sockets,
 * for its integration tests and its `npm run bench:*` script. They sit above the components they
 * drive, never inside them (a component's index re-exporting its runner made an import cycle
 * through the controller; docs/architecture.md).
 */
export { runNeoGroup, startNeoGroup, type NeoGroupOptions, type NeoGroupResult, type NeoGroupHandle, type NeoGroupHooks } from './neo-group.js';
export { runDhtSwarm, type DhtSwarmOptions, type DhtSwarmProgress, type DhtSwarmResult } from './dht-swarm.js';
export { runIdentitySwarm, type IdentitySwarmOptions, type IdentitySwarmProgress, type IdentitySwarmResult, type IdentityLookupFailure } from './identity-swarm.js';
export {
  runBaseline,
  BaselineInterrupted,
  runLockstep,
  runClientServer,
  type BaselineKind,
  type BaselineRunOptions,
  type LatencyFigures,
  type LockstepRunResult,
  type ClientServerRunResult,
} from './baselines.js';
