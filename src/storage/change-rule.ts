import { decodeOrNull, encodeWith, list, struct, u32, utf8, type Infer } from '../wire/index.js';
import type { CharacterSection } from './character.js';

/**
 * What an honest witness checks before it signs a character version (docs/storage.md, "Witnessed
 * characters"): a game-specific rule over the previous and the next plaintexts and the evidence the
 * owner attached. The witness code has no opinion of its own; a real game plugs in a rule that
 * checks the change against what the group agreed in NEO (the loot it saw dropped, the trade it
 * ordered). `itemLedgerRule` below is the simple rule of the tests and the harness.
 */

export type Sections = Readonly<Record<CharacterSection, Uint8Array>>;

export interface CharacterChange {
  readonly owner: Uint8Array;
  readonly version: number;
  /** The witnessed previous version's plaintexts; null for version 1 (a new character). */
  readonly previous: Sections | null;
  readonly next: Sections;
  /** Whatever the owner attached to justify the change (at most MAX_EVIDENCE_BYTES). */
  readonly evidence: Uint8Array;
}

export type ChangeVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Pure and synchronous: it sees remote data and must refuse, never throw, on anything it does not like. */
export type ChangeRule = (change: CharacterChange) => ChangeVerdict;

/** Evidence a witness request may carry. */
export const MAX_EVIDENCE_BYTES = 512;
/** A rule's refusal reason as it travels back to the owner. */
export const MAX_REFUSAL_DETAIL_BYTES = 64;

// ---- the simple rule: items change only as the evidence lists, gold rises by at most N ----

export const MAX_ITEM_NAME_BYTES = 32;
export const MAX_SHEET_ITEMS = 16;
export const MAX_EVIDENCE_ITEMS = 8;

/** A section's plaintext under `itemLedgerRule`: gold and item names (533 bytes at most, within a section's 700). */
export const CharacterSheetCodec = struct({ gold: u32, items: list(utf8(MAX_ITEM_NAME_BYTES), MAX_SHEET_ITEMS) });
export type CharacterSheet = Infer<typeof CharacterSheetCodec>;
/** The evidence under `itemLedgerRule`: the items the change gained and lost. */
export const ChangeEvidenceCodec = struct({ gained: list(utf8(MAX_ITEM_NAME_BYTES), MAX_EVIDENCE_ITEMS), lost: list(utf8(MAX_ITEM_NAME_BYTES), MAX_EVIDENCE_ITEMS) });
export type ChangeEvidence = Infer<typeof ChangeEvidenceCodec>;

export const encodeSheet = (sheet: CharacterSheet): Uint8Array => encodeWith(CharacterSheetCodec, sheet);
export const encodeEvidence = (evidence: ChangeEvidence): Uint8Array => encodeWith(ChangeEvidenceCodec, evidence);

export interface ItemLedgerRuleConfig {
  /** Gold a version may add over the previous one (both sections together). */
  readonly maxGoldGain: number;
}

const EMPTY_SHEET: CharacterSheet = { gold: 0, items: [] };

/**
 * Items change only as the evidence lists (gained items appear, lost items disappear, moving an
 * item between the equipped and the inventory section is free) and gold rises by at most
 * `maxGoldGain` per version; a new character (version 1) starts from nothing, so its items are
 * gains too. It cannot know whether the evidence is true: that is what a game's own rule checks
 * against the group's agreed state. What it does catch is an edit the evidence does not cover.
 */
export function itemLedgerRule(config: ItemLedgerRuleConfig): ChangeRule {
  if (!Number.isSafeInteger(config.maxGoldGain) || config.maxGoldGain < 0) throw new RangeError(`itemLedgerRule: maxGoldGain must be an integer >= 0, got ${config.maxGoldGain}`);
  return (change) => {
    const before = change.previous ? readSheets(change.previous) : [EMPTY_SHEET, EMPTY_SHEET];
    const after = readSheets(change.next);
    const evidence = decodeOrNull(ChangeEvidenceCodec, change.evidence);
    if (!before || !after) return { ok: false, reason: 'unreadable-sheet' };
    if (!evidence) return { ok: false, reason: 'bad-evidence' };
    if (gold(after) - gold(before) > config.maxGoldGain) return { ok: false, reason: 'gold-gain-too-high' };
    return sameItems(expected(items(before), evidence), items(after)) ? { ok: true } : { ok: false, reason: 'items-not-in-evidence' };
  };
}

function readSheets(sections: Sections): CharacterSheet[] | null {
  const sheets = [decodeOrNull(CharacterSheetCodec, sections.equipped), decodeOrNull(CharacterSheetCodec, sections.inventory)];
  return sheets.every((s) => s !== null) ? (sheets as CharacterSheet[]) : null;
}

const gold = (sheets: readonly CharacterSheet[]) => sheets.reduce((sum, s) => sum + s.gold, 0);
const items = (sheets: readonly CharacterSheet[]) => sheets.flatMap((s) => s.items);

/** The items before, less the lost ones (each must have been there), plus the gained ones; null when a lost item was not there. */
function expected(before: readonly string[], evidence: ChangeEvidence): string[] | null {
  const left = [...before];
  for (const item of evidence.lost) {
    const at = left.indexOf(item);
    if (at < 0) return null;
    left.splice(at, 1);
  }
  return [...left, ...evidence.gained];
}

function sameItems(a: readonly string[] | null, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  const sorted = (x: readonly string[]) => JSON.stringify([...x].sort());
  return sorted(a) === sorted(b);
}
