import type { MovementModel } from './movement.js';
import { DEFAULT_LEG_S, expandPeerSet, type Profile } from './profile.js';
import { buildSchedule, type RunSchedule } from './schedule.js';

/** The profile's schedule over the controller's group plan (members by peer index). */
export function scheduleForProfile(profile: Profile, groups: readonly (readonly number[])[]): RunSchedule {
  const churn = profile.churn;
  return buildSchedule({
    seed: profile.seed,
    durationS: profile.durationS,
    groups,
    rampUpS: profile.phases.rampUpS,
    rampDownS: profile.phases.rampDownS,
    churn: churn ? { lifetime: churn.lifetime, crashFraction: churn.crashFraction, replaceAfterS: churn.replaceAfterS } : null,
    minGroupMembers: churn?.minGroupMembers ?? 3,
  });
}

/** True when groups change membership during the run (ramp-up, ramp-down or churn). */
export function membershipChanges(profile: Profile): boolean {
  return profile.phases.rampUpS > 0 || profile.phases.rampDownS > 0 || profile.churn !== undefined;
}

/** The profile's movement model with its seconds turned into rounds of the initial round length. */
export function movementForProfile(profile: Profile): MovementModel {
  const rounds = (s: number) => Math.max(1, Math.round((s * 1000) / profile.neo.roundMs));
  const m = profile.movement;
  switch (m.model) {
    case 'roam':
      return m;
    case 'random-waypoint':
    case 'group-travel':
      return { model: m.model, minLegRounds: rounds(m.minLegS), maxLegRounds: rounds(m.maxLegS) };
    case 'hotspot': {
      const roundAt = (s: number) => Math.round((s * 1000) / profile.neo.roundMs);
      const converge = { model: 'hotspot', x: m.x, y: m.y, radius: m.radius, startRound: roundAt(m.startS) } as const;
      if (m.endS === undefined) return converge;
      // Dispersal walks as random-waypoint does with its default legs (2-6 s).
      const legs = { minLegRounds: rounds(DEFAULT_LEG_S.min), maxLegRounds: rounds(DEFAULT_LEG_S.max) };
      return { ...converge, endRound: roundAt(m.endS), ...legs };
    }
    case 'scripted':
      return { model: 'scripted', paths: m.paths.map((p) => ({ players: expandPeerSet(p.peers), points: p.points, legRounds: rounds(p.legS) })) };
  }
}
