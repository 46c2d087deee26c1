export {
  installDht,
  StaleWriteError,
  DEFAULT_DHT_CONFIG,
  type DhtNode,
  type DhtConfig,
  type ResolvedDhtConfig,
  type DhtDeps,
  type DhtLookupResult,
  type FindNodeResult,
  type GetResult,
  type GetOptions,
  type PutOptions,
  type PutResult,
  type BootstrapResult,
  type LeaveResult,
} from './node.js';
export {
  RECORD_TYPES,
  RECORD_REJECTIONS,
  MAX_RECORD_SUBJECT_BYTES,
  MAX_RECORD_VALUE_BYTES,
  RECORD_KEY_BYTES,
  RECORD_SIGNING_TAG,
  RecordCodec,
  UnsignedRecordCodec,
  recordKey,
  recordTypeCode,
  recordSigningBytes,
  signRecord,
  sameRecord,
  verifyRecord,
  isExpired,
  authorityWriterPolicy,
  ownerWriterPolicy,
  defaultRecordPolicies,
  type DhtRecord,
  type RecordDraft,
  type RecordType,
  type RecordPolicy,
  type RecordPolicies,
  type RecordRejection,
  type RecordCheck,
} from './records.js';
export { DhtPing, DhtPong, DhtFindNode, DhtNodes, DhtFindValue, DhtValue, DhtStore, DhtStored, DHT_MESSAGES, MAX_CONTACTS, STORE_OUTCOMES, type StoreOutcome } from './messages.js';
export type { DhtContact } from './contact.js';
export { MAX_CREDENTIAL_BYTES, MAX_VERIFIED_MEMBERS, type DhtMembership } from './membership.js';
export type { RateLimit } from './rate-limit.js';
export { DHT_COUNTERS, MAX_TRACKED_HOPS, sumDhtStats, type DhtCounter, type DhtStats, type DhtLookupStats } from './stats.js';
