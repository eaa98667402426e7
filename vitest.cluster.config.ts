import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the main integration scenarios against the production topology (a Temporal
 * server on PostgreSQL with SQL visibility, src/dev/temporal-cluster.ts) instead of the dev server.
 * Not part of `npm test`: the first run builds the Temporal server, its SQL tool and Web UI server.
 */
export default defineConfig({
  test: {
    name: 'cluster',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 900_000,
    teardownTimeout: 60_000,
    reporters: ['default', './test/reporters/slowest-files.ts'],
    include: [
      'test/integration/ingress.test.ts',
      'test/integration/delivery.test.ts',
      'test/integration/lanes.test.ts',
      'test/integration/replay-window.test.ts',
      'test/integration/operator-updates.test.ts',
      'test/integration/delivery-policy.test.ts',
      'test/integration/cli-operator.test.ts',
      'test/integration/events-paging.test.ts',
      'test/integration/closed-run-queries.test.ts',
    ],
    globalSetup: ['test/cluster-global-setup.ts'],
    setupFiles: ['test/helpers/failure-report.ts'],
  },
});
