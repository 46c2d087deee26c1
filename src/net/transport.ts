import type { RemoteInfo } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { byteKey, equalBytes } from '../crypto/index.js';
import type { Clock } from '../time/clock.js';
import {
  decodeMessage,
  encodeBody,
  isDecodeError,
  sealEnvelope,
  type DecodedMessage,
  type EnvelopeAuth,
  type MessageMac,
  type MessageRegistry,
  type MessageSigner,
  type MessageSpec,
} from '../wire/index.js';
import { dropReasonForDecodeError, emptyDropCounts, type DropReason } from './drop-reasons.js';
import { ReplayGuard, type ReplayGuardOptions } from './replay-window.js';
import type { LinkShaper, ShapingDecision } from './shaping/index.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export function endpointId(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** `(signature, message, publicKey) → valid?`; must return false, never throw, on bad bytes. */
export type SignatureVerifier = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** The pairwise key this peer shares with one other (src/crypto/pairwise.ts): tags what it sends there, checks what comes from there. */
export interface MacChannel extends MessageMac {
  check(covered: Uint8Array, tag: Uint8Array): boolean;
}

/** Agrees pairwise keys with peers by their public keys; null when no key can be agreed with one. */
export interface MacKeys {
  channel(remoteKey: Uint8Array): MacChannel | null;
}

/** Runs a callback at a due time on the shared clock (src/time/timer-queue). */
export interface DeliveryScheduler {
  schedule(dueMs: number, callback: () => void): unknown;
}

export interface TransportConfig {
  /** Loopback by default; the harness never sends beyond this machine. */
  readonly host?: string;
  /** 0 picks any free port. */
  readonly port?: number;
  /** Requested SO_RCVBUF; the kernel caps it at net.core.rmem_max (reported in `socketBuffers`). */
  readonly recvBufferBytes?: number;
  readonly sendBufferBytes?: number;
  /** Per-sender replay protection (window size, senders kept, idle horizon); see ReplayGuardOptions. */
  readonly replay?: ReplayGuardOptions;
}

export interface TransportDeps {
  readonly registry: MessageRegistry;
  readonly signer: MessageSigner;
  readonly verify: SignatureVerifier;
  /**
   * Pairwise MACs (docs/wire.md, "Authentication"): an authenticated datagram to a peer whose key
   * this transport knows carries a 16-byte MAC instead of a signature, and received MACs are
   * checked with it. Without it every authenticated datagram is signed, and MACs are refused.
   */
  readonly macKeys?: MacKeys;
  readonly clock: Clock;
  /** Both or neither: shaping needs a scheduler to hold datagrams until they are due. */
  readonly shaping?: { readonly shaper: LinkShaper; readonly scheduler: DeliveryScheduler };
  /** First sequence number; by default derived from wall time so a restarted peer never reuses one. */
  readonly initialSequence?: bigint;
  /** A handler (or the decoder) threw: a bug in our own code, reported here and counted. */
  readonly onHandlerError?: (error: unknown, kind: string) => void;
}

export interface Incoming<T> {
  readonly body: T;
  readonly from: Endpoint;
  /** Verified sender key for signed kinds, null for unsigned ones. */
  readonly senderKey: Uint8Array | null;
  readonly sequence: bigint | null;
  readonly receivedAtMs: number;
  readonly bytes: number;
}

export type Handler<T> = (message: Incoming<T>) => void;

/**
 * Counters since the transport opened. They add up: every datagram handed to the receive pipeline
 * is `rx.processed` and ends either accepted or under exactly one drop reason
 * (`processed = accepted + Σ dropped`); what the socket delivered relates to it through the
 * receiver-side shaping: `datagrams + inbound.extraCopies = processed + Σ inbound.dropped +
 * inbound.discardedAtClose` (+ copies still held by the shaper while the transport runs).
 */
export interface TransportStats {
  readonly rx: { datagrams: number; bytes: number; processed: number; accepted: number };
  readonly tx: { datagrams: number; bytes: number; errors: number; afterClose: number };
  /** How authenticated datagrams proved their sender: signatures made and verified, MACs made and checked. */
  readonly authentication: { signed: number; maced: number; signaturesVerified: number; macsChecked: number };
  readonly dropped: Record<DropReason, number>;
  readonly shaping: { readonly outbound: ShapingSideStats; readonly inbound: ShapingSideStats };
}

export interface ShapingSideStats {
  /** By the shaper's reason (loss, partition, queue-overflow). */
  dropped: Record<string, number>;
  /** Second copies made by duplication. */
  extraCopies: number;
  /** Copies still held by the shaper when the transport closed. */
  discardedAtClose: number;
}

export interface Transport {
  readonly local: Endpoint;
  readonly endpointId: string;
  readonly publicKey: Uint8Array;
  /** Actual kernel buffer sizes after the request (Linux reports double the usable size). */
  readonly socketBuffers: { recvBytes: number; sendBytes: number };
  /** Install the one handler for a kind; a second handler for the same kind is a programmer error. */
  handle<T>(spec: MessageSpec<T>, handler: Handler<T>): void;
  /**
   * Encode, authenticate when the kind is authenticated (a MAC when the recipient's key is known,
   * else a signature), shape, send. Throws only on programmer error.
   */
  send<T>(to: Endpoint, spec: MessageSpec<T>, body: T): void;
  /** The same message to each endpoint, the body encoded once (each datagram has its own sequence and proof). */
  broadcast<T>(to: readonly Endpoint[], spec: MessageSpec<T>, body: T): void;
  /**
   * Declares the key that answers at `endpoint` (a group's agreed view, say), so datagrams to it
   * carry a MAC from the first. Without it the key is learned from the first authenticated datagram
   * that comes from there; a declared key is never replaced by a learned one.
   */
  introduce(endpoint: Endpoint, publicKey: Uint8Array): void;
  /** Already-encoded bytes, shaped like any other datagram (replays, fuzzing, forwarding). */
  sendBytes(to: Endpoint, bytes: Uint8Array): void;
  stats(): TransportStats;
  close(): Promise<void>;
}

/**
 * A transport that hands every call to `inner` except those `overrides` replace: the starting
 * point of a wrapper (the attack behaviours, test doubles) that changes a few calls and must keep
 * the rest exactly as they are. `broadcast` goes through the override of `send` when there is one,
 * so a wrapper that rewrites sends sees every recipient.
 */
export function wrapTransport(inner: Transport, overrides: Partial<Pick<Transport, 'handle' | 'send' | 'broadcast' | 'introduce' | 'sendBytes'>>): Transport {
  const send = overrides.send;
  return {
    get local() {
      return inner.local;
    },
    get endpointId() {
      return inner.endpointId;
    },
    get publicKey() {
      return inner.publicKey;
    },
    get socketBuffers() {
      return inner.socketBuffers;
    },
    handle: overrides.handle ?? ((spec, handler) => inner.handle(spec, handler)),
    send: send ?? ((to, spec, body) => inner.send(to, spec, body)),
    broadcast: overrides.broadcast ?? (send ? (to, spec, body) => to.forEach((e) => send(e, spec, body)) : (to, spec, body) => inner.broadcast(to, spec, body)),
    introduce: overrides.introduce ?? ((endpoint, publicKey) => inner.introduce(endpoint, publicKey)),
    sendBytes: overrides.sendBytes ?? ((to, bytes) => inner.sendBytes(to, bytes)),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
}

const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
/** Endpoints whose keys a transport remembers; past this, learned ones are forgotten oldest first. */
const MAX_KNOWN_ENDPOINTS = 4096;

/** The key known to answer at one endpoint, and the pairwise channel with it once agreed (null: none can be). */
interface KnownKey {
  readonly publicKey: Uint8Array;
  /** The key as a string, for the replay guard's table: built once, not per datagram. */
  readonly id: string;
  readonly declared: boolean;
  channel: MacChannel | null | undefined;
}

/**
 * One UDP socket per peer, carrying every message kind. Bind, send and close go through
 * dgram-as-promised; receiving goes through one persistent 'message' listener, because the
 * wrapper's recv() attaches a one-shot listener and would lose datagrams arriving between calls.
 */
export async function createTransport(config: TransportConfig, deps: TransportDeps): Promise<Transport> {
  const host = config.host ?? '127.0.0.1';
  const socket = DgramAsPromised.createSocket({
    lookup: lookupLiteralAtOnce,
    type: host.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: config.recvBufferBytes ?? DEFAULT_BUFFER_BYTES,
    sendBufferSize: config.sendBufferBytes ?? DEFAULT_BUFFER_BYTES,
  });
  const address = await socket.bind({ address: host, port: config.port ?? 0 });
  return new UdpTransport(socket, { host: address.address, port: address.port }, config, deps);
}

/**
 * Address resolution for sends: an IP literal (every peer address here) is its own answer, given
 * at once. The default (dns.lookup) answers a literal on the next tick, a deferral and a closure
 * per datagram that showed up in profiles (docs/performance.md); names still go to the resolver.
 */
function lookupLiteralAtOnce(hostname: string, options: LookupOneOptions | number, callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

class UdpTransport implements Transport {
  readonly endpointId: string;
  readonly publicKey: Uint8Array;
  readonly socketBuffers: { recvBytes: number; sendBytes: number };
  private readonly handlers = new Array<Handler<unknown> | undefined>(256);
  private readonly replay: ReplayGuard;
  private sequence: bigint;
  private closed = false;
  private readonly rx = { datagrams: 0, bytes: 0, processed: 0, accepted: 0 };
  private readonly tx = { datagrams: 0, bytes: 0, errors: 0, afterClose: 0 };
  private readonly authentication = { signed: 0, maced: 0, signaturesVerified: 0, macsChecked: 0 };
  private readonly afterSend = (error: Error | null) => {
    if (error) this.tx.errors++;
  };
  /** host → port → key: two levels, so a lookup builds no string per datagram. */
  private readonly known = new Map<string, Map<number, KnownKey>>();
  private knownCount = 0;
  private readonly dropped = emptyDropCounts();
  private readonly shapingOut: ShapingSideStats = { dropped: {}, extraCopies: 0, discardedAtClose: 0 };
  private readonly shapingIn: ShapingSideStats = { dropped: {}, extraCopies: 0, discardedAtClose: 0 };

  constructor(
    private readonly socket: SocketAsPromised,
    readonly local: Endpoint,
    config: TransportConfig,
    private readonly deps: TransportDeps,
  ) {
    this.endpointId = endpointId(local);
    this.publicKey = deps.signer.publicKey;
    this.replay = new ReplayGuard(config.replay);
    this.sequence = deps.initialSequence ?? BigInt(Date.now()) << 16n;
    // Read from the underlying socket: the wrapper's getSendBufferSize() recurses into itself (v6.0.0).
    this.socketBuffers = { recvBytes: socket.socket.getRecvBufferSize(), sendBytes: socket.socket.getSendBufferSize() };
    socket.socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onDatagram(msg, rinfo));
  }

  handle<T>(spec: MessageSpec<T>, handler: Handler<T>): void {
    if (this.deps.registry.get(spec.kind) !== spec) throw new TypeError(`handle(${spec.name}): kind is not in this transport's registry`);
    if (this.handlers[spec.kind]) throw new TypeError(`handle(${spec.name}): a handler is already installed`);
    this.handlers[spec.kind] = handler as Handler<unknown>;
  }

  send<T>(to: Endpoint, spec: MessageSpec<T>, body: T): void {
    const encoded = encodeBody(spec, body);
    this.sendBytes(to, sealEnvelope(spec, encoded, spec.authenticated ? this.authFor(to) : undefined));
  }

  broadcast<T>(to: readonly Endpoint[], spec: MessageSpec<T>, body: T): void {
    const encoded = encodeBody(spec, body);
    for (const endpoint of to) this.sendBytes(endpoint, sealEnvelope(spec, encoded, spec.authenticated ? this.authFor(endpoint) : undefined));
  }

  introduce(endpoint: Endpoint, publicKey: Uint8Array): void {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('introduce: publicKey must be 32 bytes');
    this.remember(endpoint.host, endpoint.port, publicKey, true);
    // Agreed now, while the caller sets up (a group's view before its first round), rather than
    // on the first datagram each way, when every member of every group would agree at once.
    const known = this.known.get(endpoint.host)?.get(endpoint.port);
    if (known) this.channelOf(known);
  }

  /** The pairwise channel with a known key, agreed the first time it is asked for (null: none can be, or no MACs here). */
  private channelOf(known: KnownKey): MacChannel | null {
    if (known.channel === undefined) known.channel = this.deps.macKeys?.channel(known.publicKey) ?? null;
    return known.channel;
  }

  /** A MAC when a key is known at `to` and agrees, else a signature. */
  private authFor(to: Endpoint): EnvelopeAuth {
    const sequence = this.sequence++;
    const known = this.known.get(to.host)?.get(to.port);
    const channel = known ? this.channelOf(known) : null;
    if (channel) {
      this.authentication.maced++;
      return { mac: channel, sequence };
    }
    this.authentication.signed++;
    return { signer: this.deps.signer, sequence };
  }

  private remember(host: string, port: number, publicKey: Uint8Array, declared: boolean): void {
    let ports = this.known.get(host);
    const existing = ports?.get(port);
    if (existing) {
      if (existing.declared && !declared) return;
      if (equalBytes(existing.publicKey, publicKey)) {
        if (declared && !existing.declared) ports?.set(port, { ...existing, declared });
        return;
      }
    }
    if (!ports) this.known.set(host, (ports = new Map()));
    if (!existing) {
      if (this.knownCount >= MAX_KNOWN_ENDPOINTS) this.forgetOldestLearned();
      this.knownCount++;
    }
    ports.set(port, { publicKey: Uint8Array.from(publicKey), id: byteKey(publicKey), declared, channel: undefined });
  }

  private forgetOldestLearned(): void {
    for (const [host, ports] of this.known) {
      for (const [port, k] of ports) {
        if (k.declared) continue;
        ports.delete(port);
        if (ports.size === 0) this.known.delete(host);
        this.knownCount--;
        return;
      }
    }
  }

  sendBytes(to: Endpoint, bytes: Uint8Array): void {
    if (this.closed) {
      this.tx.afterClose++;
      return;
    }
    const shaping = this.deps.shaping;
    if (!shaping) {
      this.transmit(to, bytes);
      return;
    }
    const toId = endpointId(to);
    if (shaping.shaper.isOutboundIdentity(this.endpointId, toId)) {
      this.transmit(to, bytes);
      return;
    }
    const now = this.deps.clock.nowMs();
    const verdict = shaping.shaper.outbound(this.endpointId, toId, bytes.length, now);
    this.deliverPerVerdict(verdict, now, this.shapingOut, () => this.transmit(to, bytes));
  }

  stats(): TransportStats {
    return {
      rx: { ...this.rx },
      tx: { ...this.tx },
      authentication: { ...this.authentication },
      dropped: { ...this.dropped },
      shaping: {
        outbound: { ...this.shapingOut, dropped: { ...this.shapingOut.dropped } },
        inbound: { ...this.shapingIn, dropped: { ...this.shapingIn.dropped } },
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.socket.close();
  }

  private transmit(to: Endpoint, bytes: Uint8Array): void {
    if (this.closed) {
      this.tx.afterClose++;
      return;
    }
    this.tx.datagrams++;
    this.tx.bytes += bytes.length;
    // The socket's own send with one shared callback: the wrapper's promise per datagram costs more
    // than the send itself at these rates (docs/performance.md); bind and close still go through it.
    this.socket.socket.send(bytes, to.port, to.host, this.afterSend);
  }

  private deliverPerVerdict(verdict: ShapingDecision, now: number, side: ShapingSideStats, deliver: () => void): void {
    if (verdict.deliveries.length === 0) {
      const reason = verdict.drop ?? 'loss';
      side.dropped[reason] = (side.dropped[reason] ?? 0) + 1;
      return;
    }
    side.extraCopies += verdict.deliveries.length - 1;
    const deliverUnlessClosed = () => {
      if (this.closed) side.discardedAtClose++;
      else deliver();
    };
    for (const due of verdict.deliveries) {
      if (due <= now) deliver();
      else if (Number.isFinite(due)) this.deps.shaping?.scheduler.schedule(due, deliverUnlessClosed);
      // The shaper bounds every delay; a non-finite due time is its bug, counted rather than thrown in a socket listener.
      else side.dropped['invalid-due-time'] = (side.dropped['invalid-due-time'] ?? 0) + 1;
    }
  }

  private onDatagram(buffer: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    this.rx.datagrams++;
    this.rx.bytes += buffer.length;
    // A plain Uint8Array over the same bytes: every field view decoded from it is then a cheap
    // typed-array view, not a Buffer (whose subarray goes through Buffer's own constructor).
    const msg = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const from: Endpoint = { host: rinfo.address, port: rinfo.port };
    const shaping = this.deps.shaping;
    if (!shaping || shaping.shaper.isInboundIdentity(this.endpointId)) {
      this.process(msg, from);
      return;
    }
    const now = this.deps.clock.nowMs();
    const verdict = shaping.shaper.inbound(this.endpointId, endpointId(from), msg.length, now);
    this.deliverPerVerdict(verdict, now, this.shapingIn, () => this.process(msg, from));
  }

  /** Decode → verify → replay check → dispatch; each failure is a counted drop, never a throw. */
  private process(datagram: Uint8Array, from: Endpoint): void {
    this.rx.processed++;
    let decoded: DecodedMessage;
    try {
      decoded = decodeMessage(datagram, this.deps.registry);
    } catch (error) {
      if (isDecodeError(error)) {
        this.dropped[dropReasonForDecodeError(error.code)]++;
      } else {
        // A decoder bug must not take the peer down; it is counted apart so it is never mistaken for bad input.
        this.dropped['internal-error']++;
        this.deps.onHandlerError?.(error, 'decode');
      }
      return;
    }
    const auth = decoded.auth;
    let senderKey: Uint8Array | null = null;
    if (auth) {
      // The key known at this endpoint, when the datagram claims it: its channel and id are ready.
      const atEndpoint = this.known.get(from.host)?.get(from.port);
      const known = atEndpoint !== undefined && equalBytes(atEndpoint.publicKey, auth.publicKey) ? atEndpoint : undefined;
      if (auth.method === 'signature') {
        this.authentication.signaturesVerified++;
        if (!this.deps.verify(auth.proof, auth.coveredBytes, auth.publicKey)) {
          this.dropped['bad-signature']++;
          return;
        }
      } else {
        this.authentication.macsChecked++;
        const channel = known ? this.channelOf(known) : this.deps.macKeys?.channel(auth.publicKey);
        if (!channel || !channel.check(auth.coveredBytes, auth.proof)) {
          this.dropped['bad-mac']++;
          return;
        }
      }
      // Only after the proof holds, so a forger cannot advance an honest sender's window.
      const verdict = this.replay.accept(auth.publicKey, auth.sequence, this.deps.clock.nowMs(), known?.id);
      if (verdict !== 'fresh') {
        this.dropped[verdict]++;
        return;
      }
      if (known) senderKey = known.publicKey;
      else {
        // A copy: the key outlives the datagram in routing tables and caches, and must not keep it alive.
        senderKey = Uint8Array.from(auth.publicKey);
        // The sender proved its key: answers to it can carry a MAC.
        if (this.deps.macKeys) this.remember(from.host, from.port, senderKey, false);
      }
    }
    const handler = this.handlers[decoded.spec.kind];
    if (!handler) {
      this.dropped['no-handler']++;
      return;
    }
    try {
      handler({
        body: decoded.body,
        from,
        senderKey,
        sequence: auth?.sequence ?? null,
        receivedAtMs: this.deps.clock.nowMs(),
        bytes: datagram.length,
      });
      this.rx.accepted++;
    } catch (error) {
      this.dropped['handler-error']++;
      this.deps.onHandlerError?.(error, decoded.spec.name);
    }
  }
}
