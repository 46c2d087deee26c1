import { equalBytes, toHex, type Signer } from '../crypto/index.js';
import { verifyRecord, type DhtNode, type DhtRecord } from '../dht/index.js';
import type { Endpoint, Incoming, SignatureVerifier, Transport } from '../net/index.js';
import type { Clock } from '../time/clock.js';
import { NO_PREVIOUS_DIGEST, manifestDigest, statementSigningBytes, witnessKey } from './attestation.js';
import { CHARACTER_SECTIONS, characterSubject, openSection, readManifest, readSection, type CharacterSection } from './character.js';
import { characterRecordPolicies } from './character-policy.js';
import { requestedManifest } from './requested-manifest.js';
import { MAX_REFUSAL_DETAIL_BYTES, type ChangeRule, type Sections } from './change-rule.js';
import type { CharacterDoor, ResolvedWitnessConfig } from './door.js';
import type { CharacterKeyring } from './keys.js';
import { endorsementFault, type GroupEndorsement } from './endorsement.js';
import {
  CharacterWitness,
  CharacterWitnessEndorsements,
  CharacterWitnessRequest,
  CharacterWitnessSection,
  type CharacterWitnessEndorsementsBody,
  type CharacterWitnessRequestBody,
  type CharacterWitnessSectionBody,
  type WitnessOutcome,
  type WitnessRefusal,
} from './witness-messages.js';

/**
 * The serving side of witnessing (docs/storage.md, "Witnessed characters"): a node asked to witness
 * a version holds the request until it has the two section records and the keys of this version and
 * the one before, then signs only if the previous version is the one witnessed in the DHT, the
 * game's rule accepts the change from its plaintexts to the new ones, and (for a change of version 2
 * or later) a strict majority of the group it was made in endorsed it.
 */

export const WITNESS_GARBAGE = [
  /** A request whose manifest does not verify as the sender's record of that version. */
  'bad-request',
  /** A section record that does not verify as the sender's section of that version. */
  'bad-section',
  /** A section or endorsements for no request held (late, or never asked). */
  'unexpected-section',
  /** An answer for no witnessing under way, or from a node that was not asked. */
  'unexpected-answer',
  /** A `signed` answer whose signature does not verify. */
  'bad-signature',
  /** A held request dropped to make room for a newer one. */
  'evicted',
] as const;
export type WitnessGarbage = (typeof WITNESS_GARBAGE)[number];

export interface WitnessServeContext {
  readonly config: ResolvedWitnessConfig;
  readonly transport: Transport;
  readonly dht: Pick<DhtNode, 'get'>;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  readonly keyring: CharacterKeyring;
  readonly rule: ChangeRule;
  readonly door: CharacterDoor;
  readonly wallClock: Clock;
  readonly count: {
    taken(): void;
    answered(outcome: WitnessOutcome): void;
    garbage(reason: WitnessGarbage): void;
  };
}

interface Held {
  readonly owner: Uint8Array;
  readonly version: number;
  readonly from: Endpoint;
  readonly manifest: DhtRecord;
  readonly digest: Uint8Array;
  readonly previousDigest: Uint8Array;
  readonly evidence: Uint8Array;
  readonly sections: Partial<Record<CharacterSection, DhtRecord>>;
  /** The version this one builds on, as the owner sent it (optional: without it the witness reads the DHT). */
  readonly previous: { manifest: DhtRecord | null; readonly sections: Partial<Record<CharacterSection, DhtRecord>> };
  /** Endorsements the request said the owner would send, and what came. */
  readonly expectedEndorsements: number;
  endorsement: GroupEndorsement | null;
  processing: boolean;
}

type Answer = { readonly outcome: WitnessOutcome; readonly detail: string; readonly signature: Uint8Array | null };

/** Requests held at once; past this the oldest goes (counted), so a flood costs memory only up to here. */
const MAX_HELD = 64;
/** Signed versions remembered, so the same version is never signed for two manifests. */
const MAX_SIGNED_KEPT = 4096;

export function serveWitnessRequests(ctx: WitnessServeContext): void {
  const held = new Map<string, Held>();
  const signed = new Map<string, { digest: Uint8Array; answer: Answer }>();
  const idOf = (owner: Uint8Array, version: number) => `${toHex(owner)}/${version}`;
  const send = (h: Pick<Held, 'from' | 'version' | 'digest'>, answer: Answer) => {
    ctx.count.answered(answer.outcome);
    ctx.transport.send(h.from, CharacterWitness, { version: h.version, manifestDigest: h.digest, ...answer });
  };

  ctx.transport.handle(CharacterWitnessRequest, (m: Incoming<CharacterWitnessRequestBody>) => {
    if (!m.senderKey) return;
    const manifest = requestedManifest(m.senderKey, m.body, ctx);
    if (!manifest) {
      ctx.count.garbage('bad-request');
      return send({ from: m.from, version: m.body.version, digest: NO_PREVIOUS_DIGEST }, refusal('malformed'));
    }
    const h: Held = { owner: m.senderKey, version: m.body.version, from: m.from, manifest, digest: manifestDigest(manifest), previousDigest: m.body.previousDigest, evidence: m.body.evidence, sections: {}, previous: { manifest: null, sections: {} }, expectedEndorsements: m.body.endorsements, endorsement: null, processing: false };
    const id = idOf(h.owner, h.version);
    const before = signed.get(id);
    if (before) return send(h, equalBytes(before.digest, h.digest) ? before.answer : refusal('conflict'));
    const existing = held.get(id);
    if (existing?.processing) return;
    if (!existing || !equalBytes(existing.digest, h.digest)) hold(id, h);
    send(h, { outcome: 'awaiting-sections', detail: '', signature: null });
  });

  ctx.transport.handle(CharacterWitnessSection, (m: Incoming<CharacterWitnessSectionBody>) => {
    if (!m.senderKey) return;
    const h = held.get(idOf(m.senderKey, m.body.version));
    if (!h) return ctx.count.garbage('unexpected-section');
    const part = partOf(m.body.record, h, ctx);
    if (!part) return ctx.count.garbage('bad-section');
    if (part === 'previous-manifest') h.previous.manifest = m.body.record;
    else if (part.previous) h.previous.sections[part.section] = m.body.record;
    else h.sections[part.section] = m.body.record;
    tryEvaluate(h);
  });

  ctx.transport.handle(CharacterWitnessEndorsements, (m: Incoming<CharacterWitnessEndorsementsBody>) => {
    if (!m.senderKey) return;
    const h = held.get(idOf(m.senderKey, m.body.version));
    if (!h || !equalBytes(h.digest, m.body.manifestDigest)) return ctx.count.garbage('unexpected-section');
    h.endorsement = { session: m.body.session, groupSize: m.body.groupSize, endorsements: m.body.endorsements };
    tryEvaluate(h);
  });

  // The keys travel in their own datagrams and may come after the sections.
  ctx.keyring.onReceived((owner, version) => {
    for (const v of [version, version + 1]) {
      const h = held.get(idOf(owner, v));
      if (h) tryEvaluate(h);
    }
  });

  function hold(id: string, h: Held): void {
    held.delete(id);
    held.set(id, h);
    ctx.count.taken();
    if (held.size <= MAX_HELD) return;
    held.delete(held.keys().next().value as string);
    ctx.count.garbage('evicted');
  }

  function tryEvaluate(h: Held): void {
    if (h.processing || (h.expectedEndorsements > 0 && !h.endorsement) || !CHARACTER_SECTIONS.every((s) => h.sections[s]) || !keysOf(h, h.version) || (h.version > 1 && !keysOf(h, h.version - 1))) return;
    h.processing = true;
    const id = idOf(h.owner, h.version);
    evaluate(h).then(
      (answer) => {
        if (held.get(id) === h) held.delete(id);
        if (answer.outcome === 'signed') remember(id, h.digest, answer);
        send(h, answer);
      },
      // This node's DHT closed under the checks (it is leaving or crashed): no answer, the owner counts it silent.
      () => void (held.get(id) === h && held.delete(id)),
    );
  }

  function keysOf(h: Held, version: number): Sections | null {
    const keys = CHARACTER_SECTIONS.map((s) => ctx.keyring.keyFor(h.owner, version, s));
    return keys.every((k) => k !== null) ? { equipped: keys[0] as Uint8Array, inventory: keys[1] as Uint8Array } : null;
  }

  function remember(id: string, digest: Uint8Array, answer: Answer): void {
    signed.set(id, { digest, answer });
    if (signed.size > MAX_SIGNED_KEPT) signed.delete(signed.keys().next().value as string);
  }

  /** The checks, cheapest first; the rule sees plaintexts only once both versions opened against their manifests. */
  async function evaluate(h: Held): Promise<Answer> {
    const next = openSections(h.manifest, h.sections, keysOf(h, h.version) as Sections);
    if (!next) return refusal('malformed');
    const previous = await previousVersion(h, ctx, keysOf(h, h.version - 1));
    if ('refused' in previous) return previous.refused;
    if (!equalBytes(previous.digest, h.previousDigest)) return refusal('not-next-version');
    // A renewal's change was judged (and endorsed) when the version was first witnessed.
    if (!previous.renewal) {
      const verdict = ctx.rule({ owner: h.owner, version: h.version, previous: previous.sections, next, evidence: h.evidence });
      if (!verdict.ok) return refusal('rule', verdict.reason);
      // Version 1 is made outside play (a new character); every later one in a group that saw it.
      const fault = h.version > 1 ? endorsementFault(h.endorsement, { owner: h.owner, version: h.version, manifestDigest: h.digest, previousDigest: previous.digest }, ctx.verify) : null;
      if (fault) return refusal('unendorsed', fault);
    }
    const statement = { owner: h.owner, version: h.version, manifestDigest: h.digest, previousDigest: previous.digest, witnessKey: witnessKey(h.owner) };
    return { outcome: 'signed', detail: '', signature: ctx.signer.sign(statementSigningBytes(statement)) };
  }
}

function refusal(outcome: WitnessRefusal, detail = ''): Answer {
  return { outcome, detail: truncateUtf8(detail, MAX_REFUSAL_DETAIL_BYTES), signature: null };
}

/** A rule's reason is the game's text: cut to what the answer carries, never mid-character. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out, 'utf8') > maxBytes) out = out.slice(0, -1);
  return out;
}

type Part = { readonly section: CharacterSection; readonly previous: boolean } | 'previous-manifest';

/**
 * What a record sent for a held request is, when it verifies as the owner's record: a section of
 * the proposed version, or the manifest or a section of the version before (which spares the
 * witness reading them from the DHT).
 */
function partOf(record: DhtRecord, h: Held, ctx: WitnessServeContext): Part | null {
  const section = readSection(record)?.section;
  const slot = section ?? (readManifest(record) ? 'manifest' : null);
  if (!slot || !equalBytes(record.subject, characterSubject(h.owner, slot))) return null;
  const ofPrevious = h.version > 1 && record.seq === BigInt(h.version - 1);
  let part: Part | null = null;
  if (section && record.seq === BigInt(h.version)) part = { section, previous: false };
  else if (section && ofPrevious) part = { section, previous: true };
  else if (!section && ofPrevious) part = 'previous-manifest';
  if (!part) return null;
  return verifyRecord(record, { policies: characterRecordPolicies, verify: ctx.verify, nowMs: ctx.wallClock.nowMs() }) === null ? part : null;
}

function openSections(manifest: DhtRecord, records: Partial<Record<CharacterSection, DhtRecord>>, keys: Sections): Sections | null {
  const opened = CHARACTER_SECTIONS.map((s) => {
    const record = records[s];
    return record ? openSection(manifest, record, s, keys[s]) : null;
  });
  return opened.every((o) => o?.ok) ? { equipped: (opened[0] as { plaintext: Uint8Array }).plaintext, inventory: (opened[1] as { plaintext: Uint8Array }).plaintext } : null;
}

/** The version a request builds on; `renewal`: the request is for the DHT's own newest witnessed version (witnessed again, on what it was built on). */
type Previous = { readonly digest: Uint8Array; readonly sections: Sections | null; readonly renewal?: true } | { readonly refused: Answer };

/**
 * The version the request builds on, as the DHT holds it: none for version 1; for a later one the
 * newest manifest must be the version before, witnessed (the door's own check), and readable with
 * the keys the owner released.
 */
async function previousVersion(h: Held, ctx: WitnessServeContext, keys: Sections | null): Promise<Previous> {
  if (h.version > 1 && h.previous.manifest) return shownPreviousVersion(h, h.previous.manifest, ctx, keys);
  const got = await ctx.dht.get('player-data', characterSubject(h.owner, 'manifest'), { quorum: ctx.config.quorum, absenceIsAnswer: h.version === 1 });
  // Version 1 builds on nothing, so it can be witnessed again from nothing: when the DHT already
  // holds this very version 1, the request renews its attestation (signers pushed out of the door's
  // w + s closest by a network that grew since); any other version 1 is not the owner's next.
  if (h.version === 1) return !got.record || isRequestedVersion(got.record, h) ? { digest: NO_PREVIOUS_DIGEST, sections: null } : { refused: refusal('not-next-version') };
  if (!got.record) return { refused: refusal('previous-missing') };
  if (isRequestedVersion(got.record, h)) return (await renewalOf(h, ctx)) ?? { refused: refusal('not-next-version') };
  if (readManifest(got.record)?.version !== h.version - 1) return { refused: refusal('not-next-version') };
  const verdict = await ctx.door.check(h.owner, { manifest: got.record });
  if (!verdict.ok) return { refused: refusal('previous-unwitnessed', verdict.reason) };
  const sections = keys && (await previousSections(h.owner, got.record, keys, ctx));
  return sections ? { digest: manifestDigest(got.record), sections } : { refused: refusal('previous-unreadable') };
}

/**
 * The version before, as the owner sent it: its manifest must pass this witness's door, which reads
 * the DHT's newest attestation (one for a later version means the owner builds on an old one:
 * `not-next-version`), and its sections must open against it. A section not sent is read from the DHT.
 */
async function shownPreviousVersion(h: Held, manifest: DhtRecord, ctx: WitnessServeContext, keys: Sections | null): Promise<Previous> {
  const verdict = await ctx.door.check(h.owner, { manifest });
  if (!verdict.ok && verdict.reason === 'stale') return (await renewalOf(h, ctx)) ?? { refused: refusal('not-next-version') };
  if (!verdict.ok) return { refused: refusal('previous-unwitnessed', verdict.reason) };
  if (!keys) return { refused: refusal('previous-unreadable') };
  const shown = openSections(manifest, h.previous.sections, keys);
  const sections = shown ?? (await previousSections(h.owner, manifest, keys, ctx));
  return sections ? { digest: manifestDigest(manifest), sections } : { refused: refusal('previous-unreadable') };
}

/**
 * A request for the version the DHT already holds as the newest witnessed one (same manifest): a
 * renewal. It is signed again only while its attestation still passes this witness's own door, on
 * the previous digest that attestation names; null when it does not.
 */
async function renewalOf(h: Held, ctx: WitnessServeContext): Promise<Previous | null> {
  const verdict = await ctx.door.check(h.owner, { manifest: h.manifest });
  if (!verdict.ok || !equalBytes(verdict.manifestDigest, h.digest)) return null;
  return { digest: verdict.previousDigest, sections: null, renewal: true };
}

/** Whether the DHT's manifest is the very version the request proposes (same digest): the request is a renewal. */
function isRequestedVersion(manifest: DhtRecord, h: Held): boolean {
  return readManifest(manifest)?.version === h.version && equalBytes(manifestDigest(manifest), h.digest);
}

/**
 * The previous version's plaintexts. Its manifest (read with the quorum) commits to each section's
 * record, so the first copy any holder serves is the one when it opens against it: a lookup that
 * stops at one answer. Only when it does not (a stale or lying holder answered first) is the quorum
 * asked, whose newest answer is taken.
 */
async function previousSections(owner: Uint8Array, manifest: DhtRecord, keys: Sections, ctx: WitnessServeContext): Promise<Sections | null> {
  const opened: Uint8Array[] = [];
  for (const s of CHARACTER_SECTIONS) {
    let plaintext: Uint8Array | null = null;
    for (const quorum of [1, ctx.config.quorum]) {
      const record = (await ctx.dht.get('player-data', characterSubject(owner, s), { quorum })).record;
      const section = record && openSection(manifest, record, s, keys[s]);
      if (section?.ok) {
        plaintext = section.plaintext;
        break;
      }
    }
    if (!plaintext) return null;
    opened.push(plaintext);
  }
  return { equipped: opened[0] as Uint8Array, inventory: opened[1] as Uint8Array };
}
