import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EXIT, main } from '../../src/cli.js';
import { parseProfile } from '../../src/scenario/profile.js';
import { issues } from '../support/profile-issues.js';


const base = 'peers: 12\ndurationS: 20\nneo: { groupSize: 6 }\n';
const withCharacters = `${base}storage: { characters: {} }\n`;
const attack = (entry: string) => `${withCharacters}characterAttacks: [${entry}]\n`;

describe('witnessed characters in a profile', () => {
  it('fills the documented defaults', () => {
    const p = parseProfile(`${withCharacters}characterAttacks: [{ kind: tampered-character, group: 1, atS: 5 }, { kind: colluding-witnesses, colluders: "6-9", friend: 2, atS: 8 }]\n`, 'c.yaml');
    expect(p.storage?.characters).toEqual({ changeEveryS: 10, firstWithinS: 5 });
    expect(p.characterAttacks).toEqual([
      { kind: 'tampered-character', group: 1, atS: 5, edit: 'same-version' },
      { kind: 'colluding-witnesses', colluders: '6-9', friend: 2, atS: 8, attempts: 3 },
    ]);
    expect(parseProfile(base, 'c.yaml').characterAttacks).toEqual([]);
    expect(parseProfile(base, 'c.yaml').storage).toBeUndefined();
  });

  it('names the field of a bad value in storage.characters', () => {
    expect(issues(`${base}storage: { characters: { changeEveryS: 1 } }\n`)[0]?.path).toBe('storage.characters.changeEveryS');
    expect(issues(`${base}storage: { characters: { firstWithinS: 0 } }\n`)[0]?.path).toBe('storage.characters.firstWithinS');
    expect(issues(`${base}storage: { characters: { changeEvery: 5 } }\n`)[0]?.path).toBe('storage.characters');
  });

  it('takes characters in a world (a player hands over only once its character is witnessed)', () => {
    const world = 'world: { width: 64, height: 64, zones: [{ id: a, rect: [0, 0, 64, 64], maxGroup: 4, minGroup: 2 }] }\n';
    expect(parseProfile(`${withCharacters}${world}`, 'c.yaml').storage?.characters).toBeDefined();
  });

  it('names the field of a bad character attack', () => {
    expect(issues(attack('{ kind: stolen-character, group: 0, atS: 1 }'))[0]?.path).toBe('characterAttacks[0].kind');
    expect(issues(attack('{ kind: tampered-character, group: 2, atS: 1 }'))).toEqual([{ path: 'characterAttacks[0].group', message: 'the profile has 2 groups (0-1), got 2' }]);
    expect(issues(attack('{ kind: tampered-character, group: 0, atS: 20 }'))[0]?.path).toBe('characterAttacks[0].atS');
    expect(issues(attack('{ kind: tampered-character, group: 0, atS: 1, edit: better }'))[0]?.path).toBe('characterAttacks[0].edit');
    expect(issues(attack('{ kind: colluding-witnesses, colluders: "6-12", friend: 2, atS: 1 }'))[0]?.path).toBe('characterAttacks[0].colluders');
    expect(issues(attack('{ kind: colluding-witnesses, colluders: "9-6", friend: 2, atS: 1 }'))[0]?.path).toBe('characterAttacks[0].colluders');
    expect(issues(attack('{ kind: colluding-witnesses, colluders: "1-4", friend: 2, atS: 1 }'))).toEqual([{ path: 'characterAttacks[0].colluders', message: expect.stringMatching(/^the friend \(2\) cannot be one of its own witnesses/) }]);
    expect(issues(attack('{ kind: colluding-witnesses, colluders: "6-9", friend: 12, atS: 1 }'))[0]?.path).toBe('characterAttacks[0].friend');
    expect(issues(attack('{ kind: colluding-witnesses, colluders: "6-9", friend: 2, atS: 1, attempts: 0 }'))[0]?.path).toBe('characterAttacks[0].attempts');
    expect(issues(`${base}characterAttacks: [{ kind: tampered-character, group: 0, atS: 1 }]\n`)).toEqual([{ path: 'characterAttacks[0]', message: expect.stringMatching(/^needs storage.characters/) }]);
  });

  it('p2p-mmog run exits 2 naming the field, before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-mmog-characters-'));
    writeFileSync(join(dir, 'bad.yaml'), attack('{ kind: colluding-witnesses, colluders: "6-9", friend: 7, atS: 1 }'));
    const err: string[] = [];
    const spies = [vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' '))), vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true))];
    try {
      expect(await main(['run', join(dir, 'bad.yaml'), '--headless'])).toBe(EXIT.usage);
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(err.join('\n')).toMatch(/characterAttacks\[0\]\.colluders: the friend \(7\) cannot be one of its own witnesses/);
  });
});
