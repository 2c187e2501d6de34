import { defineConfig } from 'vitest/config';

// The Node-only suite: everything under test/ except the outside-tool suites in test/e2e.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The V8 flags bin/ordinal.js runs the product with (2 MB semi-spaces), so that the suites
    // that measure memory and latency measure the heap the product has, not V8's defaults.
    execArgv: ['--max-semi-space-size=2'],
    // The embedded API server freezes what it stores (src/local/api/store.ts), so that a write
    // path that mutates a stored object, and with it the versions that share its parts, throws.
    env: { ORDINAL_STORE_FREEZE: '1' },
  },
});
