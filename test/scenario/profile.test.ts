import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSteer } from '../../src/scenario/movement.js';
import { capacityPeerCounts, expandPeerSet, loadProfile, parseProfile, ProfileError } from '../../src/scenario/profile.js';
import { movementForProfile } from '../../src/scenario/stages.js';
import type { WorldDefinition } from '../../src/zones/index.js';
import { issues } from '../support/profile-issues.js';


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

describe('profile world', () => {
  const base = 'peers: 16\ndurationS: 10\n';
  const field = '{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3 }';
  const world = (zones: string, extra = '') => `${base}${extra}world:\n  width: 256\n  height: 256\n  zones: [${zones}]\n`;

  it('parses a world with nested zones into a WorldDefinition, defaults filled', () => {
    const text = `${base}world:
  width: 256
  height: 200
  aoiRadius: 4
  zones:
    - id: field
      rect: [0, 0, 256, 200]
      maxGroup: 6
      minGroup: 3
      zones:
        - { id: building, rect: [64, 64, 32, 32], maxGroup: 4, minGroup: 2, maxDepth: 2, zones: [{ id: ground-floor, rect: [64, 64, 16, 32], maxGroup: 4, minGroup: 1 }] }
`;
    const w: WorldDefinition | undefined = parseProfile(text, 'w.yaml').world;
    expect(w).toEqual({
      width: 256,
      height: 200,
      aoiRadius: 4,
      zones: [
        {
          id: 'field',
          rect: { x: 0, y: 0, width: 256, height: 200 },
          maxGroup: 6,
          minGroup: 3,
          maxDepth: 3,
          zones: [
            {
              id: 'building',
              rect: { x: 64, y: 64, width: 32, height: 32 },
              maxGroup: 4,
              minGroup: 2,
              maxDepth: 2,
              zones: [{ id: 'ground-floor', rect: { x: 64, y: 64, width: 16, height: 32 }, maxGroup: 4, minGroup: 1, maxDepth: 3, zones: [] }],
            },
          ],
        },
      ],
      events: [],
    });
    expect(parseProfile(world(field), 'w.yaml').world?.aoiRadius).toBe(8);
    expect(parseProfile(base, 'w.yaml').world).toBeUndefined();
  });

  it('checks the shape: size 8-65535, integers, rect of four, at least one zone, no unknown keys', () => {
    expect(issues(`${base}world: { width: 7, height: 256, zones: [${field}] }\n`)[0]?.path).toBe('world.width');
    expect(issues(`${base}world: { width: 256, height: 65536, zones: [${field}] }\n`)[0]?.path).toBe('world.height');
    expect(issues(`${base}world: { width: 256, height: 256, zones: [] }\n`)[0]?.path).toBe('world.zones');
    expect(issues(world('{ id: field, rect: [0, 0, 256], maxGroup: 6, minGroup: 3 }'))[0]?.path).toBe('world.zones[0].rect');
    expect(issues(world('{ id: field, rect: [0, 0, 256, 25.5], maxGroup: 6, minGroup: 3 }'))[0]?.path).toBe('world.zones[0].rect[3]');
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3, zones: [{ id: b, rect: [0, 0, 8, 8], maxGroup: 6 }] }'))[0]?.path).toBe('world.zones[0].zones[0].minGroup');
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3, maxdepth: 2 }'))[0]?.path).toBe('world.zones[0]');
  });

  it('applies the world rules of src/zones with their field paths', () => {
    expect(issues(world('{ id: Field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3 }'))).toEqual([{ path: 'world.zones[0].id', message: expect.stringMatching(/a zone id is/) }]);
    expect(issues(world(`${field}, { id: field, rect: [0, 0, 8, 8], maxGroup: 6, minGroup: 3 }`)).map((i) => i.path)).toEqual(['world.zones[1].id', 'world.zones[1].rect']);
    expect(issues(world('{ id: field, rect: [0, 0, 300, 256], maxGroup: 6, minGroup: 3 }'))).toEqual([{ path: 'world.zones[0].rect', message: expect.stringMatching(/inside the world/) }]);
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3, zones: [{ id: b, rect: [250, 0, 16, 16], maxGroup: 6, minGroup: 3 }] }'))).toEqual([
      { path: 'world.zones[0].zones[0].rect', message: expect.stringMatching(/inside its parent zone "field"/) },
    ]);
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 3, minGroup: 4 }'))[0]?.path).toBe('world.zones[0].minGroup');
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3, maxDepth: 9 }'))[0]?.path).toBe('world.zones[0].maxDepth');
    expect(issues(world('{ id: field, rect: [0, 0, 256, 4], maxGroup: 6, minGroup: 3 }'))[0]).toEqual({ path: 'world.zones[0].maxDepth', message: expect.stringMatching(/less than one tile/) });
    expect(issues(`${base}world: { width: 256, height: 256, aoiRadius: -1, zones: [${field}] }\n`)[0]?.path).toBe('world.aoiRadius');
  });

  it('wants seats beyond maxGroup, groups small enough to change membership, and no fixed-seat features', () => {
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 8, minGroup: 3 }'))).toEqual([
      { path: 'world.zones[0].maxGroup', message: expect.stringMatching(/^must be < neo.groupSize \(8\), got 8: a leaf at maxDepth/) },
    ]);
    expect(issues(world('{ id: field, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3, zones: [{ id: b, rect: [0, 0, 8, 8], maxGroup: 9, minGroup: 3 }] }'))[0]?.path).toBe('world.zones[0].zones[0].maxGroup');
    expect(issues(world(field, 'neo: { groupSize: 16 }\n'))).toEqual([{ path: 'neo.groupSize', message: expect.stringMatching(/the quadtree groups of a world\) hold at most 12 players/) }]);
    expect(issues(world(field, 'attacks: [{ kind: replay, peers: "1", toS: 5 }]\n'))).toEqual([{ path: 'world', message: expect.stringMatching(/^cannot be combined with attacks: NEO attacks name seats of fixed groups/) }]);
    expect(issues(world(field, 'baselines: { lockstep: { turns: 10 } }\n'))).toEqual([{ path: 'world', message: expect.stringMatching(/^cannot be combined with baselines/) }]);
    expect(issues(world(field, 'baselines: { clientServer: { durationS: 2 } }\n'))[0]?.path).toBe('world');
  });

  it('schedules zone-wide events of its zones within the run', () => {
    const withEvents = (events: string) => `${world(field)}  events: [${events}]\n`;
    expect(parseProfile(withEvents('{ atS: 3, zone: field, kind: lights-out }'), 'w.yaml').world?.events).toEqual([{ atS: 3, zone: 'field', kind: 'lights-out', crashLeader: false }]);
    expect(issues(withEvents('{ atS: 3, zone: hall, kind: lights-out }'))).toEqual([{ path: 'world.events[0].zone', message: '"hall" is not a zone of the world' }]);
    expect(issues(withEvents('{ atS: 10, zone: field, kind: lights-out }'))[0]?.path).toBe('world.events[0].atS');
    expect(issues(withEvents('{ atS: 3, zone: field, kind: thunder }'))[0]?.path).toBe('world.events[0].kind');
    const long = 'z'.repeat(40);
    expect(issues(`${world(`{ id: ${long}, rect: [0, 0, 256, 256], maxGroup: 6, minGroup: 3 }`)}  events: [{ atS: 1, zone: ${long}, kind: lights-on }]\n`)[0]).toEqual({ path: 'world.events[0].zone', message: expect.stringMatching(/at most 32 bytes/) });
  });
});

describe('hotspot end', () => {
  const base = 'peers: 8\ndurationS: 30\n';
  it('parses endS after startS and turns it into the round the players disperse', () => {
    const p = parseProfile(`${base}movement: { model: hotspot, x: 10, y: 20, startS: 5, endS: 12 }\n`, 'h.yaml');
    expect(p.movement).toEqual({ model: 'hotspot', x: 10, y: 20, radius: 0, startS: 5, endS: 12 });
    expect(movementForProfile(p)).toEqual({ model: 'hotspot', x: 10, y: 20, radius: 0, startRound: 50, endRound: 120, minLegRounds: 20, maxLegRounds: 60 });
    const steer = createSteer(movementForProfile(p), { seed: p.seed, player: 0, group: 0, worldSize: 64 })!;
    expect(steer(49)).toBeNull();
    expect(steer(119)).toEqual({ x: 10, y: 20 });
    expect(Array.from({ length: 100 }, (_, r) => steer(120 + r)).some((q) => q!.x !== 10 || q!.y !== 20)).toBe(true);
    const slow = parseProfile(`${base}neo: { roundMs: 200 }\nmovement: { model: hotspot, x: 1, y: 1, endS: 3 }\n`, 'h.yaml');
    expect(movementForProfile(slow)).toEqual({ model: 'hotspot', x: 1, y: 1, radius: 0, startRound: 0, endRound: 15, minLegRounds: 10, maxLegRounds: 30 });
  });

  it('gathers a crowd within radius of the spot, each player on its own tile from the seed', () => {
    const p = parseProfile(`${base}movement: { model: hotspot, x: 100, y: 100, radius: 10, startS: 1 }\n`, 'h.yaml');
    const points = Array.from({ length: 40 }, (_, player) => createSteer(movementForProfile(p), { seed: p.seed, player, group: 0, worldSize: 256 })!(20));
    for (const at of points) {
      expect(Math.abs((at?.x ?? 0) - 100)).toBeLessThanOrEqual(10);
      expect(Math.abs((at?.y ?? 0) - 100)).toBeLessThanOrEqual(10);
    }
    expect(new Set(points.map((at) => `${at?.x},${at?.y}`)).size).toBeGreaterThan(30);
    const again = createSteer(movementForProfile(p), { seed: p.seed, player: 7, group: 0, worldSize: 256 })!(20);
    expect(again).toEqual(points[7]);
  });

  it('keeps a hotspot without endS converged to the end', () => {
    const p = parseProfile(`${base}movement: { model: hotspot, x: 10, y: 20, startS: 5 }\n`, 'h.yaml');
    expect(movementForProfile(p)).toEqual({ model: 'hotspot', x: 10, y: 20, radius: 0, startRound: 50 });
  });

  it('refuses endS not after startS', () => {
    expect(issues(`${base}movement: { model: hotspot, x: 10, y: 20, startS: 5, endS: 5 }\n`)).toEqual([{ path: 'movement.endS', message: 'endS must be > startS' }]);
    expect(issues(`${base}movement: { model: hotspot, x: 10, y: 20, endS: 0 }\n`)[0]?.path).toBe('movement.endS');
  });
});

describe('storage.ephemeral', () => {
  const base = 'peers: 8\ndurationS: 20\n';
  it('fills the defaults, and keeps houses optional beside it', () => {
    const p = parseProfile(`${base}storage: { ephemeral: {} }\n`, 't.yaml');
    expect(p.storage?.ephemeral).toEqual({ areaTiles: 16, items: 4, monsters: 2, resetEveryS: 15, replicas: 3, finalAuditBeforeEndS: 3 });
    expect(p.storage?.houses).toBeUndefined();
  });

  it('names the field of a bad value', () => {
    expect(issues(`${base}storage: { ephemeral: { items: 33 } }\n`)[0]?.path).toBe('storage.ephemeral.items');
    expect(issues(`${base}storage: { engagements: { everyS: 0 } }\n`)[0]?.path).toBe('storage.engagements.everyS');
    expect(parseProfile(`${base}storage: { engagements: {} }\n`, 't.yaml').storage?.engagements).toEqual({ everyS: 5 });
    expect(issues(`${base}storage: { ephemeral: { replicas: 0 } }\n`)[0]?.path).toBe('storage.ephemeral.replicas');
    expect(issues(`${base}storage: { ephemeral: { resetEveryS: 2 } }\n`)).toEqual([{ path: 'storage.ephemeral.resetEveryS', message: expect.stringMatching(/more than 2 s/) }]);
    expect(issues(`${base}storage: { ephemeral: { finalAuditBeforeEndS: 20 } }\n`)).toEqual([{ path: 'storage.ephemeral.finalAuditBeforeEndS', message: expect.stringMatching(/inside the run/) }]);
  });
});

describe('storage-layer attacks', () => {
  const base = 'peers: 12\ndurationS: 10\nneo: { groupSize: 6 }\n';

  it('takes malicious holders as one { share, behaviour } or a list of them, stale among the behaviours', () => {
    expect(parseProfile(`${base}storage: { maliciousHolders: { share: 0.25, behaviour: drop } }\n`, 'm.yaml').storage?.maliciousHolders).toEqual([{ share: 0.25, behaviour: 'drop' }]);
    const list = parseProfile(`${base}storage: { maliciousHolders: [{ share: 0.1, behaviour: drop }, { share: 0.1, behaviour: tamper }, { share: 0.1, behaviour: stale }] }\n`, 'm.yaml');
    expect(list.storage?.maliciousHolders?.map((m) => m.behaviour)).toEqual(['drop', 'tamper', 'stale']);
  });

  it('names the field of a bad malicious-holder entry', () => {
    expect(issues(`${base}storage: { maliciousHolders: { share: 0.1, behaviour: steal } }\n`)).toEqual([{ path: 'storage.maliciousHolders[0].behaviour', message: expect.stringMatching(/expected one of "drop"\|"tamper"\|"stale"/) }]);
    expect(issues(`${base}storage: { maliciousHolders: [{ share: 0.1, behaviour: drop }, { share: 1.5, behaviour: stale }] }\n`)[0]?.path).toBe('storage.maliciousHolders[1].share');
    expect(issues(`${base}storage: { maliciousHolders: [{ share: 0.5, behaviour: drop }, { share: 0.5, behaviour: stale }] }\n`)).toEqual([{ path: 'storage.maliciousHolders', message: 'the shares add up to 1, more than 0.9: honest players must remain' }]);
    expect(issues(`${base}storage: { maliciousHolders: [{ share: 0.1, behaviour: drop }, { share: 0.1, behaviour: drop }] }\n`)).toEqual([{ path: 'storage.maliciousHolders[1].behaviour', message: 'drop is listed twice: give each behaviour one share' }]);
    expect(issues(`${base}storage: { maliciousHolders: 3 }\n`)).toEqual([{ path: 'storage.maliciousHolders', message: 'expected { share, behaviour } or a list of them' }]);
    expect(issues(`${base}storage: { maliciousHolders: [] }\n`)[0]?.path).toBe('storage.maliciousHolders');
  });

  it('schedules Sybil attacks: kind, a time within the run, a bounded number of nodes, forged or not', () => {
    const p = parseProfile(`${base}storageAttacks: [{ kind: sybil, atS: 2, nodes: 3 }, { kind: sybil, atS: 4, nodes: 2, forged: true }]\n`, 's.yaml');
    expect(p.storageAttacks).toEqual([
      { kind: 'sybil', atS: 2, nodes: 3, forged: false },
      { kind: 'sybil', atS: 4, nodes: 2, forged: true },
    ]);
    expect(parseProfile(base, 's.yaml').storageAttacks).toEqual([]);
  });

  it('names the field of a bad Sybil attack', () => {
    expect(issues(`${base}storageAttacks: [{ kind: eclipse, atS: 2, nodes: 3 }]\n`)[0]?.path).toBe('storageAttacks[0].kind');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 10, nodes: 3 }]\n`)).toEqual([{ path: 'storageAttacks[0].atS', message: 'must be before the run ends (durationS 10), got 10' }]);
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: -1, nodes: 3 }]\n`)[0]?.path).toBe('storageAttacks[0].atS');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 1, nodes: 0 }]\n`)[0]?.path).toBe('storageAttacks[0].nodes');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 1, nodes: 33 }]\n`)[0]?.path).toBe('storageAttacks[0].nodes');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 1, nodes: 2.5 }]\n`)[0]?.path).toBe('storageAttacks[0].nodes');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 1, nodes: 2, forged: maybe }]\n`)[0]?.path).toBe('storageAttacks[0].forged');
    expect(issues(`${base}storageAttacks: [{ kind: sybil, atS: 1, nodes: 2, certified: true }]\n`)[0]?.message).toMatch(/certified/);
  });
});
