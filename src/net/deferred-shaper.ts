import type { LinkShaper } from './shaping/index.js';

/**
 * A shaper that passes everything through until the real one is attached. Shaping rules name
 * endpoints, and endpoints exist only once sockets are bound (port 0 picks a free port), so a run
 * binds every peer with this stand-in first and attaches the shaper built from the bound addresses.
 */
export interface DeferredShaper {
  readonly shaper: LinkShaper;
  attach(inner: LinkShaper): void;
}

export function createDeferredShaper(): DeferredShaper {
  let inner: LinkShaper | undefined;
  const attached = (): LinkShaper => {
    if (!inner) throw new Error('DeferredShaper: a shaped decision was asked for before a shaper was attached');
    return inner;
  };
  const shaper: LinkShaper = {
    get isIdentity() {
      return inner?.isIdentity ?? true;
    },
    get startMs() {
      return inner?.startMs ?? 0;
    },
    // Identity until attached, so callers never reach outbound/inbound before then.
    isOutboundIdentity: (from, to) => inner?.isOutboundIdentity(from, to) ?? true,
    isInboundIdentity: (to) => inner?.isInboundIdentity(to) ?? true,
    outbound: (from, to, bytes, nowMs) => attached().outbound(from, to, bytes, nowMs),
    inbound: (to, from, bytes, nowMs) => attached().inbound(to, from, bytes, nowMs),
    stats: () => attached().stats(),
  };
  return {
    shaper,
    attach(next) {
      if (inner) throw new Error('DeferredShaper: a shaper is already attached');
      inner = next;
    },
  };
}
