import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { stopChild } from '../../src/dev/child-processes.js';
import { spawnTs } from '../runner/spawn-ts.js';
import { runDeliveryBaseline, type BaselineResult, type BaselineShape } from './delivery-baseline.js';

export interface BaselineSuiteOptions {
  client: Client;
  temporalAddress: string;
  temporalPid?: number | undefined;
  events: number;
  concurrency: number;
  log: (line: string) => void;
  /** Called with the worker process as soon as it runs (so the caller's cleanup can stop it too). */
  track?: (child: ChildProcess) => void;
}

export type BaselineSuiteResult = Record<BaselineShape, BaselineResult>;

const shapes: BaselineShape[] = ['flat', 'child', 'localFirst'];

/** Runs the three bare delivery shapes, one after the other, on a baseline worker process of their own. */
export async function runDeliveryBaselines(options: BaselineSuiteOptions): Promise<BaselineSuiteResult> {
  const taskQueue = `bench-delivery-baseline-${Date.now().toString(36)}`;
  const worker = await spawnTs(
    'bench/baselines/worker.ts',
    { ...process.env, BASELINE_TEMPORAL_ADDRESS: options.temporalAddress, BASELINE_TASK_QUEUE: taskQueue },
    'baseline_worker_started',
  );
  options.track?.(worker);
  try {
    const common = {
      client: options.client,
      taskQueue,
      concurrency: options.concurrency,
      temporalPid: options.temporalPid,
      workerPid: worker.pid,
      log: options.log,
    };
    // A short warm-up of every shape, so none of them pays for the worker's cold start.
    for (const shape of shapes)
      await runDeliveryBaseline({ ...common, shape, events: 20, history: false, stallMs: 20_000 });
    const results: Partial<BaselineSuiteResult> = {};
    for (const shape of shapes) {
      options.log(`e2e baseline ${shape}: ${options.events} events…`);
      const result = await runDeliveryBaseline({ ...common, shape, events: options.events });
      options.log(
        `  ${shape}: ${result.delivered}/${result.expected} in ${result.seconds} s = ${result.deliveriesPerSec}/s, ${result.historyEventsPerDelivery} history events/delivery, CPU ${JSON.stringify(result.cpuPercentOfOneCore)}`,
      );
      results[shape] = result;
    }
    return results as BaselineSuiteResult;
  } finally {
    await stopChild(worker, 10_000);
  }
}
