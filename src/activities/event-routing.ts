// Routing an event (docs/architecture.md, "Workflows"): the enabled subscriptions that match its type,
// source and filter, one delivery row each, and the lanes the workflow runs. `processEvent` routes
// after a processor; `recordEvent` routes a passthrough event as soon as it is in the ledger.
import type { StoredEvent } from '../db/routing.js';
import { createDeliveries, type enabledSubscriptions } from '../db/routing.js';
import { lanePolicyFor } from '../delivery/lane-policy.js';
import { evaluateFilter } from '../delivery/payload-filter.js';
import { matchSubscriptions } from '../delivery/subscription-matching.js';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type { RoutedDelivery } from '../domain/workflow-io.js';
import { newId } from '../ids.js';
import { buildPolicies } from '../temporal/policies-from-config.js';
import type { ActivityDependencies } from './deps.js';

/** What routing reads of an event: the ledger row, or the workflow input that is about to be it. */
export type RoutableEvent = Pick<
  StoredEvent,
  'id' | 'sourceId' | 'eventType' | 'payload' | 'processedPayload' | 'headers' | 'receivedAt'
>;

type Candidate = Awaited<ReturnType<typeof enabledSubscriptions>>[number];

/**
 * Routes events: matches the enabled subscriptions (type, source, then filter) and creates a delivery
 * row for each. Lanes come in a stable order; past FANOUT_INLINE_MAX they are split into `fanout:`
 * children, and each delivery row names the workflow that runs it.
 */
export function eventRouter({ db, config, metrics }: ActivityDependencies) {
  const defaultRetry = buildPolicies(config).deliveryRetry;
  return async function route(
    event: RoutableEvent,
    workflowId: string,
    subscriptions: Candidate[],
  ): Promise<RoutedDelivery[]> {
    // An operational event names the subscription it is about; that one never receives it.
    const about =
      event.sourceId === OPERATIONAL_SOURCE ? (event.payload as { subscriptionId?: string }).subscriptionId : undefined;
    const candidates = matchSubscriptions(subscriptions, { ...event, aboutSubscriptionId: about });
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
    for (const subscription of filteredOut) metrics?.filtered.inc({ subscription });
    const inlineMax = config.FANOUT_INLINE_MAX;
    const laneWorkflow = (index: number) =>
      matched.length > inlineMax ? workflowIds.fanout(event.id, Math.floor(index / inlineMax)) : workflowId;
    const policies = matched.map((s) => lanePolicyFor(s, event, defaultRetry));
    const rows = matched.map((s, index) => {
      const admission = policies[index]!.admission;
      return {
        id: newId('dlv'),
        eventId: event.id,
        subscriptionId: s.id,
        workflowId: laneWorkflow(index),
        orderingQueue: admission?.fifo ? admission.dispatcherId : null,
      };
    });
    const deliveryIds = await createDeliveries(db, event.id, rows, filteredOut);
    return matched.map((s, index) => ({
      deliveryId: deliveryIds.get(s.id)!,
      subscriptionId: s.id,
      url: s.url,
      workflowId: laneWorkflow(index),
      policy: policies[index]!,
    }));
  };
}
