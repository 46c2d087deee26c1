import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DHT_HOLDER_BEHAVIOURS, type DhtHolderBehaviour } from '../attacks/index.js';
import { MAX_CHANGING_GROUP_SIZE } from '../groups/messages.js';
import { MAX_GROUP_SIZE } from '../neo/messages.js';
import { validateShapingConfig, type ShapingConfig } from '../net/index.js';
import { worldProblems, zoneById, MAX_EVENT_ZONE_BYTES, ZONE_EVENT_KINDS, type WorldDefinition, type ZoneDefinition } from '../zones/index.js';
import { MAX_NAMED_TAGS, MAX_TAG_PAIRS, ROLE_TAGS, TAG_NAME_RE, tagPairsBound, tagSpaceForProfile } from './tags.js';
import { characterAttacksSchema, characterIssues, charactersSchema } from './characters.js';
import { computeAttacksSchema, computeIssues, computeSchema } from './compute.js';

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
  bandwidthBps: z.number().min(1).optional(),
  queueLimitBytes: z.number().int().positive().optional(),
}).refine((p) => p.queueLimitBytes === undefined || p.bandwidthBps !== undefined, {
  message: 'queueLimitBytes needs bandwidthBps (a queue drains at a rate)',
  path: ['queueLimitBytes'],
});

const lifetimeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('exponential'), meanS: z.number().positive() }),
  z.strictObject({ kind: z.literal('pareto'), scaleS: z.number().positive(), shape: z.number().positive() }),
  z.strictObject({ kind: z.literal('weibull'), scaleS: z.number().positive(), shape: z.number().positive() }),
]);

/** random-waypoint's legs when the profile names none; a dispersing hotspot walks these too. */
export const DEFAULT_LEG_S = { min: 2, max: 6 } as const;

const legSchema = {
  minLegS: z.number().positive().default(DEFAULT_LEG_S.min),
  maxLegS: z.number().positive().default(DEFAULT_LEG_S.max),
};

/** A zone as written in a profile; zod fills the defaults and turns `rect` into a Rect. */
interface ZoneInput {
  id: string;
  rect: [number, number, number, number];
  maxGroup: number;
  minGroup: number;
  maxDepth?: number | undefined;
  zones?: ZoneInput[] | undefined;
}

/**
 * Zones only need the right types here: worldProblems (src/zones) has the rules (ids, rects inside
 * the world and their parents, disjoint siblings, group bounds, depth), so a profile and any other
 * world definition are held to the same ones.
 */
const zoneSchema: z.ZodType<ZoneDefinition, ZoneInput> = z.lazy(() =>
  z.strictObject({
    id: z.string(),
    rect: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]).transform(([x, y, width, height]) => ({ x, y, width, height })),
    maxGroup: z.number().int(),
    minGroup: z.number().int(),
    maxDepth: z.number().int().default(3),
    zones: z.array(zoneSchema).default([]),
  }),
);

const worldSide = z.number().int().min(8).max(65_535);

/** The world of the quadtree groups (docs/profiles.md, "World and zones"); a world without a zone has no group. */
const worldSchema = z.strictObject({
  width: worldSide,
  height: worldSide,
  aoiRadius: z.number().int().default(8),
  zones: z.array(zoneSchema).min(1),
  /** Zone-wide events (docs/zones.md, "Zone-wide events"): raised in the busiest group of `zone` at `atS`. */
  events: z
    .array(
      z.strictObject({
        atS: z.number().nonnegative(),
        zone: z.string(),
        kind: z.enum(ZONE_EVENT_KINDS),
        crashLeader: z.boolean().default(false),
      }),
    )
    .default([]),
});

/** The attacks a profile can schedule on existing players (identity attacks are library-level, docs/attacks.md). */
export const NEO_ATTACK_KINDS = ['fixed-delay', 'suppress-correct', 'lookahead', 'inconsistency', 'replay', 'key-withholding', 'false-votes', 'colluding-majority', 'bad-signature'] as const;

/** One behaviour of malicious DHT nodes; a single one may be written without the list (docs/profiles.md). */
const maliciousHolderSchema = z.strictObject({ share: z.number().min(0).max(0.9), behaviour: z.enum(DHT_HOLDER_BEHAVIOURS as [DhtHolderBehaviour, ...DhtHolderBehaviour[]]) });
const maliciousHoldersSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? [v] : v),
  z
    .array(maliciousHolderSchema, { error: 'expected { share, behaviour } or a list of them' })
    .min(1)
    .superRefine((list, ctx) => {
      const total = list.reduce((sum, m) => sum + m.share, 0);
      if (total > 0.9) ctx.addIssue({ code: 'custom', message: `the shares add up to ${Number(total.toFixed(6))}, more than 0.9: honest players must remain` });
      list.forEach((m, i) => {
        if (list.findIndex((other) => other.behaviour === m.behaviour) < i) ctx.addIssue({ code: 'custom', path: [i, 'behaviour'], message: `${m.behaviour} is listed twice: give each behaviour one share` });
      });
    }),
);

/** Storage-layer attacks scheduled at a time (docs/attacks.md): `sybil` starts `nodes` uncertified (or `forged`) DHT nodes at `atS`. */
export const STORAGE_ATTACK_SCHEDULE_KINDS = ['sybil'] as const;
/** A shard hosts a Sybil attack's nodes besides its players: a few, not a second population. */
export const MAX_SYBIL_NODES = 32;
/** The most players a run plans (a run across agents); capacity searches stay within 4096 (one machine). */
export const MAX_PEERS = 16_384;

/** Peers named by index: "0-3,7" or a list of indexes. */
const peerSetSchema = z.union([z.string().regex(/^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/, 'expected indexes like "0-3,7"'), z.array(z.number().int().min(0))]);

export const profileSchema = z.strictObject({
  name: z.string().min(1).optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  // One machine carries a few hundred; above 4096 only with agents (docs/agents.md, docs/kubernetes.md).
  peers: z.number().int().min(2).max(MAX_PEERS),
  durationS: z.number().positive().max(86_400),
  /** Worker threads hosting peer shards; default: the machine's available parallelism. */
  workers: z.number().int().min(1).max(64).optional(),
  neo: z
    .strictObject({
      groupSize: z.number().int().min(2).max(MAX_GROUP_SIZE).default(8),
      roundMs: z.number().int().min(10).max(60_000).default(100),
      pipelineDepth: z.number().int().min(1).max(8).default(1),
      stateHashEvery: z.number().int().min(1).max(10_000).default(10),
      /** A member whose updates were dropped this many rounds in a row is removed from its group (crash detection). */
      evictAfterRounds: z.number().int().min(2).max(10_000).default(10),
      /** A round still missing votes, a key or a ciphertext is decided anyway this many rounds after its votes were due. */
      maxWaitRounds: z.number().int().min(1).max(1000).default(8),
      adaptation: z
        .strictObject({
          windowRounds: z.number().int().min(1).default(20),
          lateThreshold: probability.default(0.05),
          earlyFraction: probability.default(0.3),
          minRoundMs: z.number().int().min(10).default(40),
          maxRoundMs: z.number().int().max(60_000).default(1000),
          leadRounds: z.number().int().min(2).default(8),
        })
        .refine((a) => a.minRoundMs <= a.maxRoundMs, { message: 'minRoundMs must be <= maxRoundMs', path: ['maxRoundMs'] })
        .optional(),
    })
    .default({ groupSize: 8, roundMs: 100, pipelineDepth: 1, stateHashEvery: 10, evictAfterRounds: 10, maxWaitRounds: 8 }),
  /**
   * Load-test stages: with rampUpS > 0 each group starts with two founders and the others join one
   * by one over the ramp-up; over the last rampDownS all but two per group leave gracefully.
   */
  phases: z.strictObject({ rampUpS: nonNegative.default(0), rampDownS: nonNegative.default(0) }).default({ rampUpS: 0, rampDownS: 0 }),
  /** Steady-phase churn: each player's lifetime drawn from `lifetime`; crashes vs graceful leaves; replacements. */
  churn: z
    .strictObject({
      lifetime: lifetimeSchema,
      crashFraction: probability.default(0.5),
      /** A new player joins the same group this long after each departure; null: no replacements. */
      replaceAfterS: nonNegative.nullable().default(2),
      /** Churn never takes a group below this many members (NEO needs a live majority). */
      minGroupMembers: z.number().int().min(2).default(3),
    })
    .optional(),
  /** Where the bots walk (src/scenario/movement.ts); default: roam after chests. */
  movement: z
    .discriminatedUnion('model', [
      z.strictObject({ model: z.literal('roam') }),
      z.strictObject({ model: z.literal('random-waypoint'), ...legSchema }),
      z.strictObject({ model: z.literal('group-travel'), ...legSchema }),
      z
        .strictObject({ model: z.literal('hotspot'), x: z.number().int().min(0), y: z.number().int().min(0), radius: z.number().int().min(0).max(10_000).default(0), startS: nonNegative.default(0), endS: z.number().positive().optional() })
        .refine((h) => h.endS === undefined || h.endS > h.startS, { message: 'endS must be > startS', path: ['endS'] }),
      z.strictObject({
        model: z.literal('scripted'),
        paths: z.array(z.strictObject({ peers: peerSetSchema, points: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])).min(1), legS: z.number().positive() })).min(1),
      }),
    ])
    .default({ model: 'roam' }),
  /** The world whose zones the quadtree of peer groups partitions; off: fixed groups of neo.groupSize. */
  world: worldSchema.optional(),
  /** Replicated computation (src/scenario/compute.ts; docs/compute.md): every group's monsters, stepped by executors drawn from the players. */
  compute: computeSchema.optional(),
  /**
   * Storage (docs/storage.md): houses and ephemeral zone data. Each player keeps `houses.perPlayer` houses in the DHT, writes a new
   * version of one every `updateEveryS`, and the harness audits what it acknowledged every
   * `auditEveryS` (a sample of `auditSample` houses) and all of it `finalAuditBeforeEndS` before the end.
   */
  storage: z
    .strictObject({
      houses: z.strictObject({
        perPlayer: z.number().int().min(1).max(16).default(1),
        contentsBytes: z.number().int().min(0).max(700).default(200),
        updateEveryS: z.number().positive().max(3600).default(10),
        auditEveryS: z.number().positive().max(3600).default(10),
        auditSample: z.number().int().min(1).max(10_000).default(8),
        finalAuditBeforeEndS: z.number().positive().max(3600).default(5),
        /** Readers that must each fail (after their retries) before a house counts as lost. */
        auditReaders: z.number().int().min(1).max(16).default(3),
      }).optional(),
      /**
       * Ephemeral zone data (docs/storage.md, "Ephemeral zone data"): each zone is cut into areas of
       * `areaTiles` × `areaTiles` holding `items` items and `monsters` monsters regenerated from the seed;
       * players fetch the areas they enter and write back what they take; every `resetEveryS` the zones
       * reset. Writes ask `replicas` of the closest nodes (regenerated data need not cost k copies).
       */
      ephemeral: z
        .strictObject({
          areaTiles: z.number().int().min(4).max(1024).default(16),
          items: z.number().int().min(0).max(32).default(4),
          monsters: z.number().int().min(0).max(32).default(2),
          resetEveryS: z.number().positive().max(3600).default(15),
          replicas: z.number().int().min(1).max(20).default(3),
          finalAuditBeforeEndS: z.number().positive().max(3600).default(3),
        })
        .optional(),
      /**
       * Malicious DHT nodes among the players (SPEC §8): each player is one with probability `share`
       * (from the seed); it keeps no houses and `drop`s stores and value lookups, `tamper`s the values
       * it serves or serves `stale` ones. One `{ share, behaviour }` or a list of them, one per behaviour.
       */
      maliciousHolders: maliciousHoldersSchema.optional(),
      /** Witnessed characters (src/scenario/characters.ts; docs/storage.md, "Witnessed characters"). */
      characters: charactersSchema.optional(),
      /** Alice/Eve engagements every `everyS` between two players of one group (docs/storage.md, "Engagements in the harness"). */
      engagements: z.strictObject({ everyS: z.number().min(1).max(3600).default(5) }).optional(),
    })
    .optional(),
  /**
   * Baselines run after NEO on the same links, with the players of group 0 (peers 0 … groupSize−1):
   * lockstep for `turns` turns, and a client/server relay (the server shaped by `links.default`)
   * sending one update per client every round length for `durationS`.
   */
  baselines: z
    .strictObject({
      lockstep: z.strictObject({ turns: z.number().int().min(1).max(100_000) }).optional(),
      clientServer: z.strictObject({ durationS: z.number().positive().max(86_400) }).optional(),
    })
    .default({}),
  /**
   * Capacity search: instead of one run, runs of `stepDurationS` at each peer count — an explicit
   * `steps` list, or startPeers, startPeers + stepPeers, … up to maxPeers — stopping at the first
   * step where the harness was saturated or a threshold failed; the report names the largest
   * healthy count. Exactly one of the two forms (capacityPeerCounts expands either).
   */
  capacity: z
    .strictObject({
      steps: z.array(z.number().int().min(2).max(4096)).min(1).optional(),
      startPeers: z.number().int().min(2).optional(),
      stepPeers: z.number().int().min(1).optional(),
      maxPeers: z.number().int().max(4096).optional(),
      stepDurationS: z.number().positive().max(3600),
    })
    .superRefine((c, ctx) => {
      const range = { startPeers: c.startPeers, stepPeers: c.stepPeers, maxPeers: c.maxPeers };
      const given = (Object.keys(range) as (keyof typeof range)[]).filter((k) => range[k] !== undefined);
      if (c.steps !== undefined) {
        for (const k of given) ctx.addIssue({ code: 'custom', path: [k], message: 'give either steps or startPeers/stepPeers/maxPeers, not both' });
        c.steps.forEach((peers, i) => {
          const before = c.steps?.[i - 1];
          if (before !== undefined && peers <= before) ctx.addIssue({ code: 'custom', path: ['steps', i], message: `steps must be strictly increasing: ${peers} after ${before}` });
        });
        return;
      }
      if (given.length === 0) {
        ctx.addIssue({ code: 'custom', path: [], message: 'expected steps (a list of peer counts) or startPeers, stepPeers and maxPeers' });
        return;
      }
      for (const k of Object.keys(range) as (keyof typeof range)[]) {
        if (range[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: `required with ${given.join(' and ')} (or give steps instead)` });
      }
      if (c.startPeers !== undefined && c.maxPeers !== undefined && c.maxPeers < c.startPeers) ctx.addIssue({ code: 'custom', path: ['maxPeers'], message: 'maxPeers must be >= startPeers' });
    })
    .optional(),
  /**
   * NEO-level attacks (docs/attacks.md): each listed peer runs the behaviour on its own messages of
   * rounds in [fromS, toS). `victim` and `friend` are seats (member indexes) in the attacker's group;
   * colluders (false-votes, colluding-majority) must share a group.
   */
  attacks: z
    .array(
      z.strictObject({
        kind: z.enum(NEO_ATTACK_KINDS, {
          error: (issue) =>
            issue.input === 'timestamp'
              ? 'timestamp is not an attack kind: a NEO round message claims no time but its round, and a late round-r message is what fixed-delay sends (docs/attacks.md)'
              : undefined,
        }),
        peers: peerSetSchema,
        fromS: nonNegative.default(0),
        toS: z.number().positive(),
        params: z
          .strictObject({
            delayMs: nonNegative.optional(),
            holdRounds: z.number().int().min(1).optional(),
            victim: z.number().int().min(0).optional(),
            waitMs: nonNegative.optional(),
            role: z.enum(['friend', 'voter']).optional(),
            friend: z.number().int().min(0).optional(),
            split: z.enum(['update', 'reveal']).optional(),
          })
          .default({}),
      }),
    )
    .default([]),
  /**
   * Players with bad identities (forged, expired or banned certificates) who try to join group
   * `group` at `atS`; the group's members must refuse them at the door (docs/attacks.md).
   */
  identityAttacks: z
    .array(z.strictObject({ kind: z.enum(['forged-certificate', 'expired-certificate', 'banned-certificate']), group: z.number().int().min(0), atS: nonNegative }))
    .default([]),
  /** Tampered characters and colluding witnesses (src/scenario/characters.ts; docs/attacks.md). */
  characterAttacks: characterAttacksSchema(peerSetSchema),
  /** Colluding and isolated-zone executors (src/scenario/compute.ts; docs/attacks.md). */
  computeAttacks: computeAttacksSchema(peerSetSchema),
  /**
   * Storage-layer attacks at a time (docs/attacks.md, "Storage-layer DHT attacks"): `sybil` — at
   * `atS` one worker shard starts `nodes` DHT nodes with key pairs but no certificate (or, `forged`,
   * one signed by another key than the authority's) that bootstrap through the run's bootstrap
   * nodes, try to take routing-table slots and put houses of their own.
   */
  storageAttacks: z
    .array(
      z.strictObject({
        kind: z.enum(STORAGE_ATTACK_SCHEDULE_KINDS),
        atS: nonNegative,
        nodes: z.number().int().min(1).max(MAX_SYBIL_NODES),
        forged: z.boolean().default(false),
      }),
    )
    .default([]),
  /**
   * Named peer sets whose latency samples the report also shows apart (src/scenario/tags.ts):
   * `{ slow: "7" }` gives sub-metrics such as `neo.playoutLatencyMs{receiver:slow}`.
   */
  tags: z
    .record(z.string(), peerSetSchema)
    .superRefine((t, ctx) => {
      const names = Object.keys(t);
      if (names.length > MAX_NAMED_TAGS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_NAMED_TAGS} named tags` });
      for (const name of names) {
        if (!TAG_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}": a tag name is a letter a-z, then letters, digits or _` });
        else if ((ROLE_TAGS as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', path: [name], message: `${ROLE_TAGS.join(' and ')} are role tags every peer has; choose another name` });
      }
    })
    .default({}),
  /** Checks on the finished report, e.g. "neo.playoutLatencyMs.p99 < 250": any failure exits 1. */
  thresholds: z.array(z.string().min(1)).default([]),
  links: z
    .strictObject({
      default: linkProfileSchema.optional(),
      directed: z.array(z.strictObject({ from: peerSetSchema, to: peerSetSchema, profile: linkProfileSchema })).default([]),
      accessLinks: z.array(z.strictObject({ peers: peerSetSchema, up: linkProfileSchema.optional(), down: linkProfileSchema.optional() })).default([]),
      partitions: z
        .array(
          z
            .strictObject({ name: z.string().min(1), sides: z.array(peerSetSchema).min(2), startS: nonNegative, endS: nonNegative })
            .refine((p) => p.endS > p.startS, { message: 'endS must be > startS', path: ['endS'] }),
        )
        .default([]),
    })
    .default({ directed: [], accessLinks: [], partitions: [] }),
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
  checkStages(profile, source);
  const remainder = profile.peers % profile.neo.groupSize;
  if (remainder === 1) {
    throw new ProfileError(source, [{ path: 'peers', message: `${profile.peers} peers in groups of ${profile.neo.groupSize} leave one peer alone; use a count whose remainder is not 1` }]);
  }
  // The shaper's own validator has the last word, so no profile passes here and fails at run time.
  try {
    validateShapingConfig(shapingConfigForPeers(profile, Array.from({ length: profile.peers }, (_, i) => `peer${i}`)));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ProfileError(source, [{ path: 'links', message: e.message }]);
  }
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

/** A peer count the group plan accepts: never one peer alone in the last group (raised by one). */
export function nextPeerCount(peers: number, groupSize: number): number {
  return peers % groupSize === 1 ? peers + 1 : peers;
}

/**
 * The peer counts a capacity search runs, in order: the explicit steps, or startPeers + k ×
 * stepPeers up to maxPeers; each raised by one where it would leave one peer alone (never past
 * the cap, and never twice the same count).
 */
export function capacityPeerCounts(capacity: NonNullable<Profile['capacity']>, groupSize: number): number[] {
  const cap = capacity.steps === undefined ? (capacity.maxPeers ?? 4096) : 4096;
  const wanted: number[] = [];
  if (capacity.steps !== undefined) wanted.push(...capacity.steps);
  else if (capacity.startPeers !== undefined && capacity.stepPeers !== undefined && capacity.maxPeers !== undefined) {
    for (let peers = capacity.startPeers; peers <= capacity.maxPeers; peers += capacity.stepPeers) wanted.push(peers);
  }
  const counts: number[] = [];
  for (const peers of wanted.map((p) => nextPeerCount(p, groupSize))) {
    if (peers <= cap && peers > (counts.at(-1) ?? 0)) counts.push(peers);
  }
  return counts;
}

/** The index ranges a peer set names, unexpanded (so a huge range costs nothing to check). */
function peerRanges(set: PeerSet): [number, number][] {
  if (Array.isArray(set)) return set.map((i) => [i, i]);
  return set.split(',').map((part) => {
    const [lo, hi] = part.split('-').map((x) => Number(x.trim())) as [number, number | undefined];
    return [lo, hi ?? lo];
  });
}

/** Expand a peer set to sorted unique indexes; call only on a validated profile's sets. */
export function expandPeerSet(set: PeerSet): number[] {
  const out = new Set<number>();
  for (const [lo, hi] of peerRanges(set)) for (let i = lo; i <= hi; i++) out.add(i);
  return [...out].sort((a, b) => a - b);
}

/** The shaping configuration of a run, once every peer's endpoint is known (index → endpoint). */
export function shapingConfigForPeers(profile: Profile, endpoints: readonly string[]): ShapingConfig {
  const at = (i: number) => endpoints[i] as string;
  const accessLinks: NonNullable<ShapingConfig['accessLinks']> = {};
  for (const rule of profile.links.accessLinks) {
    for (const i of expandPeerSet(rule.peers)) accessLinks[at(i)] = { ...(rule.up ? { up: rule.up } : {}), ...(rule.down ? { down: rule.down } : {}) };
  }
  const links: NonNullable<ShapingConfig['links']> = [];
  for (const rule of profile.links.directed) {
    for (const from of expandPeerSet(rule.from)) {
      for (const to of expandPeerSet(rule.to)) if (from !== to) links.push({ from: at(from), to: at(to), profile: rule.profile });
    }
  }
  return {
    ...(profile.links.default ? { default: profile.links.default } : {}),
    links,
    accessLinks,
    partitions: profile.links.partitions.map((p) => ({
      name: p.name,
      sides: p.sides.map((side) => expandPeerSet(side).map(at)),
      startMs: p.startS * 1000,
      endMs: p.endS * 1000,
    })),
  };
}

/**
 * The shaping of one group: its members' real endpoints by global index, and for everyone else a
 * placeholder name that no datagram ever uses, so rules about other groups simply never match.
 */
export function shapingForMembers(profile: Profile, members: readonly number[], endpoints: readonly string[]): ShapingConfig {
  const global = Array.from({ length: profile.peers }, (_, i) => `peer${i}`);
  members.forEach((peer, i) => (global[peer] = endpoints[i] as string));
  return shapingConfigForPeers(profile, global);
}

/** Rules across fields for phases, churn, movement, attacks and the world. */
function checkStages(profile: Profile, source: string): void {
  const issues: { path: string; message: string }[] = [];
  const { rampUpS, rampDownS } = profile.phases;
  if (rampUpS + rampDownS > profile.durationS) issues.push({ path: 'phases', message: `rampUpS + rampDownS (${rampUpS + rampDownS} s) must not exceed durationS (${profile.durationS} s)` });
  const changing = rampUpS > 0 || rampDownS > 0 || profile.churn !== undefined;
  if ((changing || profile.world) && profile.neo.groupSize > MAX_CHANGING_GROUP_SIZE) {
    const why = changing ? 'phases or churn' : 'the quadtree groups of a world';
    issues.push({ path: 'neo.groupSize', message: `groups that change membership (${why}) hold at most ${MAX_CHANGING_GROUP_SIZE} players, got ${profile.neo.groupSize}` });
  }
  if (profile.world) issues.push(...worldIssues(profile.world, profile));
  const ephemeral = profile.storage?.ephemeral;
  if (ephemeral && ephemeral.finalAuditBeforeEndS >= profile.durationS) {
    issues.push({ path: 'storage.ephemeral.finalAuditBeforeEndS', message: `must leave the audit inside the run (durationS ${profile.durationS}), got ${ephemeral.finalAuditBeforeEndS}` });
  }
  if (ephemeral && ephemeral.resetEveryS * 1000 <= 2000) {
    issues.push({ path: 'storage.ephemeral.resetEveryS', message: `must leave time for the audit before each reset (more than 2 s), got ${ephemeral.resetEveryS}` });
  }
  const houses = profile.storage?.houses;
  if (houses && houses.finalAuditBeforeEndS >= profile.durationS) {
    issues.push({ path: 'storage.houses.finalAuditBeforeEndS', message: `must leave the audit inside the run (durationS ${profile.durationS}), got ${houses.finalAuditBeforeEndS}` });
  }
  const m = profile.movement;
  if ((m.model === 'random-waypoint' || m.model === 'group-travel') && m.maxLegS < m.minLegS) issues.push({ path: 'movement.maxLegS', message: 'maxLegS must be >= minLegS' });
  profile.attacks.forEach((a, i) => {
    const path = `attacks[${i}]`;
    if (a.toS <= a.fromS) issues.push({ path: `${path}.toS`, message: 'toS must be > fromS' });
    for (const [lo, hi] of peerRanges(a.peers)) if (hi >= profile.peers || hi < lo) issues.push({ path: `${path}.peers`, message: `peer indexes must be within 0-${profile.peers - 1}, lower first` });
    if (changing) issues.push({ path, message: 'attacks name seats of fixed groups: use them without phases or churn' });
    const groupsOf = new Set(expandPeerSet(a.peers).map((peer) => Math.floor(peer / profile.neo.groupSize)));
    if ((a.kind === 'false-votes' || a.kind === 'colluding-majority') && groupsOf.size > 1) issues.push({ path: `${path}.peers`, message: 'colluders must be in one group' });
  });
  const groupCount = Math.ceil(profile.peers / profile.neo.groupSize);
  profile.storageAttacks.forEach((a, i) => {
    if (a.atS >= profile.durationS) issues.push({ path: `storageAttacks[${i}].atS`, message: `must be before the run ends (durationS ${profile.durationS}), got ${a.atS}` });
  });
  profile.identityAttacks.forEach((a, i) => {
    if (a.group >= groupCount) issues.push({ path: `identityAttacks[${i}].group`, message: `the profile has ${groupCount} groups (0-${groupCount - 1})` });
    if (a.atS >= profile.durationS) issues.push({ path: `identityAttacks[${i}].atS`, message: 'must be within the run' });
  });
  issues.push(...characterIssues(profile, expandPeerSet));
  issues.push(...computeIssues(profile, expandPeerSet));
  if (m.model === 'scripted') m.paths.forEach((p, i) => {
    for (const [lo, hi] of peerRanges(p.peers)) if (hi >= profile.peers || hi < lo) issues.push({ path: `movement.paths[${i}].peers`, message: `peer indexes must be within 0-${profile.peers - 1}, lower first` });
  });
  if (issues.length > 0) throw new ProfileError(source, issues);
}

/** Every zone of a tree with its field path, parents first. */
function* zonesWithPaths(zones: readonly ZoneDefinition[], parentPath: string): Generator<{ zone: ZoneDefinition; path: string }> {
  for (const [i, zone] of zones.entries()) {
    const path = `${parentPath}.zones[${i}]`;
    yield { zone, path };
    yield* zonesWithPaths(zone.zones, path);
  }
}

/** The world's own rules, and what the rest of the profile must agree with once groups follow the quadtree. */
function worldIssues(world: WorldDefinition, profile: Profile): { path: string; message: string }[] {
  const issues = worldProblems(world).map((p) => ({ ...p }));
  const { groupSize } = profile.neo;
  for (const { zone, path } of zonesWithPaths(world.zones, 'world')) {
    if (zone.maxGroup >= groupSize) {
      issues.push({ path: `${path}.maxGroup`, message: `must be < neo.groupSize (${groupSize}), got ${zone.maxGroup}: a leaf at maxDepth may hold more than maxGroup players and a split takes effect some rounds after it is decided, so a group needs seats beyond maxGroup` });
    }
  }
  (profile.world?.events ?? []).forEach((e, i) => {
    if (!zoneById(world, e.zone)) issues.push({ path: `world.events[${i}].zone`, message: `"${e.zone}" is not a zone of the world` });
    else if (new TextEncoder().encode(e.zone).length > MAX_EVENT_ZONE_BYTES) issues.push({ path: `world.events[${i}].zone`, message: `a zone raising events has an id of at most ${MAX_EVENT_ZONE_BYTES} bytes (the signed event rides in one group update), got "${e.zone}"` });
    if (e.atS >= profile.durationS) issues.push({ path: `world.events[${i}].atS`, message: `must be before the run ends (durationS ${profile.durationS}), got ${e.atS}` });
  });
  if (profile.attacks.length > 0) issues.push({ path: 'world', message: 'cannot be combined with attacks: NEO attacks name seats of fixed groups, and the groups of a world split, merge and hand players over' });
  if (profile.baselines.lockstep || profile.baselines.clientServer) issues.push({ path: 'world', message: "cannot be combined with baselines: they replay fixed group 0's players, and the groups of a world change as players move" });
  if (profile.identityAttacks.length > 0) issues.push({ path: 'world', message: 'cannot be combined with identityAttacks: an impostor asks a fixed group, and the groups of a world change as players move' });
  if (profile.neo.adaptation) issues.push({ path: 'world', message: 'cannot be combined with neo.adaptation: the groups of a world share one round length so that a player handed over keeps its rhythm and parts of a split keep their parent\'s schedule' });
  return issues;
}

/** Directed rules expand to one rule per pair; past this, `links.default` is the tool for all-to-all. */
const MAX_DIRECTED_PAIRS = 65_536;

/** Cross-field rules zod cannot see: indexes within `peers`, disjoint sides, one rule per link. */
function checkPeerIndexes(profile: Profile, source: string): void {
  const issues: { path: string; message: string }[] = [];
  const check = (set: PeerSet, path: string): boolean => {
    const ranges = peerRanges(set);
    if (ranges.length === 0) {
      issues.push({ path, message: 'expected at least one peer index' });
      return false;
    }
    for (const [lo, hi] of ranges) {
      if (hi < lo) {
        issues.push({ path, message: `range ${lo}-${hi} is empty: write the lower index first` });
        return false;
      }
      if (hi >= profile.peers) {
        issues.push({ path, message: `peer index ${hi} is out of range: the profile has ${profile.peers} peers (0-${profile.peers - 1})` });
        return false;
      }
    }
    return true;
  };
  const claimed = (what: string) => {
    const owner = new Map<number, string>();
    return (set: PeerSet, path: string) => {
      if (!check(set, path)) return;
      for (const peer of expandPeerSet(set)) {
        const earlier = owner.get(peer);
        if (earlier !== undefined) issues.push({ path, message: `peer ${peer} is already in ${earlier}: ${what}` });
        else owner.set(peer, path);
      }
    };
  };

  const tagsInRange = Object.entries(profile.tags).every(([name, set]) => check(set, `tags.${name}`));
  if (tagsInRange) {
    const pairs = tagPairsBound(tagSpaceForProfile(profile, expandPeerSet), profile.peers);
    if (pairs > MAX_TAG_PAIRS) issues.push({ path: 'tags', message: `the tags and attackers give peers ${Math.sqrt(pairs)} distinct combinations of tags, ${pairs} sender-receiver pairs, more than the ${MAX_TAG_PAIRS} histograms a worker keeps; use fewer or nested sets` });
  }

  const accessOwner = claimed('one access-link entry per peer');
  profile.links.accessLinks.forEach((a, i) => accessOwner(a.peers, `links.accessLinks[${i}].peers`));

  const pairOwner = new Map<string, string>();
  profile.links.directed.forEach((d, i) => {
    const path = `links.directed[${i}]`;
    if (!check(d.from, `${path}.from`) || !check(d.to, `${path}.to`)) return;
    const pairs = expandPeerSet(d.from).length * expandPeerSet(d.to).length;
    if (pairOwner.size + pairs > MAX_DIRECTED_PAIRS) {
      issues.push({ path, message: `directed rules would expand to more than ${MAX_DIRECTED_PAIRS} links; use links.default for all-to-all shaping` });
      return;
    }
    for (const from of expandPeerSet(d.from)) {
      for (const to of expandPeerSet(d.to)) {
        if (from === to) continue;
        const earlier = pairOwner.get(`${from}>${to}`);
        if (earlier !== undefined) issues.push({ path, message: `link ${from} -> ${to} is already shaped by ${earlier}: one rule per directed link` });
        else pairOwner.set(`${from}>${to}`, path);
      }
    }
  });

  const partitionNames = new Map<string, number>();
  profile.links.partitions.forEach((p, i) => {
    const earlier = partitionNames.get(p.name);
    if (earlier !== undefined) issues.push({ path: `links.partitions[${i}].name`, message: `"${p.name}" is already the name of links.partitions[${earlier}]` });
    partitionNames.set(p.name, i);
    const sideOwner = claimed('sides must be disjoint');
    p.sides.forEach((side, j) => sideOwner(side, `links.partitions[${i}].sides[${j}]`));
  });
  if (issues.length > 0) throw new ProfileError(source, issues);
}
