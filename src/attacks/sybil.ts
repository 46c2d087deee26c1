import { nodeIdFromPublicKey, toHex, type Ed25519Backend } from '../crypto/index.js';
import { recordKey, type DhtMembership, type DhtNode, type MembershipRefusal } from '../dht/index.js';
import { createRng } from '../random/index.js';
import { houseSubject } from '../storage/index.js';

/**
 * Sybil nodes (SPEC §4, §8): peers with valid key pairs but no key certificate from the authority
 * (none, or one signed by another key) that join the run's DHT, try to take routing-table slots and
 * put records of their own. The DHT's membership gate must keep them out (docs/dht.md,
 * "Membership"). This module holds what every thread of a run must agree on without talking — who
 * the Sybils are and which records they put, derived from the run's seed — and the honest side's
 * watch: refusals attributed to them, and inspections of what honest nodes hold.
 */

/** The house slot a Sybil writes its versions into. */
export const SYBIL_HOUSE_SLOT = 0;

/** The Ed25519 seed of Sybil `node` of the profile's storage attack `attack`: the same in every thread. */
export function sybilIdentitySeed(runSeed: number, attack: number, node: number): Uint8Array {
  if (!Number.isSafeInteger(attack) || attack < 0 || !Number.isSafeInteger(node) || node < 0) throw new RangeError(`sybilIdentitySeed: attack and node must be non-negative integers, got ${attack}, ${node}`);
  return createRng(runSeed).fork('sybil').fork(`${attack}:${node}`).bytes(32);
}

/** Who a run's Sybils are and where their records live. */
export interface SybilFootprint {
  /** Their DHT node IDs, hex. */
  readonly nodeIds: ReadonlySet<string>;
  /** The DHT keys of the records they put (one house each). */
  readonly recordKeys: readonly Uint8Array[];
}

/** Every Sybil of the profile's storage attacks (`nodes` each, in order), from the seed alone. */
export function sybilFootprint(runSeed: number, attacks: readonly { readonly nodes: number }[], ed25519: Pick<Ed25519Backend, 'publicKeyFromSeed'>): SybilFootprint {
  const nodeIds = new Set<string>();
  const recordKeys: Uint8Array[] = [];
  attacks.forEach((attack, a) => {
    for (let n = 0; n < attack.nodes; n++) {
      const publicKey = ed25519.publicKeyFromSeed(sybilIdentitySeed(runSeed, a, n));
      nodeIds.add(toHex(nodeIdFromPublicKey(publicKey)));
      recordKeys.push(recordKey('house', houseSubject(publicKey, SYBIL_HOUSE_SLOT)));
    }
  });
  return { nodeIds, recordKeys };
}

/**
 * The membership a Sybil's own DHT runs: it presents its bad credential (a forged certificate), or
 * none at all (null: an open DHT), and believes everyone, so that every honest node that answers it
 * enters its table and its lookups and stores reach them.
 */
export function sybilMembership(credential: Uint8Array | null): DhtMembership | undefined {
  if (credential === null) return undefined;
  const presented = credential.slice();
  return { credential: () => presented, admits: () => true };
}

/** What honest nodes did about the Sybils, and what the gate did to anyone else (report.json `attacks[kind=dht-sybil]`). */
export interface GateFigures {
  /** Refusals of the run's Sybils by honest nodes, by what was refused (one per message, plus a credential refusal when it carried one). */
  readonly sybilRefused: Readonly<Record<MembershipRefusal, number>>;
  /** Credentials of nodes that are not the run's Sybils refused: a certified player's genuine certificate refused would land here. */
  readonly otherCredentialsRefused: number;
  /** STOREs of honest nodes that ended `not-member` after the retry (DHT counter `membership.storesRefused`). */
  readonly certifiedStoresRefused: number;
  /** At the latest inspection: (honest node, Sybil record) pairs held, and (honest node, Sybil) routing-table entries. */
  readonly sybilRecordsHeld: number;
  readonly sybilSlots: number;
  /** Honest nodes looked at by the latest inspection (0: none ran). */
  readonly nodesInspected: number;
}

export const MEMBERSHIP_REFUSALS: readonly MembershipRefusal[] = ['bad-credential', 'contact', 'store', 'lookup-answer'];

export function emptyGateFigures(): GateFigures {
  return { sybilRefused: Object.fromEntries(MEMBERSHIP_REFUSALS.map((r) => [r, 0])) as Record<MembershipRefusal, number>, otherCredentialsRefused: 0, certifiedStoresRefused: 0, sybilRecordsHeld: 0, sybilSlots: 0, nodesInspected: 0 };
}

/** A DHT node as the watch inspects it. */
export type InspectedNode = Pick<DhtNode, 'held' | 'contacts'>;

export interface GateWatch {
  /** Plugs into DhtDeps.onMembershipRefusal of every honest node the host runs. */
  onRefusal(refusal: MembershipRefusal, nodeIdHex: string): void;
  /**
   * Looks at the honest nodes still running: Sybil records they hold, Sybils in their routing
   * tables; `certifiedStoresRefused` is the hosts' own sum of their nodes' `membership.storesRefused`.
   * Each inspection replaces the previous one's figures.
   */
  inspect(open: readonly InspectedNode[], certifiedStoresRefused: number): void;
  figures(): GateFigures;
}

export function createGateWatch(footprint: SybilFootprint): GateWatch {
  const sybilRefused = { ...emptyGateFigures().sybilRefused };
  let otherCredentialsRefused = 0;
  let seen = { certifiedStoresRefused: 0, sybilRecordsHeld: 0, sybilSlots: 0, nodesInspected: 0 };
  return {
    onRefusal(refusal, nodeIdHex) {
      if (footprint.nodeIds.has(nodeIdHex)) sybilRefused[refusal]++;
      else if (refusal === 'bad-credential') otherCredentialsRefused++;
    },
    inspect(open, certifiedStoresRefused) {
      let sybilRecordsHeld = 0;
      let sybilSlots = 0;
      // A run without Sybils has nothing to look for: no routing table is walked.
      for (const node of footprint.nodeIds.size > 0 ? open : []) {
        for (const key of footprint.recordKeys) if (node.held(key)) sybilRecordsHeld++;
        for (const contact of node.contacts()) if (footprint.nodeIds.has(toHex(contact.nodeId))) sybilSlots++;
      }
      seen = { certifiedStoresRefused, sybilRecordsHeld, sybilSlots, nodesInspected: open.length };
    },
    figures: () => ({ sybilRefused: { ...sybilRefused }, otherCredentialsRefused, ...seen }),
  };
}
