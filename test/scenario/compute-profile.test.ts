import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/scenario/profile.js';
import { issues } from '../support/profile-issues.js';

const base = 'peers: 12\ndurationS: 20\nneo: { groupSize: 6 }\n';
const withCompute = `${base}compute: { tolerance: 0.1, assumedColluders: 2 }\n`;
const attack = (entry: string) => `${withCompute}computeAttacks: [${entry}]\n`;

describe('replicated computation in a profile', () => {
  it('fills the documented defaults', () => {
    const p = parseProfile(`${base}compute: {}\ncomputeAttacks: [{ kind: colluding-executors, colluders: "8-9", toS: 10 }, { kind: isolated-executor, player: 3, fromS: 2, toS: 12 }]\n`, 'c.yaml');
    expect(p.compute).toEqual({ everyS: 1, monsters: 8, tolerance: 0.01, assumedColluders: 0 });
    expect(p.computeAttacks).toEqual([
      { kind: 'colluding-executors', colluders: '8-9', fromS: 0, toS: 10, strategy: 'always' },
      { kind: 'isolated-executor', player: 3, fromS: 2, toS: 12 },
    ]);
    expect(parseProfile(base, 'c.yaml').compute).toBeUndefined();
    expect(parseProfile(base, 'c.yaml').computeAttacks).toEqual([]);
  });

  it('names the field of a bad value in compute', () => {
    expect(issues(`${base}compute: { everyS: 0.1 }\n`)[0]?.path).toBe('compute.everyS');
    expect(issues(`${base}compute: { monsters: 33 }\n`)[0]?.path).toBe('compute.monsters');
    expect(issues(`${base}compute: { tolerance: 0 }\n`)[0]?.path).toBe('compute.tolerance');
    expect(issues(`${base}compute: { assumedColluders: 12 }\n`)).toEqual([{ path: 'compute.assumedColluders', message: 'must be below the peers (12): with every candidate a colluder no number of executors helps' }]);
  });

  it('names the field of a bad computation attack', () => {
    expect(issues(attack('{ kind: lazy-executor, toS: 5 }'))[0]?.path).toBe('computeAttacks[0].kind');
    expect(issues(attack('{ kind: colluding-executors, colluders: "10-12", toS: 5 }'))).toEqual([{ path: 'computeAttacks[0].colluders', message: 'peer indexes must be within 0-11, lower first' }]);
    expect(issues(attack('{ kind: isolated-executor, player: 12, toS: 5 }'))).toEqual([{ path: 'computeAttacks[0].player', message: 'peer indexes must be within 0-11' }]);
    expect(issues(attack('{ kind: isolated-executor, player: 1, fromS: 5, toS: 5 }'))[0]?.path).toBe('computeAttacks[0].toS');
    expect(issues(attack('{ kind: isolated-executor, player: 1, fromS: 20, toS: 25 }'))[0]?.path).toBe('computeAttacks[0].fromS');
    expect(issues(attack('{ kind: colluding-executors, colluders: "1-3", toS: 5, strategy: sometimes }'))[0]?.path).toBe('computeAttacks[0].strategy');
    expect(issues(attack('{ kind: colluding-executors, colluders: "1-3", toS: 5 }, { kind: isolated-executor, player: 2, toS: 5 }'))[0]).toEqual({ path: 'computeAttacks[1]', message: 'peer 2 already attacks computation in another entry: one computation attack per player' });
    expect(issues(`${base}computeAttacks: [{ kind: isolated-executor, player: 1, toS: 5 }]\n`)[0]).toEqual({ path: 'computeAttacks[0]', message: 'needs compute: only players that run game processes can collude as executors or run their monsters themselves' });
  });
});
