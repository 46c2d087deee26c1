import type { DhtNode } from '../dht/index.js';
import type { PeerNode } from '../net/index.js';
import {
  createCharacterDoor,
  installCharacterKeyring,
  installCharacterWitness,
  itemLedgerRule,
  type ChangeRule,
  type CharacterDoor,
  type CharacterKeyring,
  type CharacterWitnessConfig,
  type CharacterWitnessService,
} from '../storage/index.js';
import type { Clock } from '../time/clock.js';
import type { TimerHandle } from '../time/timer-queue.js';

/**
 * A peer's part in witnessed characters (SPEC §6; docs/storage.md, "Witnessed characters"): the
 * keyring its section keys travel through, the witness service (it has its own versions witnessed,
 * and witnesses the characters whose witness key it sits next to) and a door to check the
 * characters others bring. Every player runs them (`startPlayer`), and so do the run's bootstrap
 * nodes, which sit among the DHT nodes closest to some owners' witness keys like anyone.
 */
export interface CharacterServicesConfig {
  /** w, t, s, quorum and the owner's time-outs; DEFAULT_WITNESS_CONFIG where absent. */
  readonly witness?: CharacterWitnessConfig;
  /** The game's change rule's limit: gold a version may add (itemLedgerRule). Default 100. */
  readonly maxGoldGain?: number;
}

export interface CharacterServicesDeps {
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly clock: Clock;
  readonly wallClock: Clock;
  /** Nonces of released keys. */
  readonly randomBytes: (n: number) => Uint8Array;
  /**
   * The rule this node witnesses by, given the game's: the game's own by default. The harness puts
   * a colluding witness's rule here (src/attacks), so the honest composition has no attack branch.
   */
  readonly witnessRule?: (honest: ChangeRule) => ChangeRule;
  /** Whether `owner` plays in this peer's agreed view of group session `session` (CharacterWitnessDeps.playsWith): whoever runs its groups knows. */
  readonly playsWith?: (owner: Uint8Array, session: Uint8Array) => boolean;
}

export interface CharacterServices {
  readonly keyring: CharacterKeyring;
  readonly witness: CharacterWitnessService;
  /** This peer's door: the checks it makes of others' characters (a group's admission), counted. */
  readonly door: CharacterDoor;
}

/** The game's rule (docs/storage.md, "The change rule"): items change only as the evidence lists, gold rises by at most 100 a version. */
export const DEFAULT_MAX_GOLD_GAIN = 100;

export function installCharacterServices(peer: PeerNode, dht: DhtNode, config: CharacterServicesConfig, deps: CharacterServicesDeps): CharacterServices {
  const verify = (s: Uint8Array, m: Uint8Array, k: Uint8Array) => peer.ed25519.verify(s, m, k);
  const honest = itemLedgerRule({ maxGoldGain: config.maxGoldGain ?? DEFAULT_MAX_GOLD_GAIN });
  const keyring = installCharacterKeyring({ transport: peer.transport, pairwise: peer.pairwise, randomBytes: deps.randomBytes });
  const witness = installCharacterWitness(config.witness ?? {}, {
    transport: peer.transport,
    dht,
    signer: peer.signer,
    verify,
    keyring,
    rule: deps.witnessRule?.(honest) ?? honest,
    scheduler: deps.scheduler,
    clock: deps.clock,
    wallClock: deps.wallClock,
    ...(deps.playsWith ? { playsWith: deps.playsWith } : {}),
  });
  const door = createCharacterDoor(config.witness ?? {}, { dht, verify, wallClock: deps.wallClock });
  return { keyring, witness, door };
}
