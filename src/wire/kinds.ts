/**
 * Every message kind's type byte, allocated here in one place so two areas can never claim the
 * same byte. Ranges per area leave room to grow without renumbering:
 *
 *   0x01–0x0f  transport control and chunking     0x50–0x6f  storage
 *   0x10–0x2f  DHT                                0x70–0x7f  computation
 *   0x30–0x4f  NEO and group membership           0x80–0x8f  authority
 *   0x90–0x9f  baselines (lockstep, client/server)
 */
export const MessageKind = {
  ping: 0x01,
  pong: 0x02,
  chunk: 0x08,
  manifest: 0x09,
  dhtPing: 0x10,
  dhtPong: 0x11,
  dhtFindNode: 0x12,
  dhtNodes: 0x13,
  dhtFindValue: 0x14,
  dhtValue: 0x15,
  dhtStore: 0x16,
  dhtStored: 0x17,
  neoRound: 0x30,
  neoFetch: 0x31,
  neoForward: 0x32,
  groupJoin: 0x38,
  groupWelcome: 0x39,
  groupState: 0x3a,
  groupBan: 0x3b,
  groupResyncFetch: 0x3c,
  groupResyncState: 0x3d,
  zoneBorder: 0x40,
  zoneEvent: 0x41,
  zoneEndorse: 0x42,
  characterKey: 0x50,
  characterWitnessRequest: 0x51,
  characterWitness: 0x52,
  characterWitnessSection: 0x53,
  characterEndorseRequest: 0x54,
  characterEndorsement: 0x55,
  characterWitnessEndorsements: 0x56,
  computeRequest: 0x70,
  computeResult: 0x71,
  computeOutcome: 0x72,
  authRegister: 0x80,
  authRenew: 0x81,
  authCertificates: 0x82,
  authRefused: 0x83,
  authProof: 0x84,
  authBanned: 0x85,
  authLookup: 0x86,
  authLookupResult: 0x87,
  lockstepCommit: 0x90,
  lockstepReveal: 0x91,
  clientUpdate: 0x92,
  serverRelay: 0x93,
} as const;

export type MessageKindName = keyof typeof MessageKind;
