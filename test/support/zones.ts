import { installNeo } from '../../src/neo/index.js';
import type { PeerNode } from '../../src/net/index.js';
import type { Rng } from '../../src/random/index.js';
import { createZonePlayer, type ZoneDirectory, type ZonePlayer, type ZonePlayerConfig, type ZonePlayerDeps } from '../../src/zones/index.js';

/** What every zone player of a test shares: the peers' clock and timer queue, the seed's stream, one directory. */
export interface ZoneTestBed {
  readonly clock: ZonePlayerDeps['clock'];
  readonly scheduler: ZonePlayerDeps['scheduler'];
  readonly root: Rng;
  readonly directory: ZoneDirectory;
}

/** A zone player on a real test peer: NEO installed on its socket, its bot's own stream `bot:<name>`, and the test's own hooks (steer, onEvent, …). */
export function testZonePlayer(config: ZonePlayerConfig, bed: ZoneTestBed, peer: PeerNode, name: string, hooks: Partial<ZonePlayerDeps> = {}): ZonePlayer {
  return createZonePlayer(config, { peer, neo: installNeo(peer.transport), clock: bed.clock, scheduler: bed.scheduler, botRng: bed.root.fork(`bot:${name}`), directory: bed.directory, ...hooks });
}
