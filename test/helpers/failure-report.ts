// A setup file of the projects that run stacks (vitest.config.ts): when a test fails, it prints what
// the next person needs to explain a red run they cannot reproduce. For every stack still running in
// the file: the tail of its API's and worker's log, its outbox, ledger, delivery and dead-letter
// counts, and its open workflows; then the tail of the suite's Temporal dev server log. And when a
// stack's histories did not replay as it stopped, it fails the file — after the file's own afterAll
// hooks (registered first, this one runs last), so what the file started is stopped either way.
import { count, sql } from 'drizzle-orm';
import { afterAll, beforeEach, inject } from 'vitest';
import { deadLetters, deliveries, events, ingressOutbox } from '../../src/db/schema.js';
import { fileTail } from './log-tail.js';
import { liveStacks, unreplayable, type TestStack } from './stack.js';

const grouped = async (stack: TestStack, table: typeof deliveries | typeof deadLetters | typeof events) => {
  const rows = await stack.db.select({ status: table.status, n: count() }).from(table).groupBy(table.status);
  return rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'none';
};

async function describeStack(stack: TestStack): Promise<string> {
  const queue = stack.config.TEMPORAL_TASK_QUEUE;
  const counts = await Promise.all([
    stack.db
      .select({ n: count() })
      .from(ingressOutbox)
      .then((r) => `outbox rows ${r[0]!.n}`),
    grouped(stack, events).then((s) => `events: ${s}`),
    grouped(stack, deliveries).then((s) => `deliveries: ${s}`),
    grouped(stack, deadLetters).then((s) => `dead letters: ${s}`),
    stack.db.execute(sql`select 1`).then(() => 'database reachable'),
  ]).catch((error: Error) => [`database: ${error.message}`]);
  const running = await stack.temporal.workflow
    .count(`TaskQueue = "${queue}" AND ExecutionStatus = "Running"`)
    .then((r) => `running workflows on ${queue}: ${r.count}`)
    .catch((error: Error) => `Temporal: ${error.message}`);
  return [
    `--- stack ${stack.url} (task queue ${queue}); whole database: ${counts.join('; ')}`,
    running,
    `--- its API and worker log (last lines, warn and up):`,
    stack.logTail.text() || '(nothing logged)',
  ].join('\n');
}

beforeEach(({ onTestFailed }) => {
  onTestFailed(async ({ task }) => {
    const parts = [`\n===== diagnostics for the failed test "${task.name}" =====`];
    for (const stack of liveStacks) parts.push(await describeStack(stack));
    parts.push(`--- the suite's Temporal dev server log (tail):`, await fileTail(inject('temporalLogPath')));
    console.error(parts.join('\n'));
  });
});

afterAll(() => {
  const failures = unreplayable.splice(0);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, failures.map((f) => f.message).join('\n'));
});
