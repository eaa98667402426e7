// Pure (no Node imports): workflows import it too.

/** Workflow ids: the one place that knows their shape. */
export const workflowIds = {
  event: (sourceId: string, idempotencyKey: string) => `event:${sourceId}:${idempotencyKey}`,
  delivery: (eventId: string, subscriptionId: string) => `delivery:${eventId}:${subscriptionId}`,
};
