import { createSocket, type Socket } from 'node:dgram';
import { availableParallelism } from 'node:os';
import { createEd25519 } from '../crypto/index.js';
import { monotonicNowMs } from '../time/clock.js';

/**
 * A short calibration of the machine at the start of every run (SPEC §9 "Cost"): what one native
 * Ed25519 verification costs and how many datagrams loopback UDP carries a second. The run's own
 * cost is then stated in these units (`harness.cpuPerMemberRoundVerifies`), so figures from a fast
 * and a slow machine can be compared. Runs on the main thread before the worker pool starts, so
 * nothing else of the run competes with it; about 0.4 s with the defaults.
 */
export interface Calibration {
  /** One verification of a 256-byte message by the native backend, key already prepared (µs, median of trials). */
  readonly verifyUs: number;
  /** Datagrams of ~200 bytes received per second between two loopback sockets of one thread. */
  readonly loopbackDatagramsPerS: number;
  /** Cores the machine offers this process (os.availableParallelism()). */
  readonly cores: number;
}

export interface CalibrationOptions {
  /** Trials of the verification timing; the median is kept (one slow trial cannot move it). */
  readonly verifyTrials?: number;
  readonly verifiesPerTrial?: number;
  readonly messageBytes?: number;
  /** How long the loopback burst lasts. */
  readonly loopbackMs?: number;
  readonly datagramBytes?: number;
  /** Datagrams in flight at most: enough to keep the receiver busy, far below a socket buffer. */
  readonly window?: number;
}

export const CALIBRATION_DEFAULTS: Required<CalibrationOptions> = {
  verifyTrials: 5,
  verifiesPerTrial: 300,
  messageBytes: 256,
  loopbackMs: 300,
  datagramBytes: 200,
  window: 64,
};

export async function calibrate(options: CalibrationOptions = {}): Promise<Calibration> {
  const o = { ...CALIBRATION_DEFAULTS, ...options };
  const verifyUs = measureVerifyUs(o);
  const loopbackDatagramsPerS = await measureLoopbackDatagramsPerS(o);
  return { verifyUs, loopbackDatagramsPerS, cores: availableParallelism() };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One verification in µs: the native backend with its prepared-key cache, as a peer verifies a
 * group member it has seen before (the common case on the hot path).
 */
export function measureVerifyUs(options: Pick<CalibrationOptions, 'verifyTrials' | 'verifiesPerTrial' | 'messageBytes'> = {}): number {
  const { verifyTrials, verifiesPerTrial, messageBytes } = { ...CALIBRATION_DEFAULTS, ...options };
  const ed = createEd25519('native');
  const signer = ed.createSigner(new Uint8Array(32).fill(7));
  const message = Uint8Array.from({ length: messageBytes }, (_, i) => i & 0xff);
  const signature = signer.sign(message);
  const publicKey = signer.publicKey;
  // The first call prepares the key (cached), as on a peer after its first round.
  if (!ed.verify(signature, message, publicKey)) throw new Error('calibration: the native Ed25519 backend rejected its own signature');
  const trials: number[] = [];
  for (let t = 0; t < verifyTrials; t++) {
    let ok = true;
    const started = process.hrtime.bigint();
    for (let i = 0; i < verifiesPerTrial; i++) ok = ed.verify(signature, message, publicKey) && ok;
    const elapsedNs = Number(process.hrtime.bigint() - started);
    // Using the result keeps the loop from being optimised away, and a false here is a real fault.
    if (!ok) throw new Error('calibration: a verification failed');
    trials.push(elapsedNs / 1000 / verifiesPerTrial);
  }
  return median(trials);
}

function boundSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Datagrams per second through loopback: one sender, one receiver with one persistent 'message'
 * listener, at most `window` datagrams in flight (a paced burst, so the figure is what the
 * receiver processes, not what a kernel buffer swallows and drops). A window that stops moving for
 * 20 ms is written off as lost so a kernel drop cannot stall the measurement.
 */
export async function measureLoopbackDatagramsPerS(options: Pick<CalibrationOptions, 'loopbackMs' | 'datagramBytes' | 'window'> = {}): Promise<number> {
  const { loopbackMs, datagramBytes, window } = { ...CALIBRATION_DEFAULTS, ...options };
  const [sender, receiver] = await Promise.all([boundSocket(), boundSocket()]);
  const port = receiver.address().port;
  const payload = Buffer.alloc(datagramBytes, 0x5a);
  let sent = 0;
  let received = 0;
  let writtenOff = 0;
  let firstSendMs = 0;
  let lastReceiptMs = 0;
  let sendError: Error | null = null;
  sender.on('error', (e) => (sendError ??= e));
  receiver.on('error', (e) => (sendError ??= e));
  try {
    await new Promise<void>((resolve) => {
      firstSendMs = monotonicNowMs();
      const deadline = firstSendMs + loopbackMs;
      const pump = () => {
        while (sent - received - writtenOff < window && monotonicNowMs() < deadline) {
          sender.send(payload, port, '127.0.0.1');
          sent++;
        }
      };
      receiver.on('message', () => {
        received++;
        lastReceiptMs = monotonicNowMs();
        if (sent - received - writtenOff <= window / 2) pump();
      });
      let seen = -1;
      const guard = setInterval(() => {
        const inFlight = sent - received - writtenOff;
        if (monotonicNowMs() >= deadline) {
          // Stragglers still arriving are waited for one more interval, then the burst is over.
          if (inFlight === 0 || received === seen) {
            clearInterval(guard);
            resolve();
          }
        } else if (received === seen && inFlight > 0) {
          writtenOff += inFlight;
          pump();
        }
        seen = received;
      }, 20);
      pump();
    });
  } finally {
    await Promise.all([closeSocket(sender), closeSocket(receiver)]);
  }
  if (sendError !== null) throw new Error(`calibration: loopback UDP failed: ${(sendError as Error).message}`);
  const elapsedS = Math.max(1e-3, (lastReceiptMs - firstSendMs) / 1000);
  return received / elapsedS;
}
