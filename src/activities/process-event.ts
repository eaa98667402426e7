import { ApplicationFailure } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import { sendRequest } from '../delivery/http-client.js';
import { matchSubscriptions } from '../delivery/subscription-matching.js';
import { deliveries, events, sources, subscriptions } from '../db/schema.js';
import { newId } from '../ids.js';
import { workflowIds } from '../workflow-ids.js';
import { OPERATIONAL_SOURCE } from '../operational-events.js';
import { ProcessingRejected } from '../processing/processor.js';
import { processorNamed } from '../processing/registry.js';
import type { ProcessEventResult } from '../workflows/types.js';
import type { ActivityDependencies } from './deps.js';

const FETCHED_DOCUMENT_MAX_BYTES = 1024 * 1024;

/**
 * Runs the source's processor on the stored event, then routes it: creates one `deliveries` row
 * per matching enabled subscription (idempotently) and returns them for the workflow to fan out.
 */
export function processEventActivity({ db, config }: ActivityDependencies) {
  const targetPolicy = { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS };
  return async function processEvent(input: { eventId: string }): Promise<ProcessEventResult> {
    const event = await db.query.events.findFirst({ where: eq(events.id, input.eventId) });
    if (!event) throw ApplicationFailure.nonRetryable(`event ${input.eventId} is not in the ledger`, 'ProcessingRejected');
    const source = await db.query.sources.findFirst({ where: eq(sources.id, event.sourceId), columns: { processor: true } });
    const processor = source?.processor ?? { name: 'passthrough' };
    if (processor.name !== 'passthrough') {
      try {
        const processed = await processorNamed(processor.name).process(event.payload, processor, {
          fetch: (request) => sendRequest({ ...request, timeoutMs: config.DELIVERY_TIMEOUT_MS, maxResponseBytes: FETCHED_DOCUMENT_MAX_BYTES }, targetPolicy),
        });
        await db.update(events).set({ processedPayload: processed as object }).where(eq(events.id, event.id));
      } catch (error) {
        if (error instanceof ProcessingRejected) throw ApplicationFailure.nonRetryable(error.message, 'ProcessingRejected');
        throw error;
      }
    }

    const candidates = await db
      .select({ id: subscriptions.id, url: subscriptions.url, enabled: subscriptions.enabled, eventTypes: subscriptions.eventTypes, sourceIds: subscriptions.sourceIds })
      .from(subscriptions)
      .where(eq(subscriptions.enabled, true));
    // An operational event names the subscription it is about; that one never receives it.
    const about = event.sourceId === OPERATIONAL_SOURCE ? (event.payload as { subscriptionId?: string }).subscriptionId : undefined;
    const matched = matchSubscriptions(candidates, { ...event, aboutSubscriptionId: about });
    if (matched.length > 0) {
      await db
        .insert(deliveries)
        .values(matched.map((s) => ({ id: newId('dlv'), eventId: event.id, subscriptionId: s.id, workflowId: workflowIds.delivery(event.id, s.id) })))
        .onConflictDoNothing();
    }
    // Re-read so a retried activity returns the rows the first try created.
    const rows = matched.length
      ? await db.select({ id: deliveries.id, subscriptionId: deliveries.subscriptionId }).from(deliveries).where(eq(deliveries.eventId, event.id))
      : [];
    await db.update(events).set({ status: matched.length ? 'dispatched' : 'skipped' }).where(and(eq(events.id, event.id)));
    const urls = new Map(matched.map((s) => [s.id, s.url]));
    return {
      deliveries: rows.filter((r) => urls.has(r.subscriptionId)).map((r) => ({ deliveryId: r.id, subscriptionId: r.subscriptionId, url: urls.get(r.subscriptionId)! })),
    };
  };
}
