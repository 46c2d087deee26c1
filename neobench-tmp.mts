import { startNeoGroup } from './src/neo/index.ts';
import { createTimerQueue } from './src/time/timer-queue.ts';
import { systemClock } from './src/time/clock.ts';
const GROUPS = Number(process.argv[2] ?? 4), ROUNDS = Number(process.argv[3] ?? 100);
const scheduler = createTimerQueue({ clock: systemClock });
const groups = [];
for (let g = 0; g < GROUPS; g++) groups.push(await startNeoGroup({ members: 8, rounds: ROUNDS, roundMs: 100, seed: `b${g}`, deferStart: true, shaping: () => ({ default: { delay: { kind: 'normal', meanMs: 20, stdMs: 5 } } }) }, { scheduler }));
const start = systemClock.nowMs() + 200;
groups.forEach((g, i) => g.begin(start + Math.floor(((i * 0.618) % 1) * 100)));
await new Promise((r) => setTimeout(r, 200 + 2000));
const c0 = process.cpuUsage(); const t0 = performance.now();
const played0 = groups.reduce((n, g) => n + g.sessions.reduce((m, s) => m + s.counterSnapshot().roundsPlayed, 0), 0);
await new Promise((r) => setTimeout(r, (ROUNDS * 100) - 4000));
const c1 = process.cpuUsage(c0);
{
  const fs = await import('node:fs');
  const rows = fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid, comm, ticks: Number(f[11]) + Number(f[12]) };
  });
  const byName = new Map<string, number>();
  for (const r of rows) byName.set(r.comm + ":" + r.tid, r.ticks);
  console.log('thread CPU ticks (whole life, 10 ms each):', JSON.stringify([...byName]));
}
const played1 = groups.reduce((n, g) => n + g.sessions.reduce((m, s) => m + s.counterSnapshot().roundsPlayed, 0), 0);
const mr = played1 - played0;
console.log(`${GROUPS * 8} peers one thread: ${(((c1.user + c1.system)) / mr).toFixed(0)} µs per member-round (${mr} member-rounds, ${(((c1.user + c1.system) / 1e6) / ((performance.now() - t0) / 1000)).toFixed(2)} cores)`);
await Promise.all(groups.map((g) => g.finished));
const res = await Promise.all(groups.map((g) => g.stop()));
console.log('accepted', res.reduce((n, r) => n + r.counters.accepted, 0), 'dropped', res.reduce((n, r) => n + r.counters.dropped, 0), 'lateness p99', res[0]!.timerLatenessMs.p99);
process.exit(0);
