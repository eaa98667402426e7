import type { HookflowActivities } from '../domain/activities.js';
import { acceptanceFloorActivity } from './acceptance-floor.js';
import { admissionActivity } from './admission.js';
import { deadLetterActivities } from './dead-letters.js';
import { deliverWebhookActivity } from './deliver-webhook.js';
import type { ActivityDependencies } from './deps.js';
import { maintenanceActivities } from './maintenance.js';
import { operationalEventActivity } from './operational-events.js';
import { processEventActivity } from './process-event.js';
import { recordEventActivity } from './record-event.js';

/** Builds every activity the worker registers (the contract workflows proxy is `HookflowActivities`). */
export function createActivities(deps: ActivityDependencies): HookflowActivities {
  return {
    recordEvent: recordEventActivity(deps),
    processEvent: processEventActivity(deps),
    deliverWebhook: deliverWebhookActivity(deps),
    requestAdmission: admissionActivity(deps),
    acceptanceFloorOf: acceptanceFloorActivity(deps),
    ...deadLetterActivities(deps),
    emitOperationalEventActivity: operationalEventActivity(deps),
    ...maintenanceActivities(deps),
  };
}
