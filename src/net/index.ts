export {
  createTransport,
  wrapTransport,
  endpointId,
  type Endpoint,
  type Transport,
  type TransportConfig,
  type TransportDeps,
  type TransportStats,
  type ShapingSideStats,
  type Incoming,
  type Handler,
  type SignatureVerifier,
  type MacChannel,
  type MacKeys,
  type DeliveryScheduler,
} from './transport.js';
export { DROP_REASONS, type DropReason } from './drop-reasons.js';
export { Ping, Pong } from './messages.js';
export {
  readKernelUdpCounters,
  readSocketDrops,
  parseUdpSnmp,
  parseSocketDrops,
  type KernelUdpCounters,
} from './kernel-udp-stats.js';
export { installPinger, type Pinger } from './ping.js';
export type { PeerNode } from './node.js';
export {
  createLinkShaper,
  validateShapingConfig,
  type LinkShaper,
  type ShapingConfig,
  type LinkProfile,
  type DelayDist,
  type LossModel,
  type PartitionRule,
  type DirectedLinkRule,
  type EndpointId,
  type ShapingDecision,
  type ShapingStats,
} from './shaping/index.js';
export { createDeferredShaper, type DeferredShaper } from './deferred-shaper.js';
