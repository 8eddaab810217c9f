import { defineConfig } from 'vitest/config';

// Real-build e2e suite (docker lab): long timeouts, one file at a time, full console output.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
