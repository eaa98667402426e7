import { defineConfig } from 'vitest/config';

const CACHELESS = [
  'test/integration/delivery.test.ts',
  'test/integration/processing.test.ts',
  'test/integration/replay-window.test.ts',
  'test/integration/fifo-acceptance-floor.test.ts',
  'test/integration/closed-run-queries.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // The default output, then the 10 slowest files with their durations.
    reporters: ['default', './test/reporters/slowest-files.ts'],
    projects: [
      // Pure logic, HTTP through app.request, and workflow logic on a local Temporal test server:
      // none of them needs the shared stack, so they skip its set-up.
      { extends: true, test: { name: 'fast', include: ['test/unit/**/*.test.ts', 'test/workflows/**/*.test.ts'] } },
      // Real Temporal dev server + PostgreSQL, provisioned once for the run by the global setup.
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'],
          // A fork runs its files one after another with the modules it imported already loaded
          // (Temporal's SDK, drizzle, the app): on 2 saturated cores that is ~1.7 s of CPU saved per
          // file. Each file still gets its own stack, task queue and sources; setup files run per file.
          isolate: false,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/helpers/failure-report.ts'],
        },
      },
      // The workflow-heavy files again with a worker that caches no workflow: every workflow task
      // replays the whole history, so a command that depends on cache state or on how activations
      // were batched fails here with the same assertions (own Temporal and PostgreSQL, like above).
      {
        extends: true,
        test: {
          name: 'cacheless',
          include: CACHELESS,
          isolate: false,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/helpers/failure-report.ts'],
          env: { TEST_WORKER_MAX_CACHED_WORKFLOWS: '0' },
          // Waits there have 4× the ceilings (test/helpers/wait.ts); tests get room for them.
          testTimeout: 240_000,
        },
      },
    ],
  },
});
