import { createLatencyHistogram, type LatencyHistogram } from '../metrics/index.js';
import { RECORD_REJECTIONS, type RecordRejection } from './records.js';

export const DHT_COUNTERS = [
  /** Iterative lookups of either kind (get, findNode, and those inside put, republish, refresh, bootstrap, leave). */
  'lookups',
  'lookupSuccesses',
  'lookupFailures',
  /** Lookups cut short by close() or leave(): neither success nor failure. */
  'lookupsAbandoned',
  'requestsSent',
  /** Answers matched to an outstanding request from the node that was asked. */
  'responsesReceived',
  /** Requests that got no (matching) answer within requestTimeoutMs. */
  'timeouts',
  /** Answers with no outstanding request id, from another node than the one asked, or of the wrong kind; late answers land here too. */
  'unexpectedResponses',
  /** Contacts in an answer with an address of the wrong length or port 0 (skipped; the rest of the answer is used). */
  'malformedContacts',
  /** Requests this node answered (ping, find-node, find-value, store). */
  'requestsAnswered',
  /** STOREs that passed the rate limit. */
  'storeRequests',
  /** Records accepted by this node's store (new key or higher sequence number). */
  'recordsStored',
  /** Records sent in answer to find-value. */
  'recordsServed',
  /** Records refused (store and read side together; by reason in rejectedOnStore / rejectedOnRead). */
  'recordsRejected',
  /** STOREs dropped by the per-sender token bucket (no answer). */
  'rateLimited',
  'puts',
  'storesSent',
  /** STORE answers saying stored or duplicate. */
  'storesAcked',
  /** Records this node re-put as holder or publisher. */
  'republished',
  /** Held records removed by the expiry sweep. */
  'expiredSwept',
  /** Newer versions pushed to nodes that answered a get with an older one. */
  'readRepairs',
  /** Records pushed to a newly met node that is among the k closest to them (Kademlia's join-time transfer). */
  'handOvers',
  /** Least-recently-seen contacts pinged before eviction, and how many of them did not answer. */
  'probes',
  'probeEvictions',
  /** Records pushed to remaining nodes by leave(). */
  'handoffStores',
  // The Sybil gate (DhtDeps.membership; all stay 0 in an open DHT):
  /** Nodes whose credential proved their membership (each counted once while remembered). */
  'membership.verified',
  /** Credentials that did not prove the sender's membership (forged, another key's, junk). */
  'membership.badCredentials',
  /** Requests and answers from nodes not verified as members: answered or used, but the sender kept out of the routing table. */
  'membership.refusedContacts',
  /** STOREs from nodes not verified as members, answered `not-member` and not stored. */
  'membership.refusedStores',
  /** dht-nodes answers from nodes not verified as members, ignored by lookups (a Sybil cannot steer them). */
  'membership.ignoredAnswers',
  /** STOREs this node sent again after a `not-member` answer and a ping with its credential. */
  'membership.storeRetries',
  /** STOREs this node sent that ended `not-member` all the same (after the retry, or with no credential to present; not when the introducing ping went unanswered): a certified node counting any was refused by the gate. */
  'membership.storesRefused',
] as const;
export type DhtCounter = (typeof DHT_COUNTERS)[number];

/** Hop counts above this are recorded in the last slot. */
export const MAX_TRACKED_HOPS = 32;

export interface DhtLookupStats {
  /** started = succeeded + failed + abandoned + still running. */
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly abandoned: number;
  /** Latency of successful lookups, from start to result; null when the host records it (DhtDeps.onLookupLatency). */
  readonly latencyMs: LatencyHistogram | null;
  /** hops[h] = successful lookups whose result came from h hops away (slot MAX_TRACKED_HOPS: that many or more). */
  readonly hops: readonly number[];
}

export interface DhtStats {
  readonly counters: Readonly<Record<DhtCounter, number>>;
  /** Records a storing node refused, by reason. */
  readonly rejectedOnStore: Readonly<Record<RecordRejection, number>>;
  /** Records a reader refused in answers to its gets, by reason. */
  readonly rejectedOnRead: Readonly<Record<RecordRejection, number>>;
  readonly lookups: { readonly findNode: DhtLookupStats; readonly findValue: DhtLookupStats };
  readonly routingTableSize: number;
  readonly heldRecords: number;
  readonly publishedRecords: number;
}

export function emptyRejections(): Record<RecordRejection, number> {
  return Object.fromEntries(RECORD_REJECTIONS.map((r) => [r, 0])) as Record<RecordRejection, number>;
}

export function emptyLookupStats(withHistogram = true): { started: number; succeeded: number; failed: number; abandoned: number; latencyMs: LatencyHistogram | null; hops: number[] } {
  return { started: 0, succeeded: 0, failed: 0, abandoned: 0, latencyMs: withHistogram ? createLatencyHistogram() : null, hops: new Array<number>(MAX_TRACKED_HOPS + 1).fill(0) };
}

function sumLookupStats(all: readonly DhtLookupStats[]): DhtLookupStats {
  const out = emptyLookupStats(all.some((s) => s.latencyMs !== null));
  for (const s of all) {
    out.started += s.started;
    out.succeeded += s.succeeded;
    out.failed += s.failed;
    out.abandoned += s.abandoned;
    if (s.latencyMs) out.latencyMs?.merge(s.latencyMs);
    s.hops.forEach((n, h) => (out.hops[h] = (out.hops[h] as number) + n));
  }
  return out;
}

/** Sums the stats of many nodes (histograms merged, never percentiles averaged). */
export function sumDhtStats(all: readonly DhtStats[]): DhtStats {
  const counters = Object.fromEntries(DHT_COUNTERS.map((c) => [c, all.reduce((sum, s) => sum + s.counters[c], 0)])) as Record<DhtCounter, number>;
  const rejectedOnStore = emptyRejections();
  const rejectedOnRead = emptyRejections();
  for (const s of all) {
    for (const r of RECORD_REJECTIONS) {
      rejectedOnStore[r] += s.rejectedOnStore[r];
      rejectedOnRead[r] += s.rejectedOnRead[r];
    }
  }
  return {
    counters,
    rejectedOnStore,
    rejectedOnRead,
    lookups: { findNode: sumLookupStats(all.map((s) => s.lookups.findNode)), findValue: sumLookupStats(all.map((s) => s.lookups.findValue)) },
    routingTableSize: all.reduce((sum, s) => sum + s.routingTableSize, 0),
    heldRecords: all.reduce((sum, s) => sum + s.heldRecords, 0),
    publishedRecords: all.reduce((sum, s) => sum + s.publishedRecords, 0),
  };
}
