import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capacityPeerCounts, expandPeerSet, loadProfile, parseProfile, ProfileError } from '../../src/scenario/profile.js';

function issues(text: string): { path: string; message: string }[] {
  try {
    parseProfile(text, 'test.yaml');
  } catch (e) {
    if (e instanceof ProfileError) return [...e.issues];
    throw e;
  }
  throw new Error('profile was accepted');
}

describe('attack kinds', () => {
  it('says why timestamp is not an attack kind', () => {
    expect(issues('peers: 8\ndurationS: 5\nattacks: [{ kind: timestamp, peers: "1", toS: 3, params: { delayMs: 100 } }]\n')).toEqual([
      { path: 'attacks[0].kind', message: expect.stringMatching(/^timestamp is not an attack kind: .* fixed-delay sends/) },
    ]);
  });
});

describe('profile tags', () => {
  const base = 'peers: 16\ndurationS: 5\n';
  it('accepts named peer sets and expands them', () => {
    const p = parseProfile(`${base}tags: { slow: "7", far: [8, 9] }\n`, 't.yaml');
    expect(p.tags).toEqual({ slow: '7', far: [8, 9] });
    expect(parseProfile(base, 't.yaml').tags).toEqual({});
  });

  it('names the field of a bad tag', () => {
    expect(issues(`${base}tags: { slow: "16" }\n`)).toEqual([{ path: 'tags.slow', message: 'peer index 16 is out of range: the profile has 16 peers (0-15)' }]);
    expect(issues(`${base}tags: { Slow: "1" }\n`)[0]?.message).toMatch(/a tag name is a letter a-z/);
    expect(issues(`${base}tags: { honest: "1" }\n`)[0]?.message).toMatch(/honest and attacker are role tags/);
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, String(i)]));
    expect(issues(`${base}tags: ${JSON.stringify(nine)}\n`)[0]).toMatchObject({ path: 'tags', message: 'at most 8 named tags' });
  });

  it('refuses tags whose combinations would need more histograms than a worker keeps', () => {
    // Four sets, one per bit of the peer index, give the 16 peers 16 distinct masks: 16² = 256 pairs,
    // the most a worker keeps; two more sets split some of them further, past the bound.
    const many = Object.fromEntries(Array.from({ length: 4 }, (_, bit) => [`b${bit}`, Array.from({ length: 16 }, (_, p) => p).filter((p) => (p >> bit) & 1)]));
    expect(issues(`${base}tags: ${JSON.stringify({ ...many, odd: [1, 3, 5, 7, 9, 11, 13, 15], low: [0, 1, 2] })}\n`)).toEqual([
      { path: 'tags', message: expect.stringMatching(/distinct combinations of tags, \d+ sender-receiver pairs, more than the 256 histograms/) },
    ]);
    expect(() => parseProfile(`${base}tags: ${JSON.stringify(many)}\n`, 't.yaml')).not.toThrow();
  });
});

describe('profiles', () => {
  it('every shipped profile parses and starts with a comment saying what it shows', async () => {
    const { readFileSync } = await import('node:fs');
    const files = readdirSync('profiles').filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('default.yaml');
    expect(files).toContain('smoke.yaml');
    for (const f of files) {
      expect(readFileSync(`profiles/${f}`, 'utf8').startsWith('# '), f).toBe(true);
      expect(loadProfile(`profiles/${f}`).peers).toBeGreaterThan(1);
    }
  });

  it('fills documented defaults and takes the name from the file', () => {
    const p = parseProfile('peers: 4\ndurationS: 1\n', 'dir/my-run.yaml');
    expect(p).toMatchObject({
      name: 'my-run',
      seed: 1,
      neo: { groupSize: 8, roundMs: 100, pipelineDepth: 1, stateHashEvery: 10 },
      thresholds: [],
      links: { directed: [], accessLinks: [], partitions: [] },
    });
    expect(p.workers).toBeUndefined();
  });

  it('names the field path and what was expected', () => {
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  default:\n    loss: { kind: bernoulli, p: 1.5 }\n')).toEqual([
      { path: 'links.default.loss.p', message: expect.stringMatching(/<=\s*1/) },
    ]);
    expect(issues('peers: 1\ndurationS: 1\n')[0]?.path).toBe('peers');
    expect(issues('peers: 4\n')[0]?.path).toBe('durationS');
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  default:\n    delay: { kind: uniform, minMs: 9, maxMs: 3 }\n')[0]?.path).toBe('links.default.delay.maxMs');
  });

  it('refuses unknown keys, so a typo never falls back to a default silently', () => {
    expect(issues('peers: 4\ndurationS: 1\nsed: 3\n')[0]?.message).toMatch(/sed/);
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  default:\n    delai: { kind: constant, ms: 1 }\n')[0]?.path).toBe('links.default');
  });

  it('refuses peer indexes beyond the peer count', () => {
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  accessLinks:\n    - peers: "2-5"\n      up: { duplicate: 0.5 }\n')).toEqual([
      { path: 'links.accessLinks[0].peers', message: expect.stringMatching(/index 5 is out of range/) },
    ]);
  });

  it('refuses partition sides that share a peer', () => {
    expect(issues('peers: 8\ndurationS: 1\nlinks:\n  partitions:\n    - { name: p, sides: ["0-3", "3-7"], startS: 0, endS: 1 }\n')).toEqual([
      { path: 'links.partitions[0].sides[1]', message: 'peer 3 is already in links.partitions[0].sides[0]: sides must be disjoint' },
    ]);
  });

  it('checks huge or backwards ranges without expanding them', () => {
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  accessLinks:\n    - { peers: "0-99999999", up: { duplicate: 0.1 } }\n')[0]?.message).toMatch(/index 99999999 is out of range/);
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  accessLinks:\n    - { peers: "3-1", up: { duplicate: 0.1 } }\n')[0]?.message).toMatch(/range 3-1 is empty/);
  });

  it('refuses what the shaper would refuse later: overlapping rules, duplicate partition names, a queue without a rate', () => {
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  accessLinks:\n    - { peers: "0-1", up: { duplicate: 0.1 } }\n    - { peers: "1", down: { duplicate: 0.1 } }\n')[0]).toEqual({
      path: 'links.accessLinks[1].peers',
      message: 'peer 1 is already in links.accessLinks[0].peers: one access-link entry per peer',
    });
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  directed:\n    - { from: "0", to: "1-2", profile: { duplicate: 0.1 } }\n    - { from: [0], to: [2], profile: {} }\n')[0]?.message).toMatch(/link 0 -> 2 is already shaped by links.directed\[0\]/);
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  partitions:\n    - { name: p, sides: ["0", "1"], startS: 0, endS: 1 }\n    - { name: p, sides: ["2", "3"], startS: 0, endS: 1 }\n')[0]?.path).toBe('links.partitions[1].name');
    expect(issues('peers: 4\ndurationS: 1\nlinks:\n  default: { queueLimitBytes: 1000 }\n')[0]?.path).toBe('links.default.queueLimitBytes');
    expect(issues('peers: 4\ndurationS: 1\nneo: { roundMs: 3000000000 }\n')[0]?.path).toBe('neo.roundMs');
  });

  it('refuses YAML that is not a mapping, and broken YAML', () => {
    expect(issues('- 1\n- 2\n')[0]?.message).toMatch(/mapping/);
    expect(issues('peers: [1\n')[0]?.message).toMatch(/not valid YAML/);
  });

  it('applies command-line overrides before validation', () => {
    expect(parseProfile('peers: 4\ndurationS: 1\n', 'x.yaml', { peers: 10, seed: 5 })).toMatchObject({ peers: 10, seed: 5 });
    expect(() => parseProfile('peers: 4\ndurationS: 1\n', 'x.yaml', { peers: 1 })).toThrow(ProfileError);
  });

  it('refuses a peer count that would leave one peer alone in its group', () => {
    expect(issues('peers: 9\ndurationS: 1\n')).toEqual([{ path: 'peers', message: expect.stringMatching(/leave one peer alone/) }]);
    expect(issues('peers: 4\ndurationS: 1\nneo: { groupSize: 41 }\n')[0]?.path).toBe('neo.groupSize');
  });

  it('checks phases, churn and movement across fields', () => {
    expect(issues('peers: 8\ndurationS: 10\nphases: { rampUpS: 8, rampDownS: 5 }\n')).toEqual([{ path: 'phases', message: expect.stringContaining('must not exceed durationS') }]);
    expect(issues('peers: 40\ndurationS: 10\nneo: { groupSize: 20 }\nchurn: { lifetime: { kind: exponential, meanS: 5 } }\n')[0]?.path).toBe('neo.groupSize');
    expect(issues('peers: 8\ndurationS: 10\nchurn: { lifetime: { kind: gamma, meanS: 5 } }\n')[0]?.path).toBe('churn.lifetime.kind');
    expect(issues('peers: 8\ndurationS: 10\nmovement: { model: random-waypoint, minLegS: 5, maxLegS: 1 }\n')[0]?.path).toBe('movement.maxLegS');
    expect(issues('peers: 8\ndurationS: 10\nmovement: { model: scripted, paths: [{ peers: "0-9", points: [[1, 2]], legS: 1 }] }\n')[0]?.path).toBe('movement.paths[0].peers');
    const p = parseProfile('peers: 8\ndurationS: 10\nchurn: { lifetime: { kind: weibull, scaleS: 5, shape: 0.8 } }\n', 'c.yaml');
    expect(p.churn).toEqual({ lifetime: { kind: 'weibull', scaleS: 5, shape: 0.8 }, crashFraction: 0.5, replaceAfterS: 2, minGroupMembers: 3 });
    expect(p.movement).toEqual({ model: 'roam' });
    expect(p.phases).toEqual({ rampUpS: 0, rampDownS: 0 });
  });

  it('checks attacks: known kinds, windows, peers in range, colluders in one group, fixed groups only', () => {
    const base = 'peers: 12\ndurationS: 10\nneo: { groupSize: 6 }\n';
    expect(issues(`${base}attacks: [{ kind: teleport, peers: "1", toS: 5 }]\n`)[0]?.path).toBe('attacks[0].kind');
    expect(issues(`${base}attacks: [{ kind: replay, peers: "1", fromS: 5, toS: 5 }]\n`)[0]?.path).toBe('attacks[0].toS');
    expect(issues(`${base}attacks: [{ kind: replay, peers: "12", toS: 5 }]\n`)[0]?.path).toBe('attacks[0].peers');
    expect(issues(`${base}attacks: [{ kind: false-votes, peers: "5-6", toS: 5 }]\n`)[0]).toEqual({ path: 'attacks[0].peers', message: 'colluders must be in one group' });
    expect(issues(`${base}phases: { rampUpS: 2 }\nattacks: [{ kind: replay, peers: "1", toS: 5 }]\n`)[0]?.path).toBe('attacks[0]');
    expect(issues(`${base}attacks: [{ kind: replay, peers: "1", toS: 5, params: { victm: 0 } }]\n`)[0]?.path).toBe('attacks[0].params');
    expect(parseProfile(`${base}attacks: [{ kind: replay, peers: "1", toS: 5 }]\n`, 'a.yaml').attacks[0]).toEqual({ kind: 'replay', peers: '1', fromS: 0, toS: 5, params: {} });
  });

  it('checks identity attacks: kind, group within the run, time within the run', () => {
    const base = 'peers: 12\ndurationS: 10\nneo: { groupSize: 6 }\n';
    expect(issues(`${base}identityAttacks: [{ kind: stolen-certificate, group: 0, atS: 1 }]\n`)[0]?.path).toBe('identityAttacks[0].kind');
    expect(issues(`${base}identityAttacks: [{ kind: forged-certificate, group: 2, atS: 1 }]\n`)[0]?.path).toBe('identityAttacks[0].group');
    expect(issues(`${base}identityAttacks: [{ kind: forged-certificate, group: 1, atS: 10 }]\n`)[0]?.path).toBe('identityAttacks[0].atS');
  });

  it('takes a capacity search as explicit steps or as a range, exactly one of the two', () => {
    const base = 'peers: 64\ndurationS: 1\n';
    const steps = parseProfile(`${base}capacity: { steps: [64, 128, 256], stepDurationS: 15 }\n`, 'c.yaml');
    expect(steps.capacity).toEqual({ steps: [64, 128, 256], stepDurationS: 15 });
    expect(parseProfile(`${base}capacity: { startPeers: 32, stepPeers: 32, maxPeers: 96, stepDurationS: 5 }\n`, 'c.yaml').capacity).toMatchObject({ startPeers: 32 });
    expect(issues(`${base}capacity: { steps: [64], startPeers: 32, stepDurationS: 5 }\n`)).toEqual([{ path: 'capacity.startPeers', message: expect.stringMatching(/either steps or startPeers\/stepPeers\/maxPeers, not both/) }]);
    expect(issues(`${base}capacity: { stepDurationS: 5 }\n`)).toEqual([{ path: 'capacity', message: expect.stringMatching(/expected steps .* or startPeers, stepPeers and maxPeers/) }]);
    expect(issues(`${base}capacity: { startPeers: 32, stepDurationS: 5 }\n`).map((i) => i.path)).toEqual(['capacity.stepPeers', 'capacity.maxPeers']);
    expect(issues(`${base}capacity: { startPeers: 64, stepPeers: 8, maxPeers: 32, stepDurationS: 5 }\n`)).toEqual([{ path: 'capacity.maxPeers', message: 'maxPeers must be >= startPeers' }]);
  });

  it('wants capacity steps strictly increasing, each at least 2 and at most 4096', () => {
    const base = 'peers: 64\ndurationS: 1\n';
    expect(issues(`${base}capacity: { steps: [64, 128, 128, 96], stepDurationS: 5 }\n`)).toEqual([
      { path: 'capacity.steps[2]', message: 'steps must be strictly increasing: 128 after 128' },
      { path: 'capacity.steps[3]', message: 'steps must be strictly increasing: 96 after 128' },
    ]);
    expect(issues(`${base}capacity: { steps: [1, 8], stepDurationS: 5 }\n`)[0]?.path).toBe('capacity.steps[0]');
    expect(issues(`${base}capacity: { steps: [64, 8192], stepDurationS: 5 }\n`)[0]?.path).toBe('capacity.steps[1]');
    expect(issues(`${base}capacity: { steps: [], stepDurationS: 5 }\n`)[0]?.path).toBe('capacity.steps');
    expect(issues(`${base}capacity: { startPeers: 32, stepPeers: 32, maxPeers: 5000, stepDurationS: 5 }\n`)[0]?.path).toBe('capacity.maxPeers');
  });

  it('expands a capacity search into peer counts, never one peer alone in a group', () => {
    expect(capacityPeerCounts({ steps: [64, 128, 256, 512, 768, 1024, 1536], stepDurationS: 15 }, 8)).toEqual([64, 128, 256, 512, 768, 1024, 1536]);
    expect(capacityPeerCounts({ startPeers: 32, stepPeers: 32, maxPeers: 128, stepDurationS: 15 }, 8)).toEqual([32, 64, 96, 128]);
    // 9 in groups of 8 leaves one alone: raised to 10; a raise that lands on the next step counts once.
    expect(capacityPeerCounts({ steps: [9, 10, 16], stepDurationS: 1 }, 8)).toEqual([10, 16]);
    // Never past the cap once raised: 25 would become 26 > maxPeers.
    expect(capacityPeerCounts({ startPeers: 9, stepPeers: 8, maxPeers: 25, stepDurationS: 1 }, 8)).toEqual([10, 18]);
    expect(capacityPeerCounts({ steps: [4096], stepDurationS: 1 }, 5)).toEqual([]);
    expect(capacityPeerCounts({ startPeers: 8, stepPeers: 8, maxPeers: 16, stepDurationS: 1 }, 8)).toEqual([8, 16]);
  });

  it('ships a capacity profile that steps 64 … 1536 peers in 15-second runs', () => {
    const p = loadProfile('profiles/capacity.yaml');
    expect(p.capacity).toEqual({ steps: [64, 128, 256, 512, 768, 1024, 1536], stepDurationS: 15 });
    expect(capacityPeerCounts(p.capacity!, p.neo.groupSize)).toEqual([64, 128, 256, 512, 768, 1024, 1536]);
  });

  it('expands peer sets', () => {
    expect(expandPeerSet('0-2, 7,1')).toEqual([0, 1, 2, 7]);
    expect(expandPeerSet([3, 1, 3])).toEqual([1, 3]);
  });
});
