/**
 * Where the time goes, by cost category, from the .cpuprofile files `node --cpu-prof
 * --cpu-prof-dir=DIR` writes (one per thread). Each sample is charged to the first frame of its
 * stack (leaf upwards) that a category claims, so time inside node:crypto called from NEO counts
 * as crypto, and time in NEO's own code as NEO bookkeeping.
 *
 *   node --cpu-prof --cpu-prof-dir=DIR dist/src/cli.js run profile.yaml --headless
 *   npx tsx scripts/profile-breakdown.ts DIR/*.cpuprofile [--from-s S] [--to-s S] [--functions N]
 *
 * --from-s / --to-s keep only samples in that window of each thread's profile (seconds from its
 * start), e.g. to leave start-up out of a steady-state figure; --functions N lists the N busiest
 * functions (self time) of all threads in the window as well.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** First match wins; tested against "functionName url" of each frame, leaf first. */
const CATEGORIES: readonly (readonly [string, RegExp])[] = [
  ['idle', /^\(idle\) /],
  ['gc', /^\(garbage collector\) /],
  ['crypto: ed25519 verify', /^verifyOneShot |^verify node:internal\/crypto\/sig|ed25519-native\.js/],
  ['crypto: ed25519 sign', /^signOneShot |^sign node:internal\/crypto\/sig/],
  ['crypto: x25519', /diffieHellman|node:internal\/crypto\/diffiehellman/],
  ['crypto: hashing (MACs, digests)', /node:internal\/crypto\/hash|createHmac|crypto\/pairwise\.js|crypto\/hash\.js/],
  ['crypto: commitments (cipher)', /node:internal\/crypto\/cipher|crypto\/aead\.js|crypto\/commitment\.js|npm:@noble\/ciphers|node_modules\/@noble\/ciphers/],
  ['crypto: noble hashes', /npm:@noble\/hashes|node_modules\/@noble\/hashes/],
  ['crypto: other', /node:internal\/crypto\//],
  ['socket send/receive', /node:dgram|dgram-as-promised|^\(?(send|recv)|udp_wrap|onMessage /],
  ['codec (wire)', /dist\/src\/wire\//],
  ['shaping', /dist\/src\/net\/shaping\/|deferred-shaper/],
  ['transport pipeline', /dist\/src\/net\//],
  ['timer queue', /dist\/src\/time\/|node:internal\/timers/],
  ['telemetry / histograms', /hdr-histogram-js|dist\/src\/metrics\/|node:internal\/worker|MessagePort|structuredClone|serialize/],
  ['NEO bookkeeping', /dist\/src\/neo\//],
  ['game', /dist\/src\/game\//],
  ['groups', /dist\/src\/groups\//],
  ['DHT', /dist\/src\/dht\//],
  ['authority / identity', /dist\/src\/auth\/|better-sqlite3/],
  ['attacks', /dist\/src\/attacks\//],
  ['shard / controller', /dist\/workers\/|dist\/src\/controller\/|dist\/src\/scenario\//],
  ['ui / report', /dist\/src\/ui\/|dist\/src\/report\/|npm:ink|node_modules\/(ink|react)/],
  ['buffers / hex', /node:buffer|node:internal\/buffer|hexSlice|latin1Slice|^\(?(slice|subarray) /],
  ['module loading', /node:internal\/modules|cjs-module-lexer|compileSourceTextModule|node:internal\/url/],
  ['promises / microtasks', /node:internal\/process\/task_queues|processTicksAndRejections|runMicrotasks/],
];

const args = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
  return value;
};
const fromS = option('--from-s') ?? 0;
const topFunctions = option('--functions') ?? 0;
const toS = option('--to-s') ?? Infinity;
if (args.length === 0) {
  console.error('usage: profile-breakdown.ts FILE.cpuprofile... [--from-s S] [--to-s S]');
  process.exit(2);
}

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, 'npm:$1').replace(/^.*\/dist\//, 'dist/');

const grand = new Map<string, number>();
const functions = new Map<string, number>();
let grandBusy = 0;
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = categoryOf.get(id);
    if (known !== undefined) return known;
    let category = 'other';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (byId.get(at) as ProfileNode).callFrame;
      const label = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}`;
      const hit = CATEGORIES.find(([, pattern]) => pattern.test(label));
      if (hit) {
        category = hit[0];
        break;
      }
    }
    categoryOf.set(id, category);
    return category;
  };
  const totals = new Map<string, number>();
  let elapsedUs = 0;
  let windowUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    elapsedUs += dt;
    if (elapsedUs < fromS * 1e6 || elapsedUs > toS * 1e6) return;
    windowUs += dt;
    const category = classify(id);
    totals.set(category, (totals.get(category) ?? 0) + dt);
    if (topFunctions > 0 && category !== 'idle') {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const name = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}`;
      functions.set(name, (functions.get(name) ?? 0) + dt);
    }
  });
  const busy = windowUs - (totals.get('idle') ?? 0);
  grandBusy += busy;
  console.log(`\n${file}\n  window ${(windowUs / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / Math.max(1, windowUs)).toFixed(0)} %)`);
  for (const [category, us] of [...totals].filter(([c]) => c !== 'idle').sort((a, b) => b[1] - a[1])) {
    grand.set(category, (grand.get(category) ?? 0) + us);
    console.log(`  ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${category}`);
  }
}
if (args.length > 1) {
  console.log(`\nall threads: busy ${(grandBusy / 1e6).toFixed(2)} s`);
  for (const [category, us] of [...grand].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${((100 * us) / Math.max(1, grandBusy)).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${category}`);
  }
}
if (topFunctions > 0) {
  console.log(`\nbusiest functions (self time, all threads):`);
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, topFunctions)) {
    console.log(`  ${((100 * us) / Math.max(1, grandBusy)).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${name}`);
  }
}
