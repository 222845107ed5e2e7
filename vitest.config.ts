import { defineConfig } from 'vitest/config';

// Two projects: the sidecar's own tests, and cross-package tests that start real
// binaries (Prometheus, Chromium) and so run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'sidecar',
          root: './sidecar',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cross',
          root: './test',
          include: ['**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
