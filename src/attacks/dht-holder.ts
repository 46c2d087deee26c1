import { DhtFindValue, DhtStore, DhtValue, type DhtRecord } from '../dht/index.js';
import { wrapTransport, type Transport } from '../net/index.js';

/**
 * A malicious DHT node (SPEC §8, storage): it joins the DHT like anyone, answers pings and
 * find-node so it stays in routing tables and among the k closest, and then
 * - `drop`: takes stores and lookups for values and never answers them (nothing is held, nothing is
 *   served: the record's other holders must carry it);
 * - `tamper`: answers lookups with the record it holds, one bit of the value flipped (readers verify
 *   every answer and refuse it: a bad signature).
 * Honest code has no attack branch: this wraps the node's transport.
 */
export type DhtHolderBehaviour = 'drop' | 'tamper';
export const DHT_HOLDER_BEHAVIOURS: readonly DhtHolderBehaviour[] = ['drop', 'tamper'];

export interface DhtHolderCounters {
  /** Stores taken and never answered (`drop`). */
  storesDropped: number;
  /** Value lookups taken and never answered (`drop`). */
  lookupsDropped: number;
  /** Values served with a flipped bit (`tamper`). */
  valuesTampered: number;
}

export function createMaliciousHolderTransport(inner: Transport, behaviour: DhtHolderBehaviour, counters: DhtHolderCounters): Transport {
  if (!DHT_HOLDER_BEHAVIOURS.includes(behaviour)) throw new RangeError(`malicious holder: unknown behaviour ${String(behaviour)}`);
  if (behaviour === 'drop') {
    return wrapTransport(inner, {
      handle(spec, handler) {
        if (spec === (DhtStore as unknown)) return inner.handle(spec, () => void counters.storesDropped++);
        if (spec === (DhtFindValue as unknown)) return inner.handle(spec, () => void counters.lookupsDropped++);
        inner.handle(spec, handler);
      },
    });
  }
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
