/**
 * Peer tags (docs/reports.md, "Tags and sub-metrics"): every peer carries a role (honest or
 * attacker) and any of the profile's named peer sets (`tags: { slow: "7" }`). A peer's tags are a
 * bit set, its mask: bit 0 set for an attacker, bit 1 + i for the i-th named tag in the profile's
 * order. Latency samples are kept per (sender mask, receiver mask), so the number of distinct masks
 * bounds the histograms a run keeps (MAX_TAG_PAIRS).
 */
export const ROLE_TAGS = ['honest', 'attacker'] as const;
export const MAX_NAMED_TAGS = 8;
/** Distinct (sender mask, receiver mask) combinations a profile may make: each is one histogram per worker. */
export const MAX_TAG_PAIRS = 256;
export const TAG_NAME_RE = /^[a-z][a-zA-Z0-9_]*$/;

const ATTACKER_BIT = 1;

export interface TagSpace {
  /** The profile's named tags, in order. */
  readonly names: readonly string[];
  /** The mask of a peer (global index); a peer outside every set and not an attacker has mask 0. */
  maskOf(peer: number): number;
  /** Whether a mask carries a tag: a named tag, `honest` or `attacker`; throws for an unknown name. */
  has(mask: number, tag: string): boolean;
  /** A mask's tags as names, role first (`["attacker", "slow"]`). */
  namesOf(mask: number): string[];
  /** Whether the tag is known here (a role or a named tag). */
  knows(tag: string): boolean;
}

export function createTagSpace(named: Readonly<Record<string, readonly number[]>>, attackers: Iterable<number>): TagSpace {
  const names = Object.keys(named);
  if (names.length > MAX_NAMED_TAGS) throw new RangeError(`createTagSpace: at most ${MAX_NAMED_TAGS} named tags, got ${names.length}`);
  const masks = new Map<number, number>();
  const add = (peer: number, bit: number) => masks.set(peer, (masks.get(peer) ?? 0) | bit);
  for (const peer of attackers) add(peer, ATTACKER_BIT);
  names.forEach((name, i) => {
    for (const peer of named[name] ?? []) add(peer, 1 << (i + 1));
  });
  const bitOf = (tag: string): number => {
    const i = names.indexOf(tag);
    if (i < 0) throw new RangeError(`unknown tag "${tag}": expected honest, attacker${names.map((n) => `, ${n}`).join('')}`);
    return 1 << (i + 1);
  };
  return {
    names,
    maskOf: (peer) => masks.get(peer) ?? 0,
    has: (mask, tag) => (tag === 'attacker' ? (mask & ATTACKER_BIT) !== 0 : tag === 'honest' ? (mask & ATTACKER_BIT) === 0 : (mask & bitOf(tag)) !== 0),
    namesOf: (mask) => [(mask & ATTACKER_BIT) !== 0 ? 'attacker' : 'honest', ...names.filter((_, i) => (mask & (1 << (i + 1))) !== 0)],
    knows: (tag) => (ROLE_TAGS as readonly string[]).includes(tag) || names.includes(tag),
  };
}

/** The tag space of a validated profile: its named sets, and the peers its attacks make cheat (`expand`: the profile's expandPeerSet). */
export function tagSpaceForProfile<Set>(profile: { readonly tags: Readonly<Record<string, Set>>; readonly attacks: readonly { readonly peers: Set }[] }, expand: (set: Set) => number[]): TagSpace {
  const named = Object.fromEntries(Object.entries(profile.tags).map(([name, set]) => [name, expand(set)]));
  return createTagSpace(named, profile.attacks.flatMap((a) => expand(a.peers)));
}

/** Distinct masks among `peers` (plus mask 0 for everyone else), squared: the pair classes a run can make. */
export function tagPairsBound(space: TagSpace, peers: number): number {
  const masks = new Set<number>([0]);
  for (let p = 0; p < peers; p++) masks.add(space.maskOf(p));
  return masks.size * masks.size;
}
