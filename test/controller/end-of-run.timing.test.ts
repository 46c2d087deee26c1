import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/controller/index.js';
import { parseProfile } from '../../src/scenario/profile.js';

// Two founders, four players that join during the ramp-up, nobody leaves: every replica plays the
// run's last round, whose keys and votes travel in messages sent after it, over 20 ms links.
const PROFILE = `
peers: 6
durationS: 6
workers: 1
seed: 5
neo: { groupSize: 6, roundMs: 100 }
phases: { rampUpS: 2 }
links: { default: { delay: { kind: constant, ms: 20 } } }
`;

describe('the end of a run', () => {
  it('leaves no replica split: players that joined stay up after the last round until everyone has decided it', async () => {
    const { report, handlerErrors } = await runScenario(parseProfile(PROFILE, 'end-of-run-test.yaml'));
    expect(handlerErrors).toEqual([]);
    expect(report.groups?.joins).toBeGreaterThanOrEqual(4);
    expect(report.neo?.forcedRounds).toBe(0);
    expect(report.neo?.divergentAtEnd).toBe(0);
  }, 60_000);
});
