// What an operator does to a subscription's flow of events without touching code (README "Payload
// filters", "Transformations", "Pause and circuit breaker"): check a filter or transform before it is
// stored, try either on a sample payload without sending anything, pause and resume.
import { deliveryEnvelope } from '../delivery/outbound-message.js';
import { evaluateFilter, filterIssues, type Filter, type FilterVerdict } from '../delivery/payload-filter.js';
import { runTransform, transformIssue, type TransformOutput } from '../delivery/transform.js';
import { pauseSubscription, resumeSubscription } from '../db/endpoint-hold.js';
import { resumeHeldLanes } from '../temporal/held-lanes-release.js';
import type { OperatorDeps } from './deps.js';
import type { SubscriptionRow } from './subscriptions.js';

/** A sample event for filter-test and transform-test. */
export interface SampleEvent {
  payload: unknown;
  type?: string | undefined;
  source?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** The problems of a create or PATCH body's filter and transform, as 400 errors with their paths. */
export function deliveryControlProblems(body: {
  filter?: unknown;
  transform?: string | null | undefined;
}): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (body.filter !== undefined && body.filter !== null)
    for (const issue of filterIssues(body.filter))
      errors.push({ path: `/filter${issue.path === '/' ? '' : issue.path}`, message: issue.message });
  if (typeof body.transform === 'string') {
    const problem = transformIssue(body.transform);
    if (problem) errors.push({ path: '/transform', message: problem });
  }
  return errors;
}

/** The sample's type: given, else the subscription's first exact event type, else `hookflow.test`. */
function sampleType(subscription: SubscriptionRow, sample: SampleEvent): string {
  return sample.type ?? subscription.eventTypes.find((t) => !t.includes('*')) ?? 'hookflow.test';
}

/** Whether the subscription's filter would let the sample through, and why. */
export function testFilter(subscription: SubscriptionRow, sample: SampleEvent): FilterVerdict {
  if (!subscription.filter) return { matches: true, reasons: ['the subscription has no filter'] };
  return evaluateFilter(subscription.filter as Filter, {
    type: sampleType(subscription, sample),
    source: sample.source ?? 'test',
    data: sample.payload,
    headers: sample.headers ?? {},
  });
}

/** What the subscription's transform makes of the sample (the standard body when it has none); throws TransformFailed. */
export async function testTransform(
  subscription: SubscriptionRow,
  sample: SampleEvent,
  timeoutMs: number,
): Promise<TransformOutput> {
  const envelope = deliveryEnvelope({
    id: 'evt_test',
    eventType: sampleType(subscription, sample),
    sourceId: sample.source ?? 'test',
    receivedAt: new Date(),
    data: sample.payload,
  });
  if (!subscription.transform) return { body: envelope, headers: {}, cancelled: false };
  return runTransform(subscription.transform, { ...envelope, headers: sample.headers ?? {} }, { timeoutMs });
}

/** Holds the subscription's lanes (new and retrying) from their next attempt on; undefined when it does not exist. */
export async function pause(deps: OperatorDeps, id: string): Promise<SubscriptionRow | undefined> {
  const row = await pauseSubscription(deps.db, id);
  if (row) deps.logger.info({ event: 'subscription_paused', subscriptionId: id }, 'subscription paused');
  return row;
}

/**
 * Releases the subscription's held lanes: they go on at once where Temporal's visibility already
 * lists them, the rest at their recheck time (PAUSE_RECHECK_INTERVAL). `released` counts the
 * workflows signalled.
 */
export async function resume(
  deps: OperatorDeps,
  id: string,
): Promise<{ row: SubscriptionRow; released: number } | undefined> {
  const row = await resumeSubscription(deps.db, id);
  if (!row) return undefined;
  let released = 0;
  try {
    released = await resumeHeldLanes(deps.temporal, id);
  } catch (error) {
    deps.logger.warn(
      { err: error, subscriptionId: id },
      'could not signal the held lanes; they go on at their recheck',
    );
  }
  deps.logger.info({ event: 'subscription_resumed', subscriptionId: id, released }, 'subscription resumed');
  return { row, released };
}
