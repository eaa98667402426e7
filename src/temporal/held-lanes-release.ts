import type { Client } from '@temporalio/client';
import { resumeHeldSignal } from '../domain/signals.js';
import { searchAttributes } from '../domain/search-attributes.js';

/**
 * Signals `resumeHeld` to every running workflow whose `HookflowPaused` names the subscription, so its
 * held lanes try again now (README "Pause and circuit breaker"). Visibility trails by a moment: a lane
 * that began waiting just before is not listed yet and goes on at its recheck time instead. Returns
 * how many workflows were signalled.
 */
export async function resumeHeldLanes(client: Client, subscriptionId: string): Promise<number> {
  const query = `${searchAttributes.paused.name} = ${JSON.stringify(subscriptionId)} AND ExecutionStatus = "Running"`;
  let signalled = 0;
  for await (const execution of client.workflow.list({ query })) {
    try {
      await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .signal(resumeHeldSignal, { subscriptionId });
      signalled += 1;
    } catch {
      // It closed meanwhile: nothing of it is waiting any more.
    }
  }
  return signalled;
}
