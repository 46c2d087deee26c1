import { MessageKind, defineMessage, f64, struct, u64 } from '../wire/index.js';

/** Liveness and round-trip probe; every peer answers it. */
export const Ping = defineMessage({
  kind: MessageKind.ping,
  name: 'ping',
  authenticated: true,
  summary: 'liveness / round-trip probe; the receiver answers with a pong echoing nonce and time',
  body: struct({ nonce: u64, sentAtMs: f64 }),
});

export const Pong = defineMessage({
  kind: MessageKind.pong,
  name: 'pong',
  authenticated: true,
  summary: 'answer to a ping, echoing its nonce and send time',
  body: struct({ nonce: u64, echoSentAtMs: f64 }),
});
