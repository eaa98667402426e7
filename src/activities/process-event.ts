import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { enabledSubscriptions, loadEventToProcess, storeProcessedPayload, type StoredEvent } from '../db/routing.js';
import { sendRequest } from '../delivery/http-client.js';
import { processingFailureTypes } from '../domain/failures.js';
import type { ProcessEventInput, ProcessEventResult } from '../domain/workflow-io.js';
import { ProcessingRejected } from '../processing/processor.js';
import { processorNamed } from '../processing/registry.js';
import type { ActivityDependencies } from './deps.js';
import { eventRouter } from './event-routing.js';

const FETCHED_DOCUMENT_MAX_BYTES = 1024 * 1024;

/**
 * Runs the source's processor on the stored event, then routes it: creates one `deliveries` row
 * per matching enabled subscription (idempotently) and returns them for the workflow to fan out.
 */
export function processEventActivity(deps: ActivityDependencies) {
  const { db, config } = deps;
  const route = eventRouter(deps);
  return async function processEvent(input: ProcessEventInput): Promise<ProcessEventResult> {
    const loaded = await loadEventToProcess(db, input.eventId);
    if (!loaded)
      throw ApplicationFailure.nonRetryable(
        `event ${input.eventId} is not in the ledger`,
        processingFailureTypes.rejected,
      );
    const event =
      loaded.processor.name === 'passthrough'
        ? loaded.event
        : { ...loaded.event, processedPayload: await runProcessor(db, config, loaded.event, loaded.processor) };
    return { deliveries: await route(event, input.workflowId, await enabledSubscriptions(db)) };
  };
}

/** Runs a processor other than passthrough, stores what it made of the payload and returns it. */
async function runProcessor(
  db: Database,
  config: Config,
  event: StoredEvent,
  processor: NonNullable<Awaited<ReturnType<typeof loadEventToProcess>>>['processor'],
): Promise<unknown> {
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
    return processed;
  } catch (error) {
    if (error instanceof ProcessingRejected)
      throw ApplicationFailure.nonRetryable(error.message, processingFailureTypes.rejected);
    throw error;
  }
}
