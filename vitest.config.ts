import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests bind real UDP sockets and run real crypto; the machines are shared and
    // noisy, so tests assert counts and invariants and get generous time-outs instead of limits.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
