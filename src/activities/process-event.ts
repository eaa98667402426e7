import { ApplicationFailure } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import { sendRequest } from '../delivery/http-client.js';
import { lanePolicyFor } from '../delivery/lane-policy.js';
import { matchSubscriptions } from '../delivery/subscription-matching.js';
import { buildPolicies } from '../temporal/policies-from-config.js';
import { deliveries, events, sources, subscriptions } from '../db/schema.js';
import { newId } from '../ids.js';
import { workflowIds } from '../domain/workflow-ids.js';
import { processingFailureTypes } from '../domain/failures.js';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import { ProcessingRejected } from '../processing/processor.js';
import { processorNamed } from '../processing/registry.js';
import type { ProcessEventInput, ProcessEventResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';

const FETCHED_DOCUMENT_MAX_BYTES = 1024 * 1024;

/**
 * Runs the source's processor on the stored event, then routes it: creates one `deliveries` row
 * per matching enabled subscription (idempotently) and returns them for the workflow to fan out.
 */
export function processEventActivity({ db, config }: ActivityDependencies) {
  const defaultRetry = buildPolicies(config).deliveryRetry;
  const targetPolicy = { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS };
  return async function processEvent(input: ProcessEventInput): Promise<ProcessEventResult> {
    const event = await db.query.events.findFirst({ where: eq(events.id, input.eventId) });
    if (!event)
      throw ApplicationFailure.nonRetryable(
        `event ${input.eventId} is not in the ledger`,
        processingFailureTypes.rejected,
      );
    const source = await db.query.sources.findFirst({
      where: eq(sources.id, event.sourceId),
      columns: { processor: true },
    });
    const processor = source?.processor ?? { name: 'passthrough' };
    if (processor.name !== 'passthrough') {
      try {
        const processed = await processorNamed(processor.name).process(event.payload, processor, {
          fetch: (request) =>
            sendRequest(
              { ...request, timeoutMs: config.DELIVERY_TIMEOUT_MS, maxResponseBytes: FETCHED_DOCUMENT_MAX_BYTES },
              targetPolicy,
            ),
        });
        await db
          .update(events)
          .set({ processedPayload: processed as object })
          .where(eq(events.id, event.id));
      } catch (error) {
        if (error instanceof ProcessingRejected)
          throw ApplicationFailure.nonRetryable(error.message, processingFailureTypes.rejected);
        throw error;
      }
    }

    const candidates = await db
      .select({
        id: subscriptions.id,
        url: subscriptions.url,
        enabled: subscriptions.enabled,
        eventTypes: subscriptions.eventTypes,
        sourceIds: subscriptions.sourceIds,
        retryPolicy: subscriptions.retryPolicy,
        maxInFlight: subscriptions.maxInFlight,
        ordering: subscriptions.ordering,
        orderingKey: subscriptions.orderingKey,
        onDeadLetter: subscriptions.onDeadLetter,
      })
      .from(subscriptions)
      .where(eq(subscriptions.enabled, true));
    // An operational event names the subscription it is about; that one never receives it.
    const about =
      event.sourceId === OPERATIONAL_SOURCE ? (event.payload as { subscriptionId?: string }).subscriptionId : undefined;
    const matched = matchSubscriptions(candidates, { ...event, aboutSubscriptionId: about });
    // Lanes in a stable order; past FANOUT_INLINE_MAX they are split into `fanout:` children, and
    // each delivery row names the workflow that runs it.
    matched.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const inlineMax = config.FANOUT_INLINE_MAX;
    const split = matched.length > inlineMax;
    const laneWorkflow = (index: number) =>
      split ? workflowIds.fanout(event.id, Math.floor(index / inlineMax)) : input.workflowId;
    const policies = matched.map((s) => lanePolicyFor(s, event, defaultRetry));
    // A retried activity finds the rows its first try created: the no-op update makes RETURNING
    // answer for existing rows too, so one statement serves both.
    const rows = matched.length
      ? await db
          .insert(deliveries)
          .values(
            matched.map((s, index) => {
              const admission = policies[index]!.admission;
              return {
                id: newId('dlv'),
                eventId: event.id,
                subscriptionId: s.id,
                workflowId: laneWorkflow(index),
                orderingQueue: admission?.fifo ? admission.dispatcherId : null,
              };
            }),
          )
          .onConflictDoUpdate({
            target: [deliveries.eventId, deliveries.subscriptionId],
            set: { eventId: sql`excluded.event_id` },
          })
          .returning({ id: deliveries.id, subscriptionId: deliveries.subscriptionId })
      : [];
    await db
      .update(events)
      .set({ status: matched.length ? 'dispatched' : 'skipped' })
      .where(eq(events.id, event.id));
    const deliveryIds = new Map(rows.map((r) => [r.subscriptionId, r.id]));
    return {
      deliveries: matched.map((s, index) => ({
        deliveryId: deliveryIds.get(s.id)!,
        subscriptionId: s.id,
        url: s.url,
        workflowId: laneWorkflow(index),
        policy: policies[index]!,
      })),
    };
  };
}
