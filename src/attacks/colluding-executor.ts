import type { MonsterStepInputs, StepResult } from '../compute/index.js';

/**
 * Colluding executors (SPEC §8, computation; docs/compute.md): executors who agree beforehand to
 * return the same wrong result, so that a group whose r drawn executors are all among them sees
 * agreement and takes it. The honest executor takes its step injected (ComputeServiceDeps.step) and
 * has no attack branch; a colluder is an executor given this step instead.
 */

/**
 * Every colluder computes the same wrong result from the same inputs: the monsters all die and drop
 * their treasure to `beneficiary` (a seat of the area, the colluders' friend). Deterministic, so the
 * colluders' digests agree without talking to each other.
 */
export function colludingStep(beneficiary: number): (honest: (inputs: MonsterStepInputs) => StepResult) => (inputs: MonsterStepInputs) => StepResult {
  if (!Number.isSafeInteger(beneficiary) || beneficiary < 0 || beneficiary > 255) throw new RangeError(`colludingStep: beneficiary must be a seat (0..255), got ${beneficiary}`);
  return () => (inputs) => ({ monsters: [], events: [...inputs.monsters].sort((a, b) => a.id - b.id).map((m) => ({ kind: 'drop' as const, monster: m.id, seat: beneficiary, amount: m.treasure })) });
}
