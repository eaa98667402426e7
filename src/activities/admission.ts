import type { HookflowActivities } from '../domain/activities.js';
import { requestAdmission } from '../temporal/workflow-client.js';
import type { ActivityDependencies } from './deps.js';

/** `requestAdmission` as an activity: workflows cannot signal-with-start another workflow themselves. */
export function admissionActivity({ temporal, config }: ActivityDependencies): HookflowActivities['requestAdmission'] {
  return async function requestAdmissionActivity(input) {
    if (!temporal) throw new Error('the worker was started without a Temporal client for dispatcher admission');
    await requestAdmission(temporal, config.TEMPORAL_TASK_QUEUE, input);
  };
}
