/**
 * Where the CPU goes, native code included, from Linux `perf` samples of a whole run. The V8
 * profiler (`--cpu-prof`, scripts/profile-breakdown.ts) charges what a thread does outside
 * JavaScript — receiving datagrams, the allocations Node makes for each one, system calls — to
 * "(idle)", and it never sees V8's garbage-collection helper threads: at 64 peers that was about a
 * third of the workers' CPU. perf sees every thread and every frame.
 *
 *   node --perf-basic-prof dist/src/cli.js run profile.yaml --headless &
 *   perf record -F 499 -g -p <pid> -o perf.data -- sleep 12
 *   perf script -i perf.data -F tid,ip,sym > perf.txt
 *   npx tsx scripts/perf-breakdown.ts perf.txt [--top N]
 *
 * Each sample goes to the first category (leaf upwards, over the whole stack) whose pattern a
 * frame matches; a sample no category claims is charged to the file of its innermost JavaScript
 * frame ("js <folder>/<file>"), or to its leaf symbol when it has none.
 */
import { readFileSync } from 'node:fs';

const CATEGORIES: readonly (readonly [string, RegExp])[] = [
  ['gc', /Scavenge|MarkCompact|ConcurrentMarking|Heap::|GCTracer|Sweeper|MinorMark|IncrementalMarking|MemoryAllocator|Evacuat/],
  ['ed25519 sign', /ed25519_sign|ed25519_digest_sign|signOneShot/],
  ['ed25519 verify', /ed25519_verify|verifyOneShot/],
  ['x25519', /x25519|X25519/],
  ['sha-256 (node one-shot)', /OneShotDigest|sha256_block|EVP_Digest/],
  ['chacha20 (native)', /chacha|ChaCha/],
  ['sendmsg', /sendmsg|UDPWrap::DoSend|UDPWrap::Send/],
  ['recvmsg', /recvmsg/],
  ['epoll', /epoll/],
  ['ArrayBuffer allocation', /ArrayBuffer|BackingStore|OnAlloc|CreateTypedArray|TypedArrayPrototype|DataView/],
  ['malloc / free', /malloc|free|unlink_chunk|consolidate/],
];

function categorize(stack: readonly string[]): string {
  for (const frame of stack) for (const [name, pattern] of CATEGORIES) if (pattern.test(frame)) return name;
  for (const frame of stack) {
    const js = /JS:[*^~]?\S* (?:file:\/\/\/\S*?\/dist\/)?(\S+?):\d+/.exec(frame);
    if (js) return `js ${(js[1] as string).split('/').slice(-2).join('/')}`;
  }
  return `native: ${(stack[0] ?? '?').slice(0, 60)}`;
}

function main(argv: readonly string[]): void {
  const file = argv.find((a) => !a.startsWith('--'));
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 40;
  if (!file || !Number.isInteger(top) || top <= 0) {
    process.stderr.write('usage: tsx scripts/perf-breakdown.ts PERF_SCRIPT_OUTPUT [--top N]\n');
    process.exit(2);
  }
  const totals = new Map<string, number>();
  const threads = new Map<string, number>();
  let samples = 0;
  let stack: string[] = [];
  let thread = '';
  const flush = (): void => {
    if (stack.length === 0) return;
    samples++;
    const category = categorize(stack);
    totals.set(category, (totals.get(category) ?? 0) + 1);
    threads.set(thread, (threads.get(thread) ?? 0) + 1);
    stack = [];
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') flush();
    else if (!/^\s/.test(line)) thread = line.trim().split(/\s+/)[0] ?? '';
    else stack.push(line.trim().split(/\s+/).slice(1).join(' '));
  }
  flush();
  console.log(`${samples} samples`);
  for (const [category, n] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * n) / samples).toFixed(2).padStart(6)} %  ${category}`);
  console.log('by thread (id: share of samples):', [...threads].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t}: ${((100 * n) / samples).toFixed(1)} %`).join(', '));
}

main(process.argv.slice(2));
