import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeUpdate } from '../../src/game/index.js';
import { decodePayload, encodePayload, type MembershipOp } from '../../src/groups/index.js';

const update = encodeUpdate({ dx: 1, dy: -2, action: { kind: 'none' } });
const key = new Uint8Array(32).fill(7);

describe('group payload: a game update plus membership operations', () => {
  it('round-trips every operation kind', () => {
    const ops: MembershipOp[] = [{ kind: 'leave' }, { kind: 'admit', publicKey: key, host: '127.0.0.1', port: 4000 }, { kind: 'remove', publicKey: key }];
    const decoded = decodePayload(encodePayload({ update, ops }));
    expect(decoded).not.toBeNull();
    expect(decoded!.update).toEqual(update);
    expect(decoded!.ops).toEqual(ops);
  });

  it('decodes nothing but canonical payloads, and never throws on remote bytes', () => {
    const good = encodePayload({ update, ops: [{ kind: 'leave' }] });
    // A leave carrying a key is not the canonical encoding of any payload.
    const tampered = good.slice();
    tampered[tampered.length - 36] = 1;
    expect(decodePayload(tampered)).toBeNull();
    expect(decodePayload(good.subarray(0, good.length - 1))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const p = decodePayload(bytes);
        if (p !== null) expect(encodePayload(p)).toEqual(bytes);
      }),
    );
  });

  it('refuses more operations than an update may carry (a programmer error)', () => {
    expect(() => encodePayload({ update, ops: Array.from({ length: 5 }, () => ({ kind: 'leave' as const })) })).toThrow(RangeError);
  });
});
