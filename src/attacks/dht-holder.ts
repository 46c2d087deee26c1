import { toHex } from '../crypto/index.js';
import { DhtFindValue, DhtStore, DhtStored, DhtValue, type DhtRecord, type StoreOutcome } from '../dht/index.js';
import { endpointId, wrapTransport, type Endpoint, type Handler, type Transport } from '../net/index.js';

/**
 * A malicious DHT node (SPEC §8, storage): it joins the DHT like anyone, answers pings and
 * find-node so it stays in routing tables and among the k closest, and then
 * - `drop`: takes stores and lookups for values and never answers them (nothing is held, nothing is
 *   served: the record's other holders must carry it);
 * - `tamper`: answers lookups with the record it holds, one bit of the value flipped (readers verify
 *   every answer and refuse it: a bad signature);
 * - `stale`: acknowledges stores like an honest holder (so it stays among the holders), but keeps
 *   the first version of every record it stored and answers lookups with that one: validly signed,
 *   only old. Readers take the newest of their quorum's valid answers, so it must lose to them.
 * Honest code has no attack branch: this wraps the node's transport.
 */
export type DhtHolderBehaviour = 'drop' | 'tamper' | 'stale';
export const DHT_HOLDER_BEHAVIOURS: readonly DhtHolderBehaviour[] = ['drop', 'tamper', 'stale'];

export interface DhtHolderCounters {
  /** Stores taken and never answered (`drop`). */
  storesDropped: number;
  /** Value lookups taken and never answered (`drop`). */
  lookupsDropped: number;
  /** Values served with a flipped bit (`tamper`). */
  valuesTampered: number;
  /** Values served older than the version held (`stale`). */
  staleServed: number;
  /**
   * Stale values the reader answered with a newer version of the same record (`stale`): its read
   * repair, which a reader sends only to a node whose answer it refused as older.
   */
  staleRepaired: number;
}

export function emptyHolderCounters(): DhtHolderCounters {
  return { storesDropped: 0, lookupsDropped: 0, valuesTampered: 0, staleServed: 0, staleRepaired: 0 };
}

/** Pending stores and served stale answers a stale holder remembers at most (oldest forgotten first). */
const STALE_MEMORY = 4096;

export function createMaliciousHolderTransport(inner: Transport, behaviour: DhtHolderBehaviour, counters: DhtHolderCounters): Transport {
  switch (behaviour) {
    case 'drop':
      return droppingTransport(inner, counters);
    case 'tamper':
      return tamperingTransport(inner, counters);
    case 'stale':
      return staleTransport(inner, counters);
    default:
      throw new RangeError(`malicious holder: unknown behaviour ${String(behaviour)}`);
  }
}

function droppingTransport(inner: Transport, counters: DhtHolderCounters): Transport {
  return wrapTransport(inner, {
    handle(spec, handler) {
      if (spec === (DhtStore as unknown)) return inner.handle(spec, () => void counters.storesDropped++);
      if (spec === (DhtFindValue as unknown)) return inner.handle(spec, () => void counters.lookupsDropped++);
      inner.handle(spec, handler);
    },
  });
}

function tamperingTransport(inner: Transport, counters: DhtHolderCounters): Transport {
  return wrapTransport(inner, {
    send(to, spec, body) {
      if (spec === (DhtValue as unknown)) {
        const answer = body as unknown as { rid: number; record: DhtRecord };
        if (answer.record.value.length > 0) {
          const value = Uint8Array.from(answer.record.value);
          value[value.length - 1] = (value[value.length - 1] as number) ^ 1;
          counters.valuesTampered++;
          return inner.send(to, spec, { ...answer, record: { ...answer.record, value } } as unknown as typeof body);
        }
      }
      inner.send(to, spec, body);
    },
  });
}

/**
 * The stale holder watches its honest node from outside: a STORE whose answer is `stored` was
 * valid and new to the node (its own verification decided), so the first such record per key is
 * the oldest version it held; every value answer is swapped for that one when it is older.
 */
function staleTransport(inner: Transport, counters: DhtHolderCounters): Transport {
  const oldest = new Map<string, DhtRecord>();
  const storesAwaitingAnswer = new BoundedMap<string, DhtRecord>(STALE_MEMORY);
  /** (reader, key) → the sequence number of the stale version it was served. */
  const servedStale = new BoundedMap<string, bigint>(STALE_MEMORY);
  const exchange = (peer: Endpoint, rid: number) => `${endpointId(peer)}#${rid}`;
  const readerKey = (peer: Endpoint, key: Uint8Array) => `${endpointId(peer)}#${toHex(key)}`;

  const onStore = (handler: Handler<{ rid: number; record: DhtRecord }>): Handler<{ rid: number; record: DhtRecord }> => (msg) => {
    const { rid, record } = msg.body;
    const served = servedStale.take(readerKey(msg.from, record.key));
    if (served !== undefined && record.seq > served) counters.staleRepaired++;
    storesAwaitingAnswer.set(exchange(msg.from, rid), record);
    handler(msg);
  };
  const onStored = (to: Endpoint, answer: { rid: number; outcome: StoreOutcome }) => {
    const record = storesAwaitingAnswer.take(exchange(to, answer.rid));
    const hex = record && toHex(record.key);
    if (record && hex !== undefined && answer.outcome === 'stored' && !oldest.has(hex)) oldest.set(hex, record);
  };
  const staleFor = (to: Endpoint, answer: { rid: number; record: DhtRecord }): { rid: number; record: DhtRecord } => {
    const first = oldest.get(toHex(answer.record.key));
    if (!first || first.seq >= answer.record.seq) return answer;
    counters.staleServed++;
    servedStale.set(readerKey(to, first.key), first.seq);
    return { ...answer, record: first };
  };

  return wrapTransport(inner, {
    handle(spec, handler) {
      if (spec === (DhtStore as unknown)) return inner.handle(spec, onStore(handler as unknown as Handler<{ rid: number; record: DhtRecord }>) as unknown as typeof handler);
      inner.handle(spec, handler);
    },
    send(to, spec, body) {
      if (spec === (DhtStored as unknown)) onStored(to, body as unknown as { rid: number; outcome: StoreOutcome });
      if (spec === (DhtValue as unknown)) return inner.send(to, spec, staleFor(to, body as unknown as { rid: number; record: DhtRecord }) as unknown as typeof body);
      inner.send(to, spec, body);
    },
  });
}

/** A map that forgets its oldest entry past `capacity`: what a remote peer makes a holder remember stays bounded. */
class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  /** The value, removed. */
  take(key: K): V | undefined {
    const value = this.map.get(key);
    this.map.delete(key);
    return value;
  }
}
