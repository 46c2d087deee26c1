import type { Signer } from '../crypto/index.js';
import type { DhtNode } from '../dht/index.js';
import { chebyshev } from '../game/index.js';
import { createLatencyHistogram, decodeLatencyHistogram, mergeCounterSnapshots } from '../metrics/index.js';
import type { RunReport } from '../report/model.js';
import { areaAt, areaKey, coversArea, createAreaStore, generateArea, type AreaId, type AreaState, type AreaStore, type AreaTemplate, type Rect } from '../storage/index.js';
import type { ShardComponentDeps } from './shard-component.js';

/** The profile's `storage.ephemeral` (src/scenario/profile.ts). */
export interface EphemeralSpec {
  readonly areaTiles: number;
  readonly items: number;
  readonly monsters: number;
  readonly resetEveryS: number;
  readonly replicas: number;
  readonly finalAuditBeforeEndS: number;
}

/** What the areas count: report.json `storage.ephemeral`, documented there. */
export type EphemeralCounts = NonNullable<NonNullable<RunReport['storage']>['ephemeral']>;

/** The counts and the latencies of area writes and fetches, ms, as encoded HdrHistograms. */
export interface EphemeralFigures extends EphemeralCounts {
  readonly writeLatency: string;
  readonly fetchLatency: string;
}

/** Where a player stands, as areas need it: its zone (name and rectangle) and its agreed position. */
export interface Place {
  readonly zone: string;
  readonly zoneRect: Rect;
  readonly x: number;
  readonly y: number;
}

/** A shard's player as areas need it. */
export interface AreaVisitor {
  readonly id: number;
  readonly signer: Signer;
  readonly dht: Pick<DhtNode, 'put' | 'get'>;
  alive(): boolean;
  /** Its agreed position (its group's game state), or null while it has none. */
  place(): Place | null;
}

export interface ShardAreasDeps extends ShardComponentDeps {
  /** The world's seed: every reader regenerates areas from it. */
  readonly templateSeed: string;
  /** A reset (areas known, areas written back), for events.ndjson. */
  readonly onReset: (reset: { readonly epoch: number; readonly areas: number; readonly rewritten: number }) => void;
  /** An audit of an epoch's acknowledged areas (before its reset, or the final one), for events.ndjson. */
  readonly onAudit: (audit: { readonly epoch: number; readonly checked: number; readonly lost: number; readonly final: boolean }) => void;
}

export interface ShardAreas {
  /** A player finished its join flow: from now on it fetches the areas it enters and writes back what it takes there. */
  joined(visitor: AreaVisitor): void;
  /** The run started: epoch 0 begins, resets every resetEveryS, the final audit finalAuditBeforeEndS before the end. */
  start(startAtMs: number, durationS: number): void;
  /** Resolves once the final audit ended (at once when it has not started). */
  finalAudit(): Promise<void>;
  figures(): EphemeralFigures;
}

/** How often players look where they stand, ms. */
const LOOK_EVERY_MS = 500;
/** A player standing this close (Chebyshev, tiles) to an item takes it, to a monster slays it. */
const TAKE_RANGE = 1;
const SLAY_RANGE = 2;
/** Before a reset, the epoch's areas are read back this long ahead of it, ms. */
const AUDIT_LEAD_MS = 1000;
/** Live players a reset tries, in turn, to write an area back through. */
const REWRITE_ATTEMPTS = 3;
/** Players asked to read an area back before it counts as lost. */
const AUDIT_READERS = 3;

interface VisitorState {
  readonly visitor: AreaVisitor;
  readonly store: AreaStore;
  /** The area it stands in, as it knows it (its epoch included); null before its first look. */
  local: AreaState | null;
  busy: boolean;
}

interface AreaEntry {
  readonly area: AreaId;
  readonly zoneRect: Rect;
  /** The union of the latest epoch's acknowledged writes (null: none yet). */
  acked: AreaState | null;
  /** Epochs with an acknowledged write: a loss in epoch e is restored once e + 1 is among them. */
  readonly ackedEpochs: Set<number>;
  /** Epochs whose acknowledged changes an audit could not read back. */
  readonly lostEpochs: Set<number>;
  /** Epochs a reset's (or a late audit's) rewrite of this area ended in while the run was still writing. */
  readonly rewrittenEpochs: Set<number>;
}

/**
 * The shard's side of ephemeral zone data (docs/storage.md, "Ephemeral zone data"): its players fetch
 * the areas they walk into, take the items and slay the monsters their agreed positions reach and
 * write the change back; every resetEveryS the zones reset and live players write the areas in use
 * back as the template regenerates them. The shard holds the ground truth: every acknowledged write,
 * read back just before each reset and at the end; what no reader finds is lost, and the area's next
 * acknowledged regeneration restores it. Audits and resets run side by side: a loss found after its
 * reset went by is written back at once.
 */
export function createShardAreas(spec: EphemeralSpec, deps: ShardAreasDeps): ShardAreas {
  const template: AreaTemplate = { seed: deps.templateSeed, areaTiles: spec.areaTiles, items: spec.items, monsters: spec.monsters };
  const resetMs = spec.resetEveryS * 1000;
  const visitors = new Map<number, VisitorState>();
  const areas = new Map<string, AreaEntry>();
  const writeLatency = createLatencyHistogram();
  const fetchLatency = createLatencyHistogram();
  const count = { resets: 0, fetches: 0, fetchMisses: 0, fetchesFailed: 0, changes: 0, writesUnacknowledged: 0, writesFailed: 0, auditReads: 0 };
  let startAtMs: number | null = null;
  let writing = true;
  let final: Promise<void> | null = null;

  const epochNow = () => (startAtMs === null ? 0 : Math.max(0, Math.floor((deps.clock.nowMs() - startAtMs) / resetMs)));
  /** A record outlives its epoch by one more, then expires: the next reset has replaced it by then. */
  const expiresAtMs = (epoch: number) => deps.wallClock.nowMs() + ((startAtMs ?? 0) + (epoch + 2) * resetMs - deps.clock.nowMs());
  const live = () => [...visitors.values()].filter((v) => v.visitor.alive());

  const entryFor = (area: AreaId, zoneRect: Rect): AreaEntry => {
    const key = areaKey(area);
    let entry = areas.get(key);
    if (!entry) areas.set(key, (entry = { area, zoneRect, acked: null, ackedEpochs: new Set(), lostEpochs: new Set(), rewrittenEpochs: new Set() }));
    return entry;
  };

  const acknowledge = (entry: AreaEntry, state: AreaState) => {
    if (entry.acked?.epoch === state.epoch) entry.acked = { ...entry.acked, taken: entry.acked.taken | state.taken, slain: entry.acked.slain | state.slain };
    else {
      entry.acked = state;
      entry.ackedEpochs.add(state.epoch);
    }
  };

  const write = async (v: VisitorState, entry: AreaEntry, state: AreaState, insist = false): Promise<AreaState> => {
    const generated = generateArea(template, entry.zoneRect, entry.area, state.epoch);
    const result = await v.store.write(state, generated, expiresAtMs(state.epoch), { insist }).catch(() => null);
    if (!result) {
      // The writer's DHT closed under the write (it crashed or left): churn, counted.
      count.writesFailed++;
      return state;
    }
    writeLatency.recordMs(result.latencyMs);
    if (!result.acknowledged) count.writesUnacknowledged++;
    else if (writing && epochNow() === state.epoch) acknowledge(entry, result.state);
    return result.state;
  };

  /** A player walked into an area (or a reset renewed it): what the DHT holds, or the regeneration written by this first visitor. */
  const enter = async (v: VisitorState, entry: AreaEntry, epoch: number): Promise<AreaState> => {
    const generated = generateArea(template, entry.zoneRect, entry.area, epoch);
    count.fetches++;
    // Acknowledged before the fetch began: a write that lands while it runs is no miss.
    const ackedBefore = entry.acked?.epoch === epoch;
    const fetched = await v.store.fetch(generated).catch(() => null);
    if (!fetched) {
      count.fetchesFailed++;
      return generated;
    }
    fetchLatency.recordMs(fetched.latencyMs);
    if (fetched.state) return fetched.state;
    if (ackedBefore) count.fetchMisses++;
    return writing ? write(v, entry, generated) : generated;
  };

  /** What the player's agreed position reaches in its area: taken and slain bits, or null when nothing new. */
  const reach = (state: AreaState, at: Place): AreaState | null => {
    let taken = state.taken;
    let slain = state.slain;
    state.items.forEach((s, i) => chebyshev(s.x, s.y, at.x, at.y) <= TAKE_RANGE && (taken |= 1 << i));
    state.monsters.forEach((s, i) => chebyshev(s.x, s.y, at.x, at.y) <= SLAY_RANGE && (slain |= 1 << i));
    if (taken === state.taken && slain === state.slain) return null;
    return { ...state, taken: taken >>> 0, slain: slain >>> 0 };
  };

  const look = async (v: VisitorState) => {
    const at = v.visitor.place();
    if (!at) return;
    const entry = entryFor(areaAt(template, at.zone, at.zoneRect, at.x, at.y), at.zoneRect);
    const epoch = epochNow();
    if (!v.local || areaKey(v.local.area) !== areaKey(entry.area) || v.local.epoch !== epoch) v.local = await enter(v, entry, epoch);
    const changed = writing && v.local.epoch === epochNow() ? reach(v.local, at) : null;
    if (!changed) return;
    count.changes++;
    v.local = await write(v, entry, changed);
  };

  const lookAll = () => {
    for (const v of visitors.values()) {
      if (v.busy || !v.visitor.alive()) continue;
      v.busy = true;
      look(v).then(
        () => (v.busy = false),
        (e: unknown) => {
          v.busy = false;
          if (v.visitor.alive()) deps.onError(e);
        },
      );
    }
    if (writing) deps.scheduler.schedule(deps.clock.nowMs() + LOOK_EVERY_MS, lookAll);
  };

  /** Whether one of the readers finds the area's acknowledged changes of `epoch`. */
  const readBack = async (entry: AreaEntry, expected: AreaState, readers: readonly VisitorState[]): Promise<boolean> => {
    const generated = generateArea(template, entry.zoneRect, entry.area, expected.epoch);
    for (const reader of readers) {
      count.auditReads++;
      const fetched = await reader.store.fetch(generated).catch(() => null);
      if (!fetched) continue;
      fetchLatency.recordMs(fetched.latencyMs);
      if (fetched.state && coversArea(fetched.state, expected)) return true;
    }
    return false;
  };

  /**
   * Reads back every area acknowledged in `epoch`. A loss is the area's in that epoch; one found
   * after the next epoch began (a slow audit) is written back at once, as its reset would have.
   */
  const audit = async (epoch: number, isFinal: boolean): Promise<{ checked: number; lost: number }> => {
    const readers = live();
    const acknowledged = [...areas.values()].filter((entry) => entry.acked?.epoch === epoch);
    let lost = 0;
    await inBatches(acknowledged, async (entry) => {
      const expected = entry.acked as AreaState;
      const order = deps.rng.fork(`audit:${epoch}:${areaKey(entry.area)}`).shuffle([...readers]).slice(0, AUDIT_READERS);
      if (await readBack(entry, expected, order)) return;
      lost++;
      entry.lostEpochs.add(epoch);
      if (!isFinal && writing && epochNow() > epoch) await rewrite(entry, epochNow(), live(), epoch);
    });
    return { checked: acknowledged.length, lost };
  };

  /**
   * Writes the area as epoch `epoch` regenerates it, through up to REWRITE_ATTEMPTS players in turn
   * until one write is acknowledged; players that crashed since the list was taken are passed over
   * rather than spending an attempt (under heavy churn they did, and lost areas stayed lost). A
   * rewrite that ended while the run was still writing is remembered: a loss it did not restore is
   * unrestored, one no rewrite reached in time is a loss at the end.
   */
  const rewrite = async (entry: AreaEntry, epoch: number, writers: readonly VisitorState[], first: number): Promise<boolean> => {
    let attempts = 0;
    for (let i = 0; i < writers.length && attempts < REWRITE_ATTEMPTS && !entry.ackedEpochs.has(epoch); i++) {
      const writer = writers[(first + i) % writers.length] as VisitorState;
      if (!writer.visitor.alive()) continue;
      attempts++;
      await write(writer, entry, generateArea(template, entry.zoneRect, entry.area, epoch), true);
    }
    if (writing) entry.rewrittenEpochs.add(epoch);
    return entry.ackedEpochs.has(epoch);
  };

  /**
   * Epoch `epoch` begins: the areas players were in during the last one (those an audit may find
   * lost among them) are written back as the template regenerates them, by live players. Others
   * need nothing: a record of an older epoch tells a reader nothing, so the first visitor writes the
   * regeneration itself.
   */
  const reset = async (epoch: number) => {
    count.resets++;
    const writers = live();
    const due = [...areas.values()].filter((entry) => entry.ackedEpochs.has(epoch - 1));
    let rewritten = 0;
    await inBatches(due, async (entry, i) => {
      if (await rewrite(entry, epoch, writers, i + epoch)) rewritten++;
    });
    deps.onReset({ epoch, areas: areas.size, rewritten });
  };

  /** Losses by what followed them: restored (the next epoch's write acknowledged), unrestored (a rewrite for the next epoch ended in the run without it), or at the end (none did). */
  const losses = () => {
    const tally = { lost: 0, restoredByReset: 0, lostAtEnd: 0, unrestored: 0 };
    for (const entry of areas.values()) {
      for (const epoch of entry.lostEpochs) {
        tally.lost++;
        if (entry.ackedEpochs.has(epoch + 1)) tally.restoredByReset++;
        else if (entry.rewrittenEpochs.has(epoch + 1)) tally.unrestored++;
        else tally.lostAtEnd++;
      }
    }
    return tally;
  };

  const runAudit = (epoch: number, isFinal: boolean) =>
    audit(epoch, isFinal).then(
      (outcome) => deps.onAudit({ epoch, ...outcome, final: isFinal }),
      (e: unknown) => deps.onError(e),
    );

  return {
    joined(visitor) {
      const store = createAreaStore({ replicas: spec.replicas }, { dht: visitor.dht, signer: visitor.signer, clock: deps.clock });
      visitors.set(visitor.id, { visitor, store, local: null, busy: false });
    },
    start(startAt, durationS) {
      startAtMs = startAt;
      deps.scheduler.schedule(startAt, lookAll);
      const finalAtMs = startAt + (durationS - spec.finalAuditBeforeEndS) * 1000;
      for (let epoch = 1; startAt + epoch * resetMs < finalAtMs; epoch++) {
        const at = startAt + epoch * resetMs;
        deps.scheduler.schedule(at - AUDIT_LEAD_MS, () => void runAudit(epoch - 1, false));
        deps.scheduler.schedule(at, () => void reset(epoch).catch(deps.onError));
      }
      deps.scheduler.schedule(finalAtMs, () => {
        writing = false;
        final = runAudit(epochNow(), true);
      });
    },
    finalAudit() {
      return final ?? Promise.resolve();
    },
    figures() {
      return {
        ...count,
        ...losses(),
        areas: areas.size,
        stored: [...areas.values()].reduce((n, entry) => n + entry.ackedEpochs.size, 0),
        writeLatency: writeLatency.encode(),
        fetchLatency: fetchLatency.encode(),
      };
    },
  };
}

/** Areas a reset or an audit works on at once: all of a shard's at once made the threads late. */
const AREAS_AT_ONCE = 24;

async function inBatches<T>(items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += AREAS_AT_ONCE) await Promise.all(items.slice(i, i + AREAS_AT_ONCE).map((item, j) => work(item, i + j)));
}

/** The shards' area figures summed and their histograms merged; null when none had areas. */
export function mergeEphemeralFigures(all: readonly EphemeralFigures[]): EphemeralFigures | null {
  if (all.length === 0) return null;
  const writes = createLatencyHistogram();
  const fetches = createLatencyHistogram();
  for (const f of all) {
    writes.merge(decodeLatencyHistogram(f.writeLatency));
    fetches.merge(decodeLatencyHistogram(f.fetchLatency));
  }
  const counts = mergeCounterSnapshots(all.map(({ writeLatency: _w, fetchLatency: _f, ...c }) => c));
  return { ...counts, writeLatency: writes.encode(), fetchLatency: fetches.encode() };
}
