import { describe, expect, it } from 'vitest';
import { BASELINE_MESSAGES, ClientUpdate, LockstepReveal, MAX_BASELINE_PLAYERS, MAX_BASELINE_UPDATE_BYTES, ServerRelay } from '../../src/baselines/index.js';
import { BaselineInterrupted, runBaseline } from '../../src/loadtest/index.js';
import { ALL_MESSAGES } from '../../src/catalog.js';
import { createEd25519 } from '../../src/crypto/index.js';
import { MAX_DATAGRAM_BYTES, encodeMessage } from '../../src/wire/index.js';

describe('baseline messages', () => {
  const signer = createEd25519('native').createSigner(new Uint8Array(32).fill(3));
  const big = new Uint8Array(MAX_BASELINE_UPDATE_BYTES);

  it('are registered, signed, and in the baselines kind range', () => {
    for (const spec of BASELINE_MESSAGES) {
      expect(ALL_MESSAGES).toContain(spec);
      expect(spec.authenticated).toBe(true);
      expect(spec.kind).toBeGreaterThanOrEqual(0x90);
      expect(spec.kind).toBeLessThanOrEqual(0x9f);
    }
  });

  it('carry the largest update and the largest index in one datagram', () => {
    const player = MAX_BASELINE_PLAYERS - 1;
    const sizes = [
      encodeMessage(LockstepReveal, { turn: 0xffffffff, player, reply: true, update: big, nonce: new Uint8Array(32) }, { signer, sequence: 1n }).length,
      encodeMessage(ClientUpdate, { client: player, seq: 0xffffffff, createdAtMs: 1e12, payload: big }, { signer, sequence: 1n }).length,
      encodeMessage(ServerRelay, { client: player, seq: 0xffffffff, createdAtMs: 1e12, serverSeq: (1n << 64n) - 1n, payload: big }, { signer, sequence: 1n }).length,
    ];
    for (const n of sizes) expect(n).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
  });
});

describe('runBaseline', () => {
  it('refuses options that do not describe a run', async () => {
    await expect(runBaseline('lockstep', { players: 4, seed: 1 })).rejects.toThrow(/turns is required/);
    await expect(runBaseline('client-server', { players: 4, seed: 1 })).rejects.toThrow(/durationS is required/);
    await expect(runBaseline('client-server', { players: 1, durationS: 1, seed: 1 })).rejects.toThrow(RangeError);
    await expect(runBaseline('lockstep', { players: 2, turns: 1, seed: 1, payloadBytes: MAX_BASELINE_UPDATE_BYTES + 1 })).rejects.toThrow(RangeError);
    await expect(runBaseline('nope' as 'lockstep', { players: 2, turns: 1, seed: 1 })).rejects.toThrow(/kind/);
  });

  it('lockstep without shaping: every player plays every turn; figures are merged and encoded', async () => {
    const r = await runBaseline('lockstep', { players: 3, turns: 20, seed: 'plain' });
    expect(r.kind).toBe('lockstep');
    expect(r.turns).toBe(20);
    expect(r.turnLatencyMs.count).toBe(60);
    expect(r.turnLatencyMs.encoded.startsWith('lh1:60:')).toBe(true);
    expect(r.mismatches).toBe(0);
    expect(r.shapingDrops).toBe(0);
    expect(r.transportDrops).toEqual({});
  });

  it('a run that cannot finish (every datagram lost) times out, and closes its peers', async () => {
    await expect(
      runBaseline('lockstep', { players: 2, turns: 3, seed: 1, timeoutMs: 400, shaping: () => ({ default: { loss: { kind: 'bernoulli', p: 1 } } }) }),
    ).rejects.toThrow(/turns completed 0\/0 of 3: timed out/);
  });
});

describe('interrupting a baseline', () => {
  it('an aborted signal stops lockstep at once and rejects with BaselineInterrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(runBaseline('lockstep', { players: 3, turns: 100_000, seed: 'interrupt', signal: controller.signal })).rejects.toBeInstanceOf(BaselineInterrupted);
  });
});
