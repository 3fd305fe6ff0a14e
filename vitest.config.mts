import { defineConfig } from 'vitest/config';

// Synthesizing stacks is CPU-bound on 2-core CI machines,
// so infrastructure tests get generous timeouts; the app and Lambda tests stay fast.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'infra',
          include: ['test/config/**/*.test.ts', 'test/constructs/**/*.test.ts', 'test/stacks/**/*.test.ts', 'test/examples/**/*.test.ts', 'test/delivery/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Synthesizes dev and prod once per file, then simulates the access-path table offline.
        test: {
          name: 'access',
          include: ['test/access/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'lambda',
          include: ['test/lambda/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Histogram merging, and the generator against the app on a throwaway PostgreSQL and S3 on moto.
        test: {
          name: 'loadtest',
          include: ['test/loadtest/**/*.test.ts', 'test/capacity/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'app',
          include: ['test/app/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
