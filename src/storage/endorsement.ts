import { PUBLIC_KEY_LENGTH, SHA256_LENGTH, equalBytes, toHex, type Signer } from '../crypto/index.js';
import type { Endpoint, Incoming, SignatureVerifier, Transport } from '../net/index.js';
import { SESSION_ID_BYTES } from '../neo/index.js';
import type { Clock } from '../time/clock.js';
import { askUntil } from '../time/ask-until.js';
import type { TimerHandle } from '../time/timer-queue.js';
import { bytes, encodeTagged, struct, u32, type Infer } from '../wire/index.js';
import { manifestDigest } from './attestation.js';
import type { SealedCharacter } from './character.js';
import { CharacterEndorseRequest, CharacterEndorsement, MAX_ENDORSEMENTS, type CharacterEndorseRequestBody, type CharacterEndorsementBody, type EndorseOutcome } from './witness-messages.js';
import { requestedManifest } from './requested-manifest.js';

/**
 * The group that saw a change (SPEC §6: "witnesses: the group that saw the change plus randomly,
 * verifiably chosen outside players"; docs/storage.md, "The group that saw the change"). A version
 * made while its owner plays in a group is endorsed first by a strict majority of that group's other
 * members, each of which endorses only a member of its own agreed view of the session named; the
 * owner sends the endorsements to its outside witnesses, who sign only a change so endorsed. The
 * door checks the outside witnesses' signatures alone: a group is not something a later door can
 * verify, so the endorsements bound nothing that colluders could not also sign (the outside
 * witnesses do); what they add is that an honest group vouches only for a player that plays in it.
 */

/** What a group member signs: this version of this owner's character, built on that one, made in that session. */
export const EndorsementStatementCodec = struct({
  owner: bytes(PUBLIC_KEY_LENGTH),
  version: u32,
  manifestDigest: bytes(SHA256_LENGTH),
  previousDigest: bytes(SHA256_LENGTH),
  session: bytes(SESSION_ID_BYTES),
});
export type EndorsementStatement = Infer<typeof EndorsementStatementCodec>;

/** Domain separation: an endorsement can never pass for a witness's signature, nor for anything else. */
export const ENDORSEMENT_SIGNING_TAG = new TextEncoder().encode('p2p-mmog/character-endorsement/v1');

export function endorsementSigningBytes(statement: EndorsementStatement): Uint8Array {
  return encodeTagged(ENDORSEMENT_SIGNING_TAG, EndorsementStatementCodec, statement);
}

/** A group's endorsements of one change, as the owner sends them to its witnesses. */
export interface GroupEndorsement {
  readonly session: Uint8Array;
  /** The group's size in the owner's view, the owner included. */
  readonly groupSize: number;
  readonly endorsements: readonly { readonly member: Uint8Array; readonly signature: Uint8Array }[];
}

/**
 * A strict majority of the group's members other than the owner, at most MAX_ENDORSEMENTS (a group
 * of more than 17 needs 8). A player alone in its group can have no change endorsed.
 */
export function requiredEndorsements(groupSize: number): number {
  if (!Number.isSafeInteger(groupSize) || groupSize < 1) throw new RangeError(`requiredEndorsements: groupSize must be an integer >= 1, got ${groupSize}`);
  return Math.min(MAX_ENDORSEMENTS, Math.floor((groupSize - 1) / 2) + 1);
}

/** Why a witness does not take a group's endorsements, or null when it does. */
export function endorsementFault(endorsement: GroupEndorsement | null, statement: Omit<EndorsementStatement, 'session'>, verify: SignatureVerifier): string | null {
  if (!endorsement) return 'no endorsements';
  if (endorsement.groupSize < 1) return 'group of 0';
  const signing = endorsementSigningBytes({ ...statement, session: endorsement.session });
  const counted = new Set<string>();
  for (const e of endorsement.endorsements) {
    const hex = toHex(e.member);
    if (equalBytes(e.member, statement.owner) || counted.has(hex)) continue;
    if (verify(e.signature, signing, e.member)) counted.add(hex);
  }
  const needed = requiredEndorsements(endorsement.groupSize);
  return counted.size >= needed ? null : `${counted.size} of ${needed} endorsements`;
}

export interface EndorseServeContext {
  readonly transport: Transport;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  readonly wallClock: Clock;
  /** Whether `owner` is a member of this node's agreed view of `session` (it plays in that group with this node). */
  readonly playsWith: (owner: Uint8Array, session: Uint8Array) => boolean;
  readonly count: { answered(outcome: EndorseOutcome): void };
}

/** The group member's side: endorse a change of a player of its own group. */
export function serveEndorsements(ctx: EndorseServeContext): void {
  ctx.transport.handle(CharacterEndorseRequest, (m: Incoming<CharacterEndorseRequestBody>) => {
    if (!m.senderKey) return;
    const manifest = requestedManifest(m.senderKey, m.body, ctx);
    const answer = (outcome: EndorseOutcome, digest: Uint8Array, signature: Uint8Array | null) => {
      ctx.count.answered(outcome);
      ctx.transport.send(m.from, CharacterEndorsement, { version: m.body.version, manifestDigest: digest, outcome, signature });
    };
    if (!manifest) return answer('malformed', new Uint8Array(SHA256_LENGTH), null);
    const digest = manifestDigest(manifest);
    if (!ctx.playsWith(m.senderKey, m.body.session)) return answer('not-in-group', digest, null);
    const statement = { owner: m.senderKey, version: m.body.version, manifestDigest: digest, previousDigest: m.body.previousDigest, session: m.body.session };
    answer('endorsed', digest, ctx.signer.sign(endorsementSigningBytes(statement)));
  });
}

/** The owner's group as its agreed view has it: the session and every member (the owner among them). */
export interface OwnerGroup {
  readonly session: Uint8Array;
  readonly members: readonly { readonly publicKey: Uint8Array; readonly endpoint: Endpoint }[];
}

export interface EndorseResult {
  /** Null when fewer than the required endorsements came in time. */
  readonly endorsement: GroupEndorsement | null;
  readonly asked: number;
  readonly refusals: Readonly<Partial<Record<Exclude<EndorseOutcome, 'endorsed'>, number>>>;
  readonly silent: number;
}

export interface EndorseOwnerContext {
  readonly transport: Transport;
  readonly signer: Signer;
  readonly verify: SignatureVerifier;
  readonly scheduler: { schedule(dueMs: number, callback: () => void): TimerHandle };
  readonly clock: Clock;
  readonly config: { readonly answerTimeoutMs: number; readonly retryMs: number };
  readonly count: { asked(n: number): void; received(outcome: EndorseOutcome | 'bad-signature'): void; silent(n: number): void };
}

interface Gathering {
  /** What each member's endorsement must be a signature over (endorsementSigningBytes of the statement). */
  readonly signing: Uint8Array;
  readonly answers: Map<string, { readonly publicKey: Uint8Array; final: { outcome: EndorseOutcome | 'bad-signature'; signature: Uint8Array | null } | null }>;
  readonly needed: number;
  readonly done: () => void;
}

/** The owner's side: ask the other members of its group, until enough endorsed, every one answered, or the time is up. */
export function requestEndorsements(ctx: EndorseOwnerContext): { endorse(next: SealedCharacter, previousDigest: Uint8Array, group: OwnerGroup): Promise<EndorseResult> } {
  const owner = ctx.signer.publicKey;
  const gatherings = new Map<string, Gathering>();
  const idOf = (version: number, digest: Uint8Array) => `${version}/${toHex(digest)}`;

  ctx.transport.handle(CharacterEndorsement, (m: Incoming<CharacterEndorsementBody>) => {
    const gathering = gatherings.get(idOf(m.body.version, m.body.manifestDigest));
    const asked = m.senderKey && gathering?.answers.get(toHex(m.senderKey));
    if (!m.senderKey || !gathering || !asked || asked.final) return;
    const valid = m.body.outcome !== 'endorsed' || (m.body.signature !== null && ctx.verify(m.body.signature, gathering.signing, m.senderKey));
    asked.final = valid ? { outcome: m.body.outcome, signature: m.body.signature } : { outcome: 'bad-signature', signature: null };
    ctx.count.received(asked.final.outcome);
    const finals = [...gathering.answers.values()].map((a) => a.final);
    if (finals.filter((f) => f?.outcome === 'endorsed').length >= gathering.needed || finals.every((f) => f)) gathering.done();
  });

  return {
    async endorse(next, previousDigest, group) {
      if (!equalBytes(next.manifest.writer, owner)) throw new RangeError('endorse: only the owner asks for its change to be endorsed');
      if (!group.members.some((m) => equalBytes(m.publicKey, owner))) throw new RangeError('endorse: the owner is not a member of the group it names');
      const others = group.members.filter((m) => !equalBytes(m.publicKey, owner));
      const digest = manifestDigest(next.manifest);
      const id = idOf(next.version, digest);
      if (gatherings.has(id)) throw new Error(`endorse: version ${next.version} of this manifest is already being endorsed`);
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const needed = requiredEndorsements(group.members.length);
      const gathering: Gathering = { signing: endorsementSigningBytes({ owner, version: next.version, manifestDigest: digest, previousDigest, session: group.session }), answers: new Map(others.map((m) => [toHex(m.publicKey), { publicKey: m.publicKey, final: null }])), needed, done };
      gatherings.set(id, gathering);
      ctx.count.asked(others.length);
      const request = { version: next.version, previousDigest, manifestExpiresAtMs: next.manifest.expiresAtMs, manifestValue: next.manifest.value, manifestSignature: next.manifest.signature, session: group.session };
      const endpointOf = new Map(others.map((m) => [toHex(m.publicKey), m.endpoint]));
      const ask = () => {
        for (const [hex, a] of gathering.answers) if (!a.final) ctx.transport.send(endpointOf.get(hex) as Endpoint, CharacterEndorseRequest, request);
      };
      if (others.length === 0) done();
      try {
        await askUntil(ctx, { retryMs: ctx.config.retryMs, timeoutMs: ctx.config.answerTimeoutMs }, ask, finished, done);
      } finally {
        gatherings.delete(id);
      }
      return resultOf(gathering, group);
    },
  };

  function resultOf(gathering: Gathering, group: OwnerGroup): EndorseResult {
    const finals = [...gathering.answers.values()];
    const endorsements = finals.flatMap((a) => (a.final?.outcome === 'endorsed' && a.final.signature ? [{ member: a.publicKey, signature: a.final.signature }] : [])).slice(0, MAX_ENDORSEMENTS);
    const refusals: Partial<Record<Exclude<EndorseOutcome, 'endorsed'>, number>> = {};
    for (const a of finals) if (a.final && a.final.outcome !== 'endorsed' && a.final.outcome !== 'bad-signature') refusals[a.final.outcome] = (refusals[a.final.outcome] ?? 0) + 1;
    const endorsement = endorsements.length >= gathering.needed ? { session: group.session, groupSize: group.members.length, endorsements } : null;
    // Members still unanswered once enough endorsed were not needed: only a gathering that fell short has silent members.
    const silent = endorsement ? 0 : finals.filter((a) => !a.final).length;
    ctx.count.silent(silent);
    return { endorsement, asked: finals.length, refusals, silent };
  }
}
