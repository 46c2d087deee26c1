/**
 * Why a byte string was refused. Each code maps to one drop reason of the transport, so a
 * malformed datagram is counted under a precise heading rather than a catch-all.
 */
export type DecodeErrorCode =
  /** the input ended before a field it announced */
  | 'truncated'
  /** a length or count exceeds the declared cap for its field */
  | 'over-cap'
  /** a field holds a value its schema forbids (bad UTF-8, boolean 7, ...) */
  | 'invalid-value'
  /** bytes left over after the last field */
  | 'trailing-bytes'
  /** the datagram as a whole is longer than the protocol allows */
  | 'oversized'
  /** a version byte this build does not speak */
  | 'bad-version'
  /** a message kind with no declared schema */
  | 'unknown-kind'
  /** flag bits that are reserved or contradict the kind's schema */
  | 'bad-flags'
  /** a kind whose schema demands a signature arrived without one */
  | 'unsigned';

/**
 * A refusal to decode bytes from outside. Carries the byte offset at which decoding stopped and
 * the schema path of the field being read, so a fixture diff or a fuzz finding points at the byte.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly code: DecodeErrorCode,
    readonly offset: number,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${code} at byte ${offset}${path ? ` (${path})` : ''}: ${detail}`);
  }

  /**
   * The same refusal seen from an enclosing field: codecs read nested fields without building
   * their paths, and prefix the path only on the way out of a failure.
   */
  within(parent: string): DecodeError {
    return new DecodeError(this.code, this.offset, joinPath(parent, this.path), this.detail);
  }
}

/** `votes` + `[1].digest` → `votes[1].digest`; `content` + `round` → `content.round`. */
export function joinPath(parent: string, child: string): string {
  if (!parent) return child;
  if (!child) return parent;
  return child.startsWith('[') ? `${parent}${child}` : `${parent}.${child}`;
}

export function isDecodeError(value: unknown): value is DecodeError {
  return value instanceof DecodeError;
}
