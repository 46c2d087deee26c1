import type { ShapingConfig } from './types.js';

/**
 * Checks a shaping configuration (typically parsed from YAML, hence `unknown`) and throws a
 * RangeError naming the offending field path, e.g. `links[2].profile.loss.p must be in [0,1]`.
 * `prefix` is prepended to every path so a profile loader can report `network.shaping.links[2]…`.
 * Unknown fields are rejected too: a misspelt `jiterMs` would otherwise silently shape nothing.
 */
export function validateShapingConfig(config: unknown, prefix = ''): asserts config is ShapingConfig {
  const root = requireObject(config, prefix || 'shaping config');
  allowKeys(root, ['default', 'links', 'accessLinks', 'partitions'], prefix);

  if (root.default !== undefined) validateProfile(root.default, join(prefix, 'default'));

  if (root.links !== undefined) {
    const links = requireArray(root.links, join(prefix, 'links'));
    const seen = new Map<string, number>();
    links.forEach((item, i) => {
      const p = `${join(prefix, 'links')}[${i}]`;
      const rule = requireObject(item, p);
      allowKeys(rule, ['from', 'to', 'profile'], p);
      const from = requireEndpoint(rule.from, `${p}.from`);
      const to = requireEndpoint(rule.to, `${p}.to`);
      validateProfile(rule.profile, `${p}.profile`);
      // JSON.stringify keeps the key unambiguous whatever characters endpoints contain.
      const key = JSON.stringify([from, to]);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new RangeError(`${p} duplicates ${join(prefix, 'links')}[${earlier}] (${from} -> ${to}); one rule per directed link`);
      }
      seen.set(key, i);
    });
  }

  if (root.accessLinks !== undefined) {
    const access = requireObject(root.accessLinks, join(prefix, 'accessLinks'));
    for (const [ep, value] of Object.entries(access)) {
      const p = `${join(prefix, 'accessLinks')}[${JSON.stringify(ep)}]`;
      requireEndpoint(ep, p);
      const entry = requireObject(value, p);
      allowKeys(entry, ['up', 'down'], p);
      if (entry.up !== undefined) validateProfile(entry.up, `${p}.up`);
      if (entry.down !== undefined) validateProfile(entry.down, `${p}.down`);
    }
  }

  if (root.partitions !== undefined) {
    const parts = requireArray(root.partitions, join(prefix, 'partitions'));
    const names = new Set<string>();
    parts.forEach((item, i) => {
      const p = `${join(prefix, 'partitions')}[${i}]`;
      const rule = requireObject(item, p);
      allowKeys(rule, ['name', 'sides', 'startMs', 'endMs'], p);
      if (typeof rule.name !== 'string' || rule.name === '') {
        throw new RangeError(`${p}.name must be a non-empty string, got ${show(rule.name)}`);
      }
      if (names.has(rule.name)) throw new RangeError(`${p}.name "${rule.name}" is used by an earlier partition`);
      names.add(rule.name);
      const sides = requireArray(rule.sides, `${p}.sides`);
      if (sides.length < 2) throw new RangeError(`${p}.sides must list at least 2 sides, got ${sides.length}`);
      const sideOf = new Map<string, number>();
      sides.forEach((side, s) => {
        const members = requireArray(side, `${p}.sides[${s}]`);
        if (members.length === 0) throw new RangeError(`${p}.sides[${s}] must not be empty`);
        members.forEach((m, k) => {
          const ep = requireEndpoint(m, `${p}.sides[${s}][${k}]`);
          const other = sideOf.get(ep);
          if (other !== undefined && other !== s) {
            throw new RangeError(`${p}.sides[${s}][${k}] ${ep} is also on sides[${other}]; sides must be disjoint`);
          }
          sideOf.set(ep, s);
        });
      });
      const startMs = rule.startMs;
      if (typeof startMs !== 'number' || !Number.isFinite(startMs) || startMs < 0) {
        throw new RangeError(`${p}.startMs must be a finite number >= 0, got ${show(startMs)}`);
      }
      // endMs may be Infinity (YAML `.inf`) for a partition that never heals.
      const endMs = rule.endMs;
      if (typeof endMs !== 'number' || Number.isNaN(endMs) || endMs < startMs) {
        throw new RangeError(`${p}.endMs must be a number >= startMs (${startMs}), got ${show(endMs)}`);
      }
    });
  }
}

function validateProfile(value: unknown, p: string): void {
  const prof = requireObject(value, p);
  allowKeys(prof, ['delay', 'jitterMs', 'loss', 'duplicate', 'inOrder', 'reorder', 'bandwidthBps', 'queueLimitBytes'], p);
  if (prof.inOrder !== undefined && typeof prof.inOrder !== 'boolean') throw new RangeError(`${join(p, 'inOrder')} must be a boolean`);

  if (prof.delay !== undefined) {
    const dp = `${p}.delay`;
    const d = requireObject(prof.delay, dp);
    switch (d.kind) {
      case 'constant':
        allowKeys(d, ['kind', 'ms'], dp);
        nonNegative(d.ms, `${dp}.ms`);
        break;
      case 'uniform':
        allowKeys(d, ['kind', 'minMs', 'maxMs'], dp);
        nonNegative(d.minMs, `${dp}.minMs`);
        nonNegative(d.maxMs, `${dp}.maxMs`);
        if ((d.maxMs as number) < (d.minMs as number)) {
          throw new RangeError(`${dp}.maxMs must be >= minMs (${show(d.minMs)}), got ${show(d.maxMs)}`);
        }
        break;
      case 'normal':
        allowKeys(d, ['kind', 'meanMs', 'stdMs'], dp);
        nonNegative(d.meanMs, `${dp}.meanMs`);
        nonNegative(d.stdMs, `${dp}.stdMs`);
        break;
      case 'pareto':
        allowKeys(d, ['kind', 'scaleMs', 'shape'], dp);
        positive(d.scaleMs, `${dp}.scaleMs`);
        positive(d.shape, `${dp}.shape`);
        break;
      default:
        throw new RangeError(`${dp}.kind must be one of constant, uniform, normal, pareto, got ${show(d.kind)}`);
    }
  }

  if (prof.jitterMs !== undefined) nonNegative(prof.jitterMs, `${p}.jitterMs`);

  if (prof.loss !== undefined) {
    const lp = `${p}.loss`;
    const l = requireObject(prof.loss, lp);
    switch (l.kind) {
      case 'bernoulli':
        allowKeys(l, ['kind', 'p'], lp);
        probability(l.p, `${lp}.p`);
        break;
      case 'gilbert-elliott':
        allowKeys(l, ['kind', 'pGoodToBad', 'pBadToGood', 'lossInGood', 'lossInBad'], lp);
        probability(l.pGoodToBad, `${lp}.pGoodToBad`);
        probability(l.pBadToGood, `${lp}.pBadToGood`);
        probability(l.lossInGood, `${lp}.lossInGood`);
        probability(l.lossInBad, `${lp}.lossInBad`);
        break;
      default:
        throw new RangeError(`${lp}.kind must be one of bernoulli, gilbert-elliott, got ${show(l.kind)}`);
    }
  }

  if (prof.duplicate !== undefined) probability(prof.duplicate, `${p}.duplicate`);

  if (prof.reorder !== undefined) {
    const rp = `${p}.reorder`;
    const r = requireObject(prof.reorder, rp);
    allowKeys(r, ['p', 'extraDelayMs'], rp);
    probability(r.p, `${rp}.p`);
    nonNegative(r.extraDelayMs, `${rp}.extraDelayMs`);
  }

  if (prof.bandwidthBps !== undefined) {
    positive(prof.bandwidthBps, `${p}.bandwidthBps`);
    // Below 1 bit/s serialization times stop being finite numbers; no real link is that slow.
    if ((prof.bandwidthBps as number) < 1) throw new RangeError(`${p}.bandwidthBps must be >= 1 bit/s, got ${show(prof.bandwidthBps)}`);
  }
  if (prof.queueLimitBytes !== undefined) {
    positive(prof.queueLimitBytes, `${p}.queueLimitBytes`);
    // A queue limit without a rate would never fill: the queue drains instantly.
    if (prof.bandwidthBps === undefined) throw new RangeError(`${p}.queueLimitBytes needs ${p}.bandwidthBps`);
  }
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function requireObject(v: unknown, p: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RangeError(`${p} must be an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}

function requireArray(v: unknown, p: string): unknown[] {
  if (!Array.isArray(v)) throw new RangeError(`${p} must be an array, got ${show(v)}`);
  return v;
}

function requireEndpoint(v: unknown, p: string): string {
  if (typeof v !== 'string' || v === '') throw new RangeError(`${p} must be a non-empty endpoint string, got ${show(v)}`);
  return v;
}

function allowKeys(obj: Record<string, unknown>, allowed: readonly string[], p: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new RangeError(`${join(p, k)} is not a known field (expected one of ${allowed.join(', ')})`);
    }
  }
}

function probability(v: unknown, p: string): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`${p} must be in [0,1], got ${show(v)}`);
}

function nonNegative(v: unknown, p: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${p} must be a finite number >= 0, got ${show(v)}`);
}

function positive(v: unknown, p: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${p} must be a finite number > 0, got ${show(v)}`);
}
