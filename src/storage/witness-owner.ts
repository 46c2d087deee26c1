import { equalBytes, nodeIdFromPublicKey, toHex, type Signer } from '../crypto/index.js';
import type { DhtContact, DhtNode, DhtRecord } from '../dht/index.js';
import type { Incoming, SignatureVerifier, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { askUntil } from '../time/ask-until.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { MAX_ATTESTATION_SIGNATURES, NO_PREVIOUS_DIGEST, attestationRecord, manifestDigest, statementSigningBytes, witnessKey, type WitnessSignature } from './attestation.js';
import { CHARACTER_SECTIONS, type SealedCharacter } from './character.js';
import { MAX_EVIDENCE_BYTES } from './change-rule.js';
import type { ResolvedWitnessConfig } from './door.js';
import type { CharacterKeyring } from './keys.js';
import type { GroupEndorsement } from './endorsement.js';
import { CharacterWitness, CharacterWitnessEndorsements, CharacterWitnessRequest, CharacterWitnessSection, type CharacterWitnessBody, type WitnessRefusal } from './witness-messages.js';
import type { WitnessGarbage } from './witness-serve.js';

/**
 * The owner's side of witnessing (docs/storage.md, "Witnessed characters"): ask the w nodes closest
 * to its witness key, give each that answers the section keys and records, collect signatures until
 * every witness answered or the time is up, and sign the attestation when at least t signed.
 */

export interface WitnessResult {
  /** At least t witnesses signed: `attestation` is the owner's record of their signatures. */
  readonly ok: boolean;
  readonly attestation: DhtRecord | null;
  /** The signatures collected, closest witness first (verified). */
  readonly signatures: readonly WitnessSignature[];
  /** Witnesses asked: the w closest the owner's lookup found. */
  readonly asked: number;
  readonly refusals: Readonly<Partial<Record<WitnessRefusal, number>>>;
  /** The change rule's reasons, as the refusing witnesses sent them. */
  readonly ruleReasons: readonly string[];
  /** Witnesses asked that gave no final answer in time. */
  readonly silent: number;
}

export interface WitnessOwnerContext {
  readonly config: ResolvedWitnessConfig & { readonly answerTimeoutMs: number; readonly retryMs: number };
  readonly transport: Transport;
  readonly dht: Pick<DhtNode, 'findNode'>;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  readonly keyring: CharacterKeyring;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly clock: Clock;
  readonly count: {
    asked(n: number): void;
    received(outcome: WitnessRefusal | 'signed'): void;
    silent(n: number): void;
    garbage(reason: WitnessGarbage): void;
  };
}

type Final = { readonly outcome: 'signed'; readonly signature: WitnessSignature } | { readonly outcome: WitnessRefusal | 'bad-signature'; readonly detail: string };

interface Asked {
  readonly contact: DhtContact;
  final: Final | null;
}

interface Session {
  readonly next: SealedCharacter;
  readonly previous: SealedCharacter | null;
  readonly digest: Uint8Array;
  readonly previousDigest: Uint8Array;
  readonly renewal: number;
  readonly endorsement: GroupEndorsement | null;
  readonly asked: Map<string, Asked>;
  readonly done: () => void;
}

export interface WitnessRequester {
  witness(next: SealedCharacter, previous: SealedCharacter | null, evidence: Uint8Array, options?: WitnessOptions): Promise<WitnessResult>;
}

export interface WitnessOptions {
  /**
   * How many times this version was witnessed before (0: the first time). A renewal's attestation
   * record replaces the one before (attestationSeq). Witnesses sign a version 1 again from nothing;
   * a later version only while its attestation still passes their doors.
   */
  readonly renewal?: number;
  /**
   * The endorsements of the group the change was made in (requestEndorsements): every witness asks
   * for them for a change of version 2 or later, not for a renewal nor for version 1.
   */
  readonly endorsement?: GroupEndorsement;
}

export function requestWitnesses(ctx: WitnessOwnerContext): WitnessRequester {
  const owner = ctx.signer.publicKey;
  const sessions = new Map<string, Session>();
  const sessionId = (version: number, digest: Uint8Array) => `${version}/${toHex(digest)}`;

  ctx.transport.handle(CharacterWitness, (m: Incoming<CharacterWitnessBody>) => {
    const session = sessions.get(sessionId(m.body.version, m.body.manifestDigest));
    const asked = m.senderKey && session?.asked.get(toHex(nodeIdFromPublicKey(m.senderKey)));
    if (!m.senderKey || !session || !asked) return ctx.count.garbage('unexpected-answer');
    if (asked.final) return;
    if (m.body.outcome === 'awaiting-sections') return sendSections(session, asked.contact, m.senderKey);
    asked.final = finalOf(session, m.senderKey, m.body);
    if (asked.final.outcome === 'bad-signature') ctx.count.garbage('bad-signature');
    else ctx.count.received(asked.final.outcome);
    if ([...session.asked.values()].every((a) => a.final)) session.done();
  });

  function finalOf(session: Session, witness: Uint8Array, body: CharacterWitnessBody): Final {
    if (body.outcome !== 'signed') return { outcome: body.outcome as WitnessRefusal, detail: body.detail };
    const statement = { owner, version: session.next.version, manifestDigest: session.digest, previousDigest: session.previousDigest, witnessKey: witnessKey(owner) };
    const valid = body.signature !== null && ctx.verify(body.signature, statementSigningBytes(statement), witness);
    return valid ? { outcome: 'signed', signature: { witness, signature: body.signature as Uint8Array } } : { outcome: 'bad-signature', detail: '' };
  }

  /**
   * The keys of this version and the one before, sealed to the witness; the previous version's
   * manifest and section records (so the witness need not read them from the DHT); the group's
   * endorsements; then this version's section records, which start the witness's checks.
   */
  function sendSections(session: Session, contact: DhtContact, witnessPublicKey: Uint8Array): void {
    const to = { endpoint: contact.endpoint, publicKey: witnessPublicKey };
    for (const character of [session.next, session.previous]) {
      if (character) for (const s of CHARACTER_SECTIONS) ctx.keyring.release(to, character.version, s, character.keys[s]);
    }
    const send = (record: DhtRecord) => ctx.transport.send(contact.endpoint, CharacterWitnessSection, { version: session.next.version, record });
    if (session.previous) for (const record of [session.previous.manifest, ...CHARACTER_SECTIONS.map((s) => (session.previous as SealedCharacter).sections[s])]) send(record);
    const e = session.endorsement;
    if (e) ctx.transport.send(contact.endpoint, CharacterWitnessEndorsements, { version: session.next.version, manifestDigest: session.digest, session: e.session, groupSize: e.groupSize, endorsements: [...e.endorsements] });
    for (const s of CHARACTER_SECTIONS) send(session.next.sections[s]);
  }

  function sendRequest(session: Session, contact: DhtContact, evidence: Uint8Array): void {
    const m = session.next.manifest;
    ctx.transport.send(contact.endpoint, CharacterWitnessRequest, { version: session.next.version, previousDigest: session.previousDigest, manifestExpiresAtMs: m.expiresAtMs, manifestValue: m.value, manifestSignature: m.signature, evidence, endorsements: session.endorsement?.endorsements.length ?? 0 });
  }

  /** Asks until every witness gave a final answer or the time is up, asking again those that have not answered (lost datagrams). */
  async function collectAnswers(session: Session, evidence: Uint8Array, finished: Promise<void>): Promise<void> {
    const unanswered = () => [...session.asked.values()].filter((a) => !a.final);
    if (session.asked.size === 0) session.done();
    const ask = () => {
      for (const a of unanswered()) sendRequest(session, a.contact, evidence);
    };
    await askUntil(ctx, { retryMs: ctx.config.retryMs, timeoutMs: ctx.config.answerTimeoutMs }, ask, finished, session.done);
    ctx.count.silent(unanswered().length);
  }


  return {
    async witness(next, previous, evidence, options = {}) {
      checkArguments(owner, next, previous, evidence);
      const renewal = options.renewal ?? 0;
      const chosen = (await ctx.dht.findNode(witnessKey(owner))).contacts.slice(0, ctx.config.witnesses);
      const digest = manifestDigest(next.manifest);
      const id = sessionId(next.version, digest);
      if (sessions.has(id)) throw new Error(`witness: version ${next.version} of this manifest is already being witnessed`);
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const previousDigest = previous ? manifestDigest(previous.manifest) : NO_PREVIOUS_DIGEST;
      const session: Session = { next, previous, digest, previousDigest, renewal, endorsement: options.endorsement ?? null, asked: new Map(chosen.map((c) => [toHex(c.nodeId), { contact: c, final: null }])), done };
      sessions.set(id, session);
      ctx.count.asked(chosen.length);
      try {
        await collectAnswers(session, evidence, finished);
      } finally {
        sessions.delete(id);
      }
      return resultOf(session, ctx);
    },
  };
}

function checkArguments(owner: Uint8Array, next: SealedCharacter, previous: SealedCharacter | null, evidence: Uint8Array): void {
  if (!equalBytes(next.manifest.writer, owner)) throw new RangeError('witness: only the owner asks for its character to be witnessed');
  if ((next.version === 1) !== (previous === null)) throw new RangeError('witness: version 1 has no previous version, every later one needs the one before (its keys go to the witnesses)');
  if (previous && previous.version !== next.version - 1) throw new RangeError(`witness: the previous version of ${next.version} is ${next.version - 1}, got ${previous.version}`);
  if (evidence.length > MAX_EVIDENCE_BYTES) throw new RangeError(`witness: evidence is at most ${MAX_EVIDENCE_BYTES} bytes, got ${evidence.length}`);
}

function resultOf(session: Session, ctx: WitnessOwnerContext): WitnessResult {
  const finals = [...session.asked.values()].map((a) => a.final);
  const signatures = finals.flatMap((f) => (f?.outcome === 'signed' ? [f.signature] : [])).slice(0, MAX_ATTESTATION_SIGNATURES);
  const refusals: Partial<Record<WitnessRefusal, number>> = {};
  const ruleReasons: string[] = [];
  for (const f of finals) {
    if (!f || f.outcome === 'signed' || f.outcome === 'bad-signature') continue;
    refusals[f.outcome] = (refusals[f.outcome] ?? 0) + 1;
    if (f.outcome === 'rule') ruleReasons.push(f.detail);
  }
  const ok = signatures.length >= ctx.config.threshold;
  const { next, digest, previousDigest, renewal } = session;
  const attestation = ok ? attestationRecord(ctx.signer, { version: next.version, manifestDigest: digest, previousDigest, signatures }, Number(next.manifest.expiresAtMs), renewal) : null;
  return { ok, attestation, signatures, asked: session.asked.size, refusals, ruleReasons, silent: finals.filter((f) => !f).length };
}
