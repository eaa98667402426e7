import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import {
  createDeliveries,
  enabledSubscriptions,
  loadEventToProcess,
  storeProcessedPayload,
  type StoredEvent,
} from '../db/routing.js';
import { sendRequest } from '../delivery/http-client.js';
import { lanePolicyFor } from '../delivery/lane-policy.js';
import { evaluateFilter } from '../delivery/payload-filter.js';
import { matchSubscriptions } from '../delivery/subscription-matching.js';
import { processingFailureTypes } from '../domain/failures.js';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type { RetrySettings } from '../domain/workflow-policies.js';
import type { ProcessEventInput, ProcessEventResult, RoutedDelivery } from '../domain/workflow-io.js';
import { newId } from '../ids.js';
import { ProcessingRejected } from '../processing/processor.js';
import { processorNamed } from '../processing/registry.js';
import { buildPolicies } from '../temporal/policies-from-config.js';
import type { ActivityDependencies } from './deps.js';

const FETCHED_DOCUMENT_MAX_BYTES = 1024 * 1024;

/**
 * Runs the source's processor on the stored event, then routes it: creates one `deliveries` row
 * per matching enabled subscription (idempotently) and returns them for the workflow to fan out.
 */
export function processEventActivity({ db, config, metrics }: ActivityDependencies) {
  const defaultRetry = buildPolicies(config).deliveryRetry;
  return async function processEvent(input: ProcessEventInput): Promise<ProcessEventResult> {
    const loaded = await loadEventToProcess(db, input.eventId);
    if (!loaded)
      throw ApplicationFailure.nonRetryable(
        `event ${input.eventId} is not in the ledger`,
        processingFailureTypes.rejected,
      );
    if (loaded.processor.name !== 'passthrough') await runProcessor(db, config, loaded.event, loaded.processor);
    const routed = await route(db, config, loaded.event, input.workflowId, defaultRetry);
    for (const subscription of routed.filteredOut) metrics?.filtered.inc({ subscription });
    return { deliveries: routed.deliveries };
  };
}

/** Runs a processor other than passthrough and stores what it made of the payload. */
async function runProcessor(
  db: Database,
  config: Config,
  event: StoredEvent,
  processor: NonNullable<Awaited<ReturnType<typeof loadEventToProcess>>>['processor'],
): Promise<void> {
  const targetPolicy = { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS };
  try {
    const processed = await processorNamed(processor.name).process(event.payload, processor, {
      fetch: (request) =>
        sendRequest(
          { ...request, timeoutMs: config.DELIVERY_TIMEOUT_MS, maxResponseBytes: FETCHED_DOCUMENT_MAX_BYTES },
          targetPolicy,
        ),
    });
    await storeProcessedPayload(db, event.id, processed);
  } catch (error) {
    if (error instanceof ProcessingRejected)
      throw ApplicationFailure.nonRetryable(error.message, processingFailureTypes.rejected);
    throw error;
  }
}

/**
 * Matches the enabled subscriptions (type, source, then filter) and creates a delivery row for each.
 * Lanes come in a stable order; past FANOUT_INLINE_MAX they are split into `fanout:` children, and
 * each delivery row names the workflow that runs it.
 */
async function route(
  db: Database,
  config: Config,
  event: StoredEvent,
  workflowId: string,
  defaultRetry: RetrySettings,
): Promise<{ deliveries: RoutedDelivery[]; filteredOut: string[] }> {
  // An operational event names the subscription it is about; that one never receives it.
  const about =
    event.sourceId === OPERATIONAL_SOURCE ? (event.payload as { subscriptionId?: string }).subscriptionId : undefined;
  const candidates = matchSubscriptions(await enabledSubscriptions(db), { ...event, aboutSubscriptionId: about });
  candidates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const envelope = {
    type: event.eventType,
    source: event.sourceId,
    data: event.processedPayload ?? event.payload,
    headers: event.headers,
  };
  const passed = candidates.map((s) => !s.filter || evaluateFilter(s.filter, envelope).matches);
  const matched = candidates.filter((_, index) => passed[index]);
  const filteredOut = candidates.filter((_, index) => !passed[index]).map((s) => s.id);
  const inlineMax = config.FANOUT_INLINE_MAX;
  const laneWorkflow = (index: number) =>
    matched.length > inlineMax ? workflowIds.fanout(event.id, Math.floor(index / inlineMax)) : workflowId;
  const policies = matched.map((s) => lanePolicyFor(s, event, defaultRetry));
  const deliveryIds = await createDeliveries(
    db,
    event.id,
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
    filteredOut,
  );
  const deliveries = matched.map((s, index) => ({
    deliveryId: deliveryIds.get(s.id)!,
    subscriptionId: s.id,
    url: s.url,
    workflowId: laneWorkflow(index),
    policy: policies[index]!,
  }));
  return { deliveries, filteredOut };
}
