import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * A scenario profile: YAML validated against a strict schema (unknown keys are errors, so a typo
 * never silently falls back to a default). The schema grows with the harness; every field has a
 * documented default (docs/profiles.md).
 */

const nonNegative = z.number().finite().min(0);
const probability = z.number().min(0).max(1);

const delaySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), ms: nonNegative }),
  z
    .strictObject({ kind: z.literal('uniform'), minMs: nonNegative, maxMs: nonNegative })
    .refine((d) => d.maxMs >= d.minMs, { message: 'maxMs must be >= minMs', path: ['maxMs'] }),
  z.strictObject({ kind: z.literal('normal'), meanMs: nonNegative, stdMs: nonNegative }),
  z.strictObject({ kind: z.literal('pareto'), scaleMs: z.number().positive(), shape: z.number().positive() }),
]);

const lossSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bernoulli'), p: probability }),
  z.strictObject({
    kind: z.literal('gilbert-elliott'),
    pGoodToBad: probability,
    pBadToGood: probability,
    lossInGood: probability,
    lossInBad: probability,
  }),
]);

export const linkProfileSchema = z.strictObject({
  delay: delaySchema.optional(),
  jitterMs: nonNegative.optional(),
  loss: lossSchema.optional(),
  duplicate: probability.optional(),
  inOrder: z.boolean().optional(),
  reorder: z.strictObject({ p: probability, extraDelayMs: nonNegative }).optional(),
  bandwidthBps: z.number().positive().optional(),
  queueLimitBytes: z.number().int().positive().optional(),
});

/** Peers named by index: "0-3,7" or a list of indexes. */
const peerSetSchema = z.union([z.string().regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'expected indexes like "0-3,7"'), z.array(z.number().int().min(0))]);

export const profileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  peers: z.number().int().min(2).max(4096),
  durationS: z.number().positive().max(86_400),
  probe: z
    .strictObject({
      intervalMs: z.number().min(10).default(250),
      timeoutMs: z.number().positive().default(2000),
    })
    .default({ intervalMs: 250, timeoutMs: 2000 }),
  links: z
    .strictObject({
      default: linkProfileSchema.optional(),
      accessLinks: z.array(z.strictObject({ peers: peerSetSchema, up: linkProfileSchema.optional(), down: linkProfileSchema.optional() })).default([]),
      partitions: z
        .array(
          z
            .strictObject({ name: z.string().min(1), sides: z.array(peerSetSchema).min(2), startS: nonNegative, endS: nonNegative })
            .refine((p) => p.endS > p.startS, { message: 'endS must be > startS', path: ['endS'] }),
        )
        .default([]),
    })
    .default({ accessLinks: [], partitions: [] }),
});

export type Profile = z.infer<typeof profileSchema> & { name: string };
export type PeerSet = z.infer<typeof peerSetSchema>;

/** A profile that cannot be used, with the field path and what was expected: exit code 2. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly source: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`${source}: invalid profile\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export interface ProfileOverrides {
  seed?: number;
  peers?: number;
  durationS?: number;
}

export function parseProfile(text: string, source: string, overrides: ProfileOverrides = {}): Profile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ProfileError(source, [{ path: '', message: `not valid YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ProfileError(source, [{ path: '', message: 'expected a mapping of profile fields' }]);
  }
  const merged = { ...(raw as Record<string, unknown>), ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const result = profileSchema.safeParse(merged);
  if (!result.success) {
    throw new ProfileError(
      source,
      result.error.issues.map((i) => ({ path: pathText(i.path), message: i.message })),
    );
  }
  const profile = { ...result.data, name: result.data.name ?? basename(source).replace(/\.ya?ml$/, '') };
  checkPeerIndexes(profile, source);
  return profile;
}

export function loadProfile(path: string, overrides: ProfileOverrides = {}): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ProfileError(path, [{ path: '', message: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  return parseProfile(text, path, overrides);
}

/** Expand a peer set to sorted unique indexes. */
export function expandPeerSet(set: PeerSet): number[] {
  if (Array.isArray(set)) return [...new Set(set)].sort((a, b) => a - b);
  const out = new Set<number>();
  for (const part of set.split(',')) {
    const [lo, hi] = part.split('-').map((x) => Number(x.trim())) as [number, number | undefined];
    for (let i = lo; i <= (hi ?? lo); i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

function checkPeerIndexes(profile: Profile, source: string): void {
  const issues: { path: string; message: string }[] = [];
  const check = (set: PeerSet, path: string) => {
    const idx = expandPeerSet(set);
    const bad = idx.find((i) => i >= profile.peers);
    if (bad !== undefined) issues.push({ path, message: `peer index ${bad} is out of range: the profile has ${profile.peers} peers (0-${profile.peers - 1})` });
    if (idx.length === 0) issues.push({ path, message: 'expected at least one peer index' });
  };
  profile.links.accessLinks.forEach((a, i) => check(a.peers, `links.accessLinks[${i}].peers`));
  profile.links.partitions.forEach((p, i) => {
    const seen = new Map<number, number>();
    p.sides.forEach((s, j) => {
      check(s, `links.partitions[${i}].sides[${j}]`);
      for (const peer of expandPeerSet(s)) {
        const other = seen.get(peer);
        if (other !== undefined) issues.push({ path: `links.partitions[${i}].sides[${j}]`, message: `peer ${peer} is already on side ${other}: sides must be disjoint` });
        seen.set(peer, j);
      }
    });
  });
  if (issues.length > 0) throw new ProfileError(source, issues);
}
