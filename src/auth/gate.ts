import type { Handler, Incoming, Transport } from '../net/index.js';
import type { MessageSpec } from '../wire/index.js';
import type { IdentityVerifier, IdentityVerdict } from './identity.js';
import { toHex } from '../crypto/index.js';

/**
 * First-contact identity checks for a peer's game messages (SPEC §3): a transport view whose
 * handlers see a signed message only once its sender is a registered, unexpired, unbanned player.
 * The first message from an unknown key is held (a few per key) while its certificates are fetched
 * and checked; messages from banned, expired, forged or unknown identities are ignored and
 * counted by verdict. Verdicts are cached by the verifier (TTL), so known senders cost a map lookup.
 */
export const GATE_COUNTERS = ['passed', 'held', 'heldOverflow', 'ignored.banned', 'ignored.expired', 'ignored.forged', 'ignored.unknown'] as const;
export type GateCounter = (typeof GATE_COUNTERS)[number];

export interface IdentityGate {
  /** The gated view of the transport: hand it to a component instead of the raw one. */
  readonly transport: Transport;
  counters(): Record<GateCounter, number>;
}

const MAX_HELD_PER_KEY = 4;
const MAX_PENDING_KEYS = 256;

export function createIdentityGate(transport: Transport, verifier: IdentityVerifier): IdentityGate {
  const count = Object.fromEntries(GATE_COUNTERS.map((c) => [c, 0])) as Record<GateCounter, number>;
  const pending = new Map<string, (() => void)[]>();

  const ignore = (verdict: Exclude<IdentityVerdict, 'ok'>) => count[`ignored.${verdict}`]++;

  function gated<T>(handler: Handler<T>): Handler<T> {
    return (msg: Incoming<T>) => {
      const key = msg.senderKey;
      // Unsigned kinds authenticate their content themselves (NEO rounds: view membership).
      if (!key) return handler(msg);
      const verdict = verifier.cached(key);
      if (verdict === 'ok') {
        count.passed++;
        return handler(msg);
      }
      if (verdict !== undefined) return ignore(verdict);
      const id = toHex(key);
      const waiting = pending.get(id);
      if (waiting) {
        if (waiting.length >= MAX_HELD_PER_KEY) return void count.heldOverflow++;
        count.held++;
        waiting.push(() => handler(msg));
        return;
      }
      if (pending.size >= MAX_PENDING_KEYS) return void count.heldOverflow++;
      count.held++;
      pending.set(id, [() => handler(msg)]);
      verifier.check(key).then(
        (v) => {
          const held = pending.get(id) ?? [];
          pending.delete(id);
          if (v !== 'ok') {
            for (let i = 0; i < held.length; i++) ignore(v);
            return;
          }
          count.passed += held.length;
          for (const deliver of held) deliver();
        },
        () => {
          // A verifier that fails counts as finding nothing: the sender stays unknown.
          const held = pending.get(id) ?? [];
          pending.delete(id);
          count['ignored.unknown'] += held.length;
        },
      );
    };
  }

  const view: Transport = Object.create(transport, {
    handle: { value: <T>(spec: MessageSpec<T>, handler: Handler<T>) => transport.handle(spec, gated(handler)) },
  }) as Transport;
  return { transport: view, counters: () => ({ ...count }) };
}
