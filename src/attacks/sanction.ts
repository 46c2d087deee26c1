import { encodeNeoBadRevealProof, encodeNeoEquivocationProof, type AuthClient } from '../auth/index.js';
import type { GroupEvidence, GroupMember } from '../groups/index.js';
import type { AttackLedger } from './ledger.js';
import { toHex } from '../crypto/index.js';

/**
 * The honest side of SPEC §3's cheat proof, from evidence to exclusion: NEO hands a member signed
 * evidence (two versions of one round message, or a key that does not open the member's own
 * update); the sanctioner looks up the offender's key certificate at the authority, sends the
 * proof, and hands the signed ban to the group member, which gossips it and proposes the
 * exclusion. The authority verifies every proof itself, so nothing here is trusted: a false
 * accusation is refused there and bans nobody.
 */

export const SANCTION_COUNTERS = ['evidence', 'proofsSubmitted', 'proofsAccepted', 'proofsRefused', 'lookupsFailed', 'exclusionsProposed'] as const;
export type SanctionCounter = (typeof SANCTION_COUNTERS)[number];

export interface SanctionDeps {
  /** The member's authority client: key certificates by public key, and proof submission. */
  readonly client: Pick<AuthClient, 'lookup' | 'submitProof'>;
  readonly ledger?: AttackLedger;
}

export interface Sanctioner {
  /** Plug into GroupMemberDeps.onEvidence. */
  readonly onEvidence: (evidence: GroupEvidence, member: GroupMember) => void;
  counters(): Record<SanctionCounter, number>;
}

export function createSanctioner(deps: SanctionDeps): Sanctioner {
  const counters = Object.fromEntries(SANCTION_COUNTERS.map((c) => [c, 0])) as Record<SanctionCounter, number>;
  /** Offenders with a proof in flight or already banned: one proof per offender is enough. */
  const handled = new Set<string>();

  async function sanction(evidence: GroupEvidence, member: GroupMember): Promise<void> {
    const id = toHex(evidence.offender);
    const lookup = await deps.client.lookup({ publicKey: evidence.offender });
    if (!lookup.ok || !lookup.keyCertificate) {
      counters.lookupsFailed++;
      handled.delete(id);
      return;
    }
    const cert = lookup.keyCertificate;
    // Banned already (another member's proof got there first): the ban alone is enough to exclude.
    if (lookup.ban) {
      if (member.exclude(lookup.ban, cert)) counters.exclusionsProposed++;
      return;
    }
    const proof =
      evidence.kind === 'equivocation' ? encodeNeoEquivocationProof(cert, evidence.first, evidence.second) : encodeNeoBadRevealProof(cert, evidence.commitment, evidence.reveal);
    counters.proofsSubmitted++;
    const result = await deps.client.submitProof(proof);
    if (!result.ok) {
      counters.proofsRefused++;
      handled.delete(id);
      return;
    }
    counters.proofsAccepted++;
    deps.ledger?.proofAccepted(member.publicKey, evidence.offender);
    if (member.exclude(result.ban, cert)) counters.exclusionsProposed++;
  }

  return {
    onEvidence(evidence, member) {
      counters.evidence++;
      deps.ledger?.evidence(member.publicKey, evidence.offender, evidence.round);
      const id = toHex(evidence.offender);
      if (handled.has(id)) return;
      handled.add(id);
      void sanction(evidence, member);
    },
    counters: () => ({ ...counters }),
  };
}
