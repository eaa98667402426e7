// The `state` query (the Temporal UI's Queries tab, `temporal workflow query --name state`) replays a
// closed run to its end: it answers only if the run's history replays with the current workflow code
// (docs/architecture.md, "Every history replays"). Each kind of closed run is queried here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherStateQuery, stateQuery } from '../../src/domain/signals.js';
import { workflowIds } from '../../src/domain/workflow-ids.js';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { sinkPool } from '../helpers/sink.js';
import { itWithCache, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();

beforeAll(async () => {
  stack = await startTestStack({
    ...fastRetries,
    // Three subscriptions are split into fan-out children; a dispatcher continues as new after 3 admissions.
    FANOUT_INLINE_MAX: '2',
    ORDERING_REORDER_WINDOW: '200ms',
    DISPATCHER_ADMISSIONS_PER_RUN: '3',
  });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

describe('the state query on closed runs', () => {
  it('answers on a completed event delivered to two subscribers on the first try', async () => {
    const source = await createCourierSource(stack);
    for (let i = 0; i < 2; i++) await subscribe(stack, (await sinks.start()).url, source.id);
    const sent = await source.send();
    const handle = stack.temporal.workflow.getHandle(sent.workflowId);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');

    const state = await handle.query(stateQuery);
    expect(state.status).toBe('delivered');
    expect(state.lanes.map((lane) => [lane.status, lane.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });

  it('answers on a completed event and on its completed fan-out child', async () => {
    const source = await createCourierSource(stack);
    for (let i = 0; i < 3; i++) await subscribe(stack, (await sinks.start()).url, source.id);
    const sent = await source.send();
    const handle = stack.temporal.workflow.getHandle(sent.workflowId);
    await handle.result();

    const state = await handle.query(stateQuery);
    expect(state.status).toBe('delivered');
    expect(state.fanoutWorkflowIds).toHaveLength(2);
    const children = await Promise.all(
      state.fanoutWorkflowIds.map((id) => stack.temporal.workflow.getHandle(id).query(stateQuery)),
    );
    expect(children.map((child) => child.lanes.length).sort()).toEqual([1, 2]);
    expect(children.flatMap((child) => child.lanes.map((lane) => lane.status))).toEqual(Array(3).fill('delivered'));
  });

  it('answers on a run an operator terminated while its lane was retrying', async () => {
    const source = await createCourierSource(stack);
    const sink = await sinks.start(() => ({ status: 503 }));
    await subscribe(stack, sink.url, source.id, {
      retryPolicy: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 50 },
    });
    const sent = await source.send();
    const handle = stack.temporal.workflow.getHandle(sent.workflowId);
    await waitFor(async () => sink.received.length >= 2, { what: 'the lane to have retried' });
    await handle.terminate('closed-run query test');
    expect((await handle.describe()).status.name).toBe('TERMINATED');

    const state = await handle.query(stateQuery);
    expect(state.status).toBe('delivering');
    expect(state.lanes.map((lane) => lane.status)).toEqual(['delivering']);
  });

  itWithCache('answers on each run of a FIFO dispatcher that continued as new', { timeout: 120_000 }, async () => {
    const source = await createCourierSource(stack);
    const sink = await sinks.start();
    const subscription = await subscribe(stack, sink.url, source.id, { ordering: 'fifo' });
    for (let i = 0; i < 7; i++) await source.send({ seq: i });
    await waitFor(async () => sink.received.length >= 7, { timeoutMs: 90_000, what: '7 FIFO deliveries' });

    const dispatcherId = workflowIds.dispatcher(subscription.id);
    const runs = await waitFor(
      async () => {
        const found = [];
        for await (const run of stack.temporal.workflow.list({
          query: `WorkflowId = "${dispatcherId}" AND ExecutionStatus = "ContinuedAsNew"`,
        }))
          found.push(run.runId);
        return found.length >= 2 ? found : undefined;
      },
      { what: 'two dispatcher runs that continued as new' },
    );
    for (const runId of runs) {
      const state = await stack.temporal.workflow.getHandle(dispatcherId, runId).query(dispatcherStateQuery);
      expect(state.subscriptionId).toBe(subscription.id);
      expect(state.admissions).toBeGreaterThanOrEqual(3);
    }
  });
});
