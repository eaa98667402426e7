// Baseline worker process: `BASELINE_TEMPORAL_ADDRESS`, `BASELINE_TASK_QUEUE`; prints `baseline_worker_started` when polling.
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities.js';

const address = process.env.BASELINE_TEMPORAL_ADDRESS;
const taskQueue = process.env.BASELINE_TASK_QUEUE;
if (!address || !taskQueue) throw new Error('BASELINE_TEMPORAL_ADDRESS and BASELINE_TASK_QUEUE are required');

Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
  taskQueue,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
});
process.on('SIGTERM', () => worker.shutdown());
process.on('SIGINT', () => worker.shutdown());
const running = worker.run();
process.stdout.write(`baseline_worker_started ${taskQueue}\n`);
await running.finally(() => connection.close());
process.exit(0);
