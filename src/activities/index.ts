import { deadLetterActivities } from './dead-letters.js';
import { deliverWebhookActivity } from './deliver-webhook.js';
import type { ActivityDependencies } from './deps.js';
import { processEventActivity } from './process-event.js';
import { recordEventActivity } from './record-event.js';
import { operationalEventActivity } from './operational-events.js';
import { maintenanceActivities } from '../maintenance/activities.js';

/** Builds every activity the worker registers; workflows import only this function's type. */
export function createActivities(deps: ActivityDependencies) {
  return {
    recordEvent: recordEventActivity(deps),
    processEvent: processEventActivity(deps),
    deliverWebhook: deliverWebhookActivity(deps),
    ...deadLetterActivities(deps),
    emitOperationalEventActivity: operationalEventActivity(deps),
    ...maintenanceActivities(deps),
  };
}

export type HookflowActivities = ReturnType<typeof createActivities>;
