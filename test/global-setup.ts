// Provisions a test-owned Temporal dev server and a throwaway PostgreSQL database, exactly the way
// the dev stack does, so a running `npm start` never interferes with `npm test`.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { writeEntryBundles, type EntryBundles } from './helpers/entry-bundles.js';
import { writeWorkflowBundle } from './helpers/workflow-bundle-file.js';
import 'vitest';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.js';
import { startInfrastructure } from '../src/dev/dev-stack.js';
import { freePort } from '../src/dev/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
    temporalCliPath: string;
    /** The suite's Temporal dev server log (failure-report.ts prints its tail). */
    temporalLogPath: string;
    /** The API, worker and CLI entries compiled for child processes (test/helpers/entry-bundles.ts). */
    entryBundles: EntryBundles;
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer(databaseUrl: string, statement: string): Promise<void> {
  const admin = postgres(withDatabase(databaseUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: undefined });
  const database = `hookflow_test_${project.name}_${Date.now().toString(36)}_${process.pid}`;
  // With DATABASE_URL the run gets its own database on that server; without, one in the embedded cluster.
  if (config.DATABASE_URL) await onServer(config.DATABASE_URL, `create database "${database}"`);
  const temporalLogPath = resolve(config.DATA_DIR, 'test', `temporal-${project.name}-${process.pid}.log`);
  const infra = await startInfrastructure(
    { ...config, DATABASE_URL: config.DATABASE_URL && withDatabase(config.DATABASE_URL, database) },
    {
      temporalPort: await freePort(),
      temporalLogFile: temporalLogPath,
      postgresDir: join(config.DATA_DIR, `test-postgres-${project.name}`),
      database,
      log: (line) => console.log(`[test-setup] ${line}`),
    },
  );
  const workflowBundlePath = await writeWorkflowBundle(
    resolve(config.DATA_DIR, 'test'),
    `workflow-bundle-${project.name}-${process.pid}.js`,
  );

  const entriesName = `entries-${project.name}-${process.pid}`;
  const entryBundles = await writeEntryBundles(entriesName);

  project.provide('temporalAddress', infra.temporalAddress);
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('temporalCliPath', infra.temporalCliPath ?? 'temporal');
  project.provide('temporalLogPath', temporalLogPath);
  project.provide('entryBundles', entryBundles);
  console.log(
    `[test-setup] Temporal ${infra.temporalAddress}, PostgreSQL database ${database} ready in ${Date.now() - started} ms`,
  );

  return async () => {
    // The servers stop even when the database cannot be dropped (PostgreSQL gone): no process is left behind.
    try {
      await onServer(infra.databaseUrl, `drop database if exists "${database}" with (force)`);
    } finally {
      await infra.stop();
      rmSync(temporalLogPath, { force: true });
      rmSync(workflowBundlePath, { force: true });
      rmSync(dirname(entryBundles.cli), { recursive: true, force: true });
    }
  };
}
