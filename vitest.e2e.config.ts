import { defineConfig } from 'vitest/config';

// Suites that need outside tools: dig, kubectl, and the real control plane built by
// scripts/build-e2e-bins.sh. Missing tools fail these tests; they are never skipped.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
