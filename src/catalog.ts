import { CERTIFICATE_TYPES } from './auth/certificates.js';
import { AuthBanned, AuthCertificates, AuthLookup, AuthLookupResult, AuthProof, AuthRefused, AuthRegister, AuthRenew } from './auth/messages.js';
import { ClientUpdate, LockstepCommit, LockstepReveal, ServerRelay } from './baselines/messages.js';
import { GroupBan, GroupJoin, GroupResyncFetch, GroupResyncState, GroupState, GroupWelcome } from './groups/messages.js';
import { ZONE_LEADERS_SIGNING_TAG, ZoneLeadersCodec } from './zones/leader-record.js';
import { ZoneBorder, ZoneEndorse, ZoneEventMessage } from './zones/messages.js';
import { ZONE_EVENT_SIGNING_TAG, ZoneEventCodec } from './zones/events.js';
import { CharacterKey } from './storage/keys.js';
import { ComputeOutcome, ComputeRequest, ComputeResult } from './compute/messages.js';
import { CharacterEndorseRequest, CharacterEndorsement, CharacterWitness, CharacterWitnessEndorsements, CharacterWitnessRequest, CharacterWitnessSection } from './storage/witness-messages.js';
import { AttestationCodec, WITNESS_STATEMENT_SIGNING_TAG, WitnessStatementCodec } from './storage/attestation.js';
import { CharacterManifestCodec, CharacterSectionCodec } from './storage/character.js';
import { HouseValueCodec } from './storage/house.js';
import { DhtFindNode, DhtFindValue, DhtNodes, DhtPing, DhtPong, DhtStore, DhtStored, DhtValue } from './dht/messages.js';
import { NeoFetch, NeoForward, NeoRound } from './neo/messages.js';
import { Ping, Pong } from './net/messages.js';
import { Chunk, Manifest, createMessageRegistry, type AnyMessageSpec, type MessageRegistry, type Shape } from './wire/index.js';

/** Every message kind the product speaks; each area adds its kinds here as it lands. */
export const ALL_MESSAGES: readonly AnyMessageSpec[] = [Ping, Pong, Chunk, Manifest, DhtPing, DhtPong, DhtFindNode, DhtNodes, DhtFindValue, DhtValue, DhtStore, DhtStored, NeoRound, NeoFetch, NeoForward, GroupJoin, GroupWelcome, GroupState, GroupBan, GroupResyncFetch, GroupResyncState, ZoneBorder, ZoneEventMessage, ZoneEndorse, CharacterKey, CharacterWitnessRequest, CharacterWitness, CharacterWitnessSection, CharacterEndorseRequest, CharacterEndorsement, CharacterWitnessEndorsements, ComputeRequest, ComputeResult, ComputeOutcome, AuthRegister, AuthRenew, AuthCertificates, AuthRefused, AuthProof, AuthBanned, AuthLookup, AuthLookupResult, LockstepCommit, LockstepReveal, ClientUpdate, ServerRelay];

/**
 * Signed records that are not messages of their own but travel inside them and are stored
 * (certificates, DHT record values); docs/wire.md documents them next to the messages.
 */
export const ALL_RECORDS: readonly { readonly name: string; readonly summary: string; readonly shape: Shape }[] = [
  ...CERTIFICATE_TYPES.map((t) => ({
    name: t.name,
    summary: `${t.summary}. The signature is Ed25519 over the ASCII tag \`${new TextDecoder().decode(t.tag)}\` followed by bytes [0, ${t.codec.minSize - 64}).`,
    shape: t.codec.shape,
  })),
  {
    name: 'zone-leaders',
    summary: `the value of a \`zone-leaders\` DHT record (docs/zones.md): a leaf's group session, view, first listed members and the endpoints of its leader and standby, endorsed by a strict majority of the listed members. Each endorsement is Ed25519 by \`members[index]\` over the ASCII tag \`${new TextDecoder().decode(ZONE_LEADERS_SIGNING_TAG)}\` followed by every field before \`endorsements\`, as encoded`,
    shape: ZoneLeadersCodec.shape,
  },
  {
    name: 'zone-event',
    summary: `a zone-wide event (docs/zones.md, "Zone-wide events"): carried in a group update's notices and in \`zone-event\` messages. The signature is Ed25519 by \`raiser\` over the ASCII tag \`${new TextDecoder().decode(ZONE_EVENT_SIGNING_TAG)}\` followed by every field before it, as encoded`,
    shape: ZoneEventCodec.shape,
  },
  {
    name: 'house',
    summary: 'the value of a `house` DHT record (docs/storage.md, "Houses"), written by the owner its subject names (owner key ‖ slot); `version` equals the record\'s seq',
    shape: HouseValueCodec.shape,
  },
  {
    name: 'character-manifest',
    summary: 'the value of the `player-data` record of slot 0 (docs/storage.md, "Sections"): a character version\'s commitment to each section, the tagged SHA-256 (`p2p-mmog/character-section/v1`) of the owner key and the section record\'s whole value; `version` equals the record\'s seq',
    shape: CharacterManifestCodec.shape,
  },
  {
    name: 'character-section',
    summary: 'the value of the `player-data` record of slot 1 + section index: the section sealed with ChaCha20-Poly1305 under its own key, the associated data the owner key ‖ version (u32) ‖ section index (u8)',
    shape: CharacterSectionCodec.shape,
  },
  {
    name: 'character-attestation',
    summary:
      'the value of the `player-data` record of slot 3 (docs/storage.md, "Witnessed characters"), written by the owner: the witnesses\' signatures on one version, each by `witness` over the witness statement below; `manifestDigest` is the tagged SHA-256 (`p2p-mmog/character-manifest/v1`) of the owner key and the manifest record\'s value; the record\'s seq is `version` · 2^16 + the renewal (how many times this version was witnessed before: version 1 can be witnessed again, docs/storage.md)',
    shape: AttestationCodec.shape,
  },
  {
    name: 'character-witness-statement',
    summary: `what a witness signs (Ed25519 over the ASCII tag \`${new TextDecoder().decode(WITNESS_STATEMENT_SIGNING_TAG)}\` followed by these fields as encoded); \`witnessKey\` is the tagged SHA-256 (\`p2p-mmog/character-witness/v1\`) of the owner key`,
    shape: WitnessStatementCodec.shape,
  },
];

export function createProtocolRegistry(): MessageRegistry {
  return createMessageRegistry(ALL_MESSAGES);
}
