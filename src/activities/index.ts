import type { HookflowActivities } from '../domain/activities.js';
import { acceptanceFloorActivity } from './acceptance-floor.js';
import { admissionActivity } from './request-admission.js';
import { deadLetterActivities } from './dead-letter-bookkeeping.js';
import { deliverWebhookActivity } from './deliver-webhook.js';
import type { ActivityDependencies } from './deps.js';
import { maintenanceActivities } from './maintenance-jobs.js';
import { operationalEventActivity } from './emit-operational-event.js';
import { processEventActivity } from './process-event.js';
import { recordEventActivity } from './record-event.js';
import { recoverPageActivity } from './recover-page.js';

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
    recoverPage: recoverPageActivity(deps),
    ...maintenanceActivities(deps),
  };
}
