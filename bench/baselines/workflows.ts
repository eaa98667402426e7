// Workflows of the bare Temporal delivery baselines (deterministic: @temporalio/workflow and activity types only).
import {
  ActivityFailure,
  ApplicationFailure,
  executeChild,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type * as activities from './activities.js';
import type { DeliveryInput } from './activities.js';

export interface BaselineEventInput {
  eventId: string;
  urls: string[];
  body: string;
}

const retry: RetryPolicy = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s' };
const { postDelivery } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s', retry });
const { postDelivery: postOnceLocally } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

const deliveries = (input: BaselineEventInput): DeliveryInput[] =>
  input.urls.map((url) => ({ eventId: input.eventId, url, body: input.body }));

/** (a) flat: one activity per subscriber, all concurrently, retried by Temporal. */
export async function flatEventWorkflow(input: BaselineEventInput): Promise<void> {
  await Promise.all(deliveries(input).map((delivery) => postDelivery(delivery)));
}

/** One delivery as its own workflow: the child of shape (b). */
export async function deliveryChildWorkflow(delivery: DeliveryInput): Promise<void> {
  await postDelivery(delivery);
}

/** (b) child: one child workflow per subscriber, awaited together. */
export async function childEventWorkflow(input: BaselineEventInput): Promise<void> {
  const parentId = workflowInfo().workflowId;
  await Promise.all(
    deliveries(input).map((delivery, i) =>
      executeChild(deliveryChildWorkflow, { workflowId: `${parentId}:d${i}`, args: [delivery] }),
    ),
  );
}

/** (c) localFirst: the first attempt as a local activity; after a failure, the retry policy's wait and then a regular activity for the rest. */
export async function localFirstEventWorkflow(input: BaselineEventInput): Promise<void> {
  await Promise.all(
    deliveries(input).map(async (delivery) => {
      try {
        await postOnceLocally(delivery);
      } catch (error) {
        // A local activity out of attempts surfaces as ActivityFailure or as the ApplicationFailure itself.
        if (!(error instanceof ActivityFailure) && !(error instanceof ApplicationFailure)) throw error;
        await sleep(retry.initialInterval!);
        await postDelivery(delivery);
      }
    }),
  );
}
