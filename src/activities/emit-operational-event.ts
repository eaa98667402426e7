import type { HookflowActivities } from '../domain/activities.js';
import type { OperationalEvent } from '../domain/workflow-io.js';
import { emitOperationalEvent } from '../temporal/operational-event-start.js';
import type { ActivityDependencies } from './deps.js';

/** `emitOperationalEvent` as an activity: workflows report dead letters and recoveries through it. */
export function operationalEventActivity({
  starter,
}: ActivityDependencies): HookflowActivities['emitOperationalEventActivity'] {
  return async function emitOperationalEventActivity(event: OperationalEvent): Promise<void> {
    if (!starter) throw new Error('the worker was started without a Temporal client for operational events');
    await emitOperationalEvent(starter, event);
  };
}
