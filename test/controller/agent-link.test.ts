import { describe, expect, it } from 'vitest';
import { AgentLinkError, FRAME, MAX_HANDSHAKE_FRAME_BYTES, agentAuth, checkAgentAuth, checkControllerWelcome, controllerWelcome, createFrameReader, decodeData, encodeData, encodeFrame, newNonce } from '../../src/controller/agent-link.js';

const secret = new TextEncoder().encode('link-secret');

describe('the agents\' control connection', () => {
  it('cuts a stream into frames whatever the chunking, and refuses a length above the cap before its bytes come', () => {
    const frames: [number, string][] = [];
    const read = createFrameReader((kind, payload) => frames.push([kind, payload.toString('utf8')]));
    const stream = Buffer.concat([encodeFrame(FRAME.hello, Buffer.from('abc')), encodeFrame(FRAME.data, Buffer.from('')), encodeFrame(FRAME.auth, Buffer.from('xyz!'))]);
    for (let i = 0; i < stream.length; i += 3) read(stream.subarray(i, i + 3));
    expect(frames).toEqual([
      [FRAME.hello, 'abc'],
      [FRAME.data, ''],
      [FRAME.auth, 'xyz!'],
    ]);
    let handshaking = true;
    const capped = createFrameReader(() => {}, () => (handshaking ? MAX_HANDSHAKE_FRAME_BYTES : 1 << 20));
    const head = Buffer.alloc(5);
    head.writeUInt32BE(MAX_HANDSHAKE_FRAME_BYTES + 1, 0);
    head.writeUInt8(FRAME.auth, 4);
    expect(() => capped(head)).toThrow(/above the 327-byte cap/);
    handshaking = false;
    expect(() => createFrameReader(() => {}, () => 1 << 20)(head)).not.toThrow();
    const unknown = Buffer.from([0, 0, 0, 0, 99]);
    expect(() => createFrameReader(() => {})(unknown)).toThrow(/unknown frame kind 99 at byte 4/);
  });

  it('admits an agent that proves the secret, and learns its host: a wrong secret or an altered host is refused', () => {
    const controllerNonce = newNonce();
    const agentNonce = newNonce();
    const auth = agentAuth(secret, controllerNonce, agentNonce, '10.0.0.7');
    expect(checkAgentAuth(secret, controllerNonce, auth)).toMatchObject({ host: '10.0.0.7' });
    expect(checkAgentAuth(new TextEncoder().encode('other'), controllerNonce, auth)).toBeNull();
    expect(checkAgentAuth(secret, newNonce(), auth)).toBeNull();
    const altered = Buffer.concat([auth.subarray(0, auth.length - 1), Buffer.from('8')]);
    expect(checkAgentAuth(secret, controllerNonce, altered)).toBeNull();
    expect(checkAgentAuth(secret, controllerNonce, Buffer.alloc(10))).toBeNull();
  });

  it('gives the agent the controller\'s clock only with a proof over it: an altered reading is refused', () => {
    const agentNonce = newNonce();
    const welcome = controllerWelcome(secret, agentNonce, 123456.789);
    expect(checkControllerWelcome(secret, agentNonce, welcome)).toBe(123456.789);
    const altered = Buffer.from(welcome);
    altered.writeDoubleBE(1, 32);
    expect(checkControllerWelcome(secret, agentNonce, altered)).toBeNull();
    expect(checkControllerWelcome(secret, newNonce(), welcome)).toBeNull();
    expect(checkControllerWelcome(secret, agentNonce, welcome.subarray(0, 32))).toBeNull();
  });

  it('carries the typed contract by structured clone, and a frame that does not deserialize is this protocol\'s error', () => {
    const frame = encodeData({ type: 'command', shard: 3, command: { type: 'start', startAtMs: 1.5 } });
    expect(decodeData(frame.subarray(5))).toEqual({ type: 'command', shard: 3, command: { type: 'start', startAtMs: 1.5 } });
    expect(() => decodeData(Buffer.from([0xff, 0x0f, 0x6f, 0x7b, 0x01]))).toThrow(AgentLinkError);
  });
});
