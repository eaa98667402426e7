// `npx tsx bench/baselines/run-standalone.ts [--events 200] [--concurrency 100]`: the three bare delivery
// baselines alone, on a fresh in-memory Temporal dev server (CLI from TEMPORAL_CLI_PATH or .data/bin/temporal).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/dev/free-port.js';
import { stopChild } from '../../src/dev/child-processes.js';
import { runDeliveryBaselines } from './suite.js';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const say = (line: string) => process.stdout.write(`[baselines] ${line}\n`);

/** Connects once the dev server answers, or throws after `timeoutMs`. */
async function connectWhenUp(address: string, timeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const cli = process.env.TEMPORAL_CLI_PATH ?? fileURLToPath(new URL('../../.data/bin/temporal', import.meta.url));
const port = await freePort();
const server = spawn(
  cli,
  ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let serverLog = '';
server.stderr!.on('data', (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-4_000)));
try {
  const address = `127.0.0.1:${port}`;
  const connection = await connectWhenUp(address, 60_000).catch((error: unknown) => {
    throw new Error(`Temporal dev server did not come up: ${String(error)}\n${serverLog}`);
  });
  try {
    const results = await runDeliveryBaselines({
      client: new Client({ connection }),
      temporalAddress: address,
      temporalPid: server.pid,
      events: option('events', 200),
      concurrency: option('concurrency', 100),
      log: say,
    });
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await connection.close();
  }
} finally {
  await stopChild(server, 5_000);
}
