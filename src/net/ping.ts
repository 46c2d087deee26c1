import type { Clock } from '../time/clock.js';
import { Ping, Pong } from './messages.js';
import { endpointId, type Endpoint, type Transport } from './transport.js';

/**
 * Liveness probing on top of a transport: answers every ping and matches pongs to the pings this
 * side sent, by nonce, to resolve round-trip times.
 */
export interface Pinger {
  /** Round-trip time in ms, or null when no pong came back within `timeoutMs`. */
  ping(to: Endpoint, timeoutMs: number): Promise<number | null>;
  readonly answered: number;
}

export function installPinger(transport: Transport, clock: Clock): Pinger {
  // The send time is kept here, not taken from the pong: a peer's echo is not trusted for RTT.
  const pending = new Map<bigint, { resolve: (rtt: number | null) => void; timer: NodeJS.Timeout; to: string; sentAtMs: number }>();
  let nextNonce = 1n;
  let answered = 0;

  transport.handle(Ping, (msg) => {
    transport.send(msg.from, Pong, { nonce: msg.body.nonce, echoSentAtMs: msg.body.sentAtMs });
    answered++;
  });
  transport.handle(Pong, (msg) => {
    const waiter = pending.get(msg.body.nonce);
    // A pong must come from the endpoint that was pinged; anything else is ignored.
    if (!waiter || waiter.to !== endpointId(msg.from)) return;
    pending.delete(msg.body.nonce);
    clearTimeout(waiter.timer);
    waiter.resolve(clock.nowMs() - waiter.sentAtMs);
  });

  return {
    get answered() {
      return answered;
    },
    ping(to, timeoutMs) {
      const nonce = nextNonce++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(nonce);
          resolve(null);
        }, timeoutMs);
        const sentAtMs = clock.nowMs();
        pending.set(nonce, { resolve, timer, to: endpointId(to), sentAtMs });
        transport.send(to, Ping, { nonce, sentAtMs });
      });
    },
  };
}
