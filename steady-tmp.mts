// Steady-state CPU per member-round: process CPU between snapshots / member-rounds in between.
import { runScenario } from '/work/main/src/controller/index.ts';
import { loadProfile } from '/work/main/src/scenario/profile.ts';
const [path, peersArg, durArg] = process.argv.slice(2);
const profile = loadProfile(path!, { peers: peersArg ? Number(peersArg) : undefined, durationS: durArg ? Number(durArg) : undefined });
let last = process.cpuUsage(); let lastT = performance.now();
const rows: { cpu: number; mr: number; loop: number; late: number }[] = [];
const out = await runScenario(profile, { onSnapshot: (s) => {
  const now = process.cpuUsage(); const t = performance.now();
  const cpuUs = now.user - last.user + now.system - last.system; const dt = (t - lastT) / 1000;
  last = now; lastT = t;
  const mr = s.rates.roundsPerS * s.peersAlive * dt;
  if (s.phase !== 'starting' && s.elapsedS > 5) rows.push({ cpu: cpuUs, mr, loop: s.health.eventLoopP99Ms, late: s.health.timerLatenessP99Ms });
}});
const cpu = rows.reduce((a, r) => a + r.cpu, 0), mr = rows.reduce((a, r) => a + r.mr, 0);
const sorted = (k: 'loop' | 'late') => rows.map((r) => r[k]).sort((a, b) => a - b);
const med = (a: number[]) => a[Math.floor(a.length / 2)] ?? 0;
console.log(`peers ${profile.peers}: steady CPU per member-round ${(cpu / mr).toFixed(0)} µs over ${rows.length} s (${(cpu / rows.length / 1e6).toFixed(2)} cores); loop p99 median ${med(sorted('loop')).toFixed(1)} ms, lateness p99 median ${med(sorted('late')).toFixed(1)} ms max ${Math.max(...sorted('late')).toFixed(1)}; run lateness p99 ${out.report.harness.timerLatenessMsP99.toFixed(1)} saturated ${out.report.harness.saturated}; accepted ${out.report.neo?.updates.accepted}/${out.report.neo?.updates.sent}`);
process.exit(0);
