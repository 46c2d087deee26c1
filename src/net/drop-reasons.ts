import type { DecodeErrorCode } from '../wire/index.js';

/**
 * Every way a received datagram can fail to reach a handler. Each is counted separately, so
 * remote garbage, an attack and a bug in our own handler are never confused.
 */
export const DROP_REASONS = [
  'oversized',
  'truncated',
  'malformed',
  'bad-version',
  'unknown-kind',
  'unsigned',
  'bad-signature',
  /** A pairwise MAC that does not check out (or from a key no pairwise key can be agreed with). */
  'bad-mac',
  'replay',
  'stale',
  'sender-table-full',
  'no-handler',
  'handler-error',
  'internal-error',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export function dropReasonForDecodeError(code: DecodeErrorCode): DropReason {
  switch (code) {
    case 'oversized':
    case 'truncated':
    case 'bad-version':
    case 'unknown-kind':
    case 'unsigned':
      return code;
    case 'over-cap':
    case 'invalid-value':
    case 'trailing-bytes':
    case 'bad-flags':
      return 'malformed';
  }
}

export function emptyDropCounts(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
}
