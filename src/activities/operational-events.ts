import { emitOperationalEvent, type OperationalEvent } from '../operational-events.js';
import type { ActivityDependencies } from './deps.js';

/** `emitOperationalEvent` as an activity: workflows report dead letters and recoveries through it. */
export function operationalEventActivity({ temporal, config }: ActivityDependencies) {
  return async function emitOperationalEventActivity(event: OperationalEvent): Promise<void> {
    if (!temporal) throw new Error('the worker was started without a Temporal client for operational events');
    await emitOperationalEvent(temporal, config, event);
  };
}
