import { equalBytes, toHex } from '../crypto/index.js';
import { leadersOf } from '../groups/index.js';
import { createLatencyHistogram } from '../metrics/index.js';
import { zoneAndNested, type WorldDefinition, type ZoneDirectory, type ZoneEvent, type ZoneEventKind, type ZonePlayer } from '../zones/index.js';

/** A zone-wide event of the profile (`world.events`): raised at `atS` in a group of `zone`. */
export interface ZoneEventSpec {
  readonly atS: number;
  readonly zone: string;
  readonly kind: ZoneEventKind;
  /** Crash the leader of the group the event is raised in, at the moment it is raised (its standby must carry the event on). */
  readonly crashLeader: boolean;
}

/** A shard's zone events so far (cumulative; the controller sums shards and merges the histograms). */
export interface ZoneEventFigures {
  /** Events raised (a scheduled event finding no group in its zone is `unraised`). */
  readonly raised: number;
  readonly unraised: number;
  /** Groups of the events' zones when they were raised, less those that ended without playing them (`ended`). */
  readonly expected: number;
  /** Of those, the groups that played them. */
  readonly delivered: number;
  /** A group seen playing an event at two different rounds (its replicas did not agree): never expected. */
  readonly duplicated: number;
  /** Groups that ended (split, merged, emptied) before they played the event. */
  readonly ended: number;
  /** Raise to play, per group (ms), encoded HdrHistogram. */
  readonly latency: string;
}

/** A member of the shard as the tracker needs it: its id and its zone player. */
export interface TrackedPlayer {
  readonly id: number;
  readonly zone: ZonePlayer;
}

export interface ZoneEventTracker {
  /**
   * Raises `spec` in the busiest group of its zone (ties: lowest session id), by a member that is
   * neither its leader nor its standby where there is one: the player that raised it and the
   * leader to crash (when the spec says so), or null when the zone holds no group now.
   */
  raise(spec: ZoneEventSpec, players: readonly TrackedPlayer[], nowMs: number): { readonly raiser: number; readonly leader: number | null; readonly groups: number } | null;
  /** A zone player's report that its group played an event. */
  played(event: Extract<ZoneEvent, { type: 'zone-event' }>, nowMs: number): void;
  figures(): ZoneEventFigures;
}

interface Raised {
  readonly atMs: number;
  /** Sessions of the zone's groups when it was raised, by hex. */
  readonly expected: ReadonlyMap<string, Uint8Array>;
  /** Session (hex) → the round it played the event. */
  readonly played: Map<string, number>;
}

/**
 * What the harness measures about zone-wide events (docs/zones.md, "Zone-wide events"): the shard
 * hosts a region whole, so it sees every group of the zone, holds the ground truth of which groups
 * existed when the event was raised, and times each group's play on the shared clock.
 */
export function createZoneEventTracker(world: WorldDefinition, directory: ZoneDirectory): ZoneEventTracker {
  const events = new Map<string, Raised>();
  const latency = createLatencyHistogram();
  let unraised = 0;
  let duplicated = 0;
  return {
    raise(spec, players, nowMs) {
      const groups = directory.groupsIn(zoneAndNested(world, spec.zone), null);
      // Busiest by its agreed view, as its members hold it (the directory's contacts may lag behind joins and leaves).
      const members = (g: { readonly sessionId: Uint8Array }) => players.filter((p) => p.zone.state === 'member' && p.zone.view && equalBytes(p.zone.view.sessionId, g.sessionId));
      const size = new Map(groups.map((g) => [g, members(g)[0]?.zone.view?.members.length ?? 0]));
      const origin = [...groups].sort((a, b) => (size.get(b) ?? 0) - (size.get(a) ?? 0) || (toHex(a.sessionId) < toHex(b.sessionId) ? -1 : 1))[0];
      const inOrigin = origin ? members(origin) : [];
      const view = inOrigin[0]?.zone.view;
      if (!origin || !view) {
        unraised++;
        return null;
      }
      const { leader, standby } = leadersOf(view);
      const isLeader = (p: TrackedPlayer) => equalBytes(p.zone.publicKey, leader.publicKey);
      const raiser = inOrigin.find((p) => !isLeader(p) && !(standby && equalBytes(p.zone.publicKey, standby.publicKey))) ?? inOrigin.find((p) => !isLeader(p)) ?? inOrigin[0];
      const id = raiser?.zone.raise(spec.zone, spec.kind);
      if (!raiser || !id) {
        unraised++;
        return null;
      }
      events.set(id, { atMs: nowMs, expected: new Map(groups.map((g) => [toHex(g.sessionId), g.sessionId])), played: new Map() });
      // The leader may be on its way out of the group (handing over): it still leads until the view changes.
      const leaderPlayer = spec.crashLeader ? players.find((p) => isLeader(p) && p !== raiser && (p.zone.state === 'member' || p.zone.state === 'leaving')) : undefined;
      return { raiser: raiser.id, leader: leaderPlayer?.id ?? null, groups: groups.length };
    },
    played(event, nowMs) {
      const raised = events.get(event.id);
      if (!raised) return;
      const session = toHex(event.sessionId);
      const round = raised.played.get(session);
      if (round !== undefined) {
        // Every replica of a group reports its play; one group playing it at two rounds is a fork.
        if (round !== event.round) duplicated++;
        return;
      }
      raised.played.set(session, event.round);
      if (raised.expected.has(session)) latency.recordMs(Math.max(0, nowMs - raised.atMs));
    },
    figures() {
      let expected = 0;
      let delivered = 0;
      let ended = 0;
      for (const raised of events.values()) {
        for (const [session, sessionId] of raised.expected) {
          if (raised.played.has(session)) delivered++;
          else if (directory.contacts(sessionId).length === 0) ended++;
          expected++;
        }
      }
      return { raised: events.size, unraised, expected: expected - ended, delivered, duplicated, ended, latency: latency.encode() };
    },
  };
}
