import { toHex } from '../crypto/index.js';
import { createLatencyHistogram, decodeLatencyHistogram } from '../metrics/index.js';
import type { Rng } from '../random/index.js';
import type { RunReport } from '../report/model.js';
import type { LoadResult, SaveResult } from '../storage/index.js';

/** What the audit counts: report.json `storage.permanent`, documented there. */
export type HouseAuditCounts = NonNullable<NonNullable<RunReport['storage']>['permanent']>;

/** The audit's counts and its latencies, ms, as encoded HdrHistograms. */
export interface HouseAuditFigures extends HouseAuditCounts {
  readonly saveLatency: string;
  readonly readLatency: string;
}

/** A player able to read houses: any live player of the shard. */
export interface HouseReader {
  readonly id: number;
  load(owner: Uint8Array, slot: number): Promise<LoadResult>;
}

export interface HouseAudit {
  /** The outcome of an owner's save. */
  saved(ownerId: number, result: SaveResult): void;
  savedFailed(): void;
  /**
   * Reads back `sample` houses (all of them when null) through up to `readers` players each, other
   * than the owner where possible; a final audit decides what is lost. Resolves when every read ended.
   */
  audit(readersAvailable: readonly HouseReader[], options: { readonly sample: number | null; readonly readers: number; readonly final: boolean }): Promise<{ readonly checked: number; readonly missing: number }>;
  figures(): HouseAuditFigures;
}

interface Acknowledged {
  readonly ownerId: number;
  readonly owner: Uint8Array;
  readonly slot: number;
  version: number;
}

/**
 * The harness's ground truth for houses (docs/storage.md, "Auditing houses"): every version a save
 * got acknowledged, and audits that read each house back through other players' DHTs. A house is
 * **lost** when, at the final audit, none of `readers` players could read its latest acknowledged
 * version (or a newer one); a periodic audit's failure to do so is a **miss** (the run goes on,
 * and the DHT's republish may still restore it).
 */
export function createHouseAudit(rng: Rng): HouseAudit {
  const houses = new Map<string, Acknowledged>();
  const saveLatency = createLatencyHistogram();
  const readLatency = createLatencyHistogram();
  const count = { savesAcknowledged: 0, savesUnacknowledged: 0, savesFailed: 0, audits: 0, auditReads: 0, auditMisses: 0, staleReads: 0, lost: 0, finalChecked: 0 };

  /** Whether one of `readers` reads `house` at its acknowledged version or newer. */
  const readBack = async (house: Acknowledged, readers: readonly HouseReader[]): Promise<boolean> => {
    for (const reader of readers) {
      count.auditReads++;
      const result = await reader.load(house.owner, house.slot).catch(() => null);
      if (!result) continue;
      readLatency.recordMs(result.latencyMs);
      if (result.house && result.house.version >= house.version) return true;
      if (result.house) count.staleReads++;
    }
    return false;
  };

  return {
    saved(ownerId, result) {
      saveLatency.recordMs(result.latencyMs);
      if (!result.acknowledged) return void count.savesUnacknowledged++;
      count.savesAcknowledged++;
      const key = `${toHex(result.house.owner)}/${result.house.slot}`;
      const held = houses.get(key);
      if (!held) houses.set(key, { ownerId, owner: result.house.owner, slot: result.house.slot, version: result.house.version });
      else held.version = Math.max(held.version, result.house.version);
    },
    savedFailed() {
      count.savesFailed++;
    },
    async audit(available, options) {
      count.audits++;
      const all = [...houses.values()];
      const chosen = options.sample === null || options.sample >= all.length ? all : rng.shuffle(all).slice(0, options.sample);
      const outcomes = await Promise.all(
        chosen.map(async (house) => {
          // The version to find is fixed when the audit starts: a save racing the audit is the next audit's.
          const expected: Acknowledged = { ...house };
          const others = available.filter((r) => r.id !== house.ownerId);
          const readers = rng.shuffle(others.length > 0 ? others : [...available]).slice(0, options.readers);
          return readers.length > 0 && (await readBack(expected, readers));
        }),
      );
      const missing = outcomes.filter((ok) => !ok).length;
      if (options.final) {
        count.finalChecked = chosen.length;
        count.lost = missing;
      } else count.auditMisses += missing;
      return { checked: chosen.length, missing };
    },
    figures() {
      return { stored: houses.size, ...count, saveLatency: saveLatency.encode(), readLatency: readLatency.encode() };
    },
  };
}

/** Shards' figures summed, their latency histograms merged (the controller's merge). */
export function mergeHouseAuditFigures(all: readonly HouseAuditFigures[]): HouseAuditFigures | null {
  if (all.length === 0) return null;
  const save = createLatencyHistogram();
  const read = createLatencyHistogram();
  for (const f of all) {
    save.merge(decodeLatencyHistogram(f.saveLatency));
    read.merge(decodeLatencyHistogram(f.readLatency));
  }
  const sum = (k: Exclude<keyof HouseAuditFigures, 'saveLatency' | 'readLatency'>) => all.reduce((a, f) => a + f[k], 0);
  return {
    stored: sum('stored'),
    lost: sum('lost'),
    finalChecked: sum('finalChecked'),
    savesAcknowledged: sum('savesAcknowledged'),
    savesUnacknowledged: sum('savesUnacknowledged'),
    savesFailed: sum('savesFailed'),
    audits: sum('audits'),
    auditReads: sum('auditReads'),
    auditMisses: sum('auditMisses'),
    staleReads: sum('staleReads'),
    saveLatency: save.encode(),
    readLatency: read.encode(),
  };
}
