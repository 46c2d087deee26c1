import { defineConfig } from 'vitest/config';

// Integration tests bind real UDP sockets and run real crypto; the machines are shared and noisy,
// so tests assert counts and invariants and get generous time-outs instead of limits.
const shared = { testTimeout: 120_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['test/**/*.timing.test.ts'],
        },
      },
      {
        // Protocols whose outcome depends on timeliness (NEO rounds, lockstep turns) run after the
        // rest, one file at a time, so a CPU-heavy neighbour cannot make honest messages late.
        test: {
          ...shared,
          name: 'timing',
          include: ['test/**/*.timing.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
