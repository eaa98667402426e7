import { and, eq, isNull } from 'drizzle-orm';
import { deliveries } from '../db/schema.js';
import type { HookflowActivities } from '../domain/activities.js';
import type { ActivityDependencies } from './deps.js';

/**
 * `requestAdmission` as an activity: workflows cannot signal-with-start another workflow themselves.
 * A FIFO request is then marked on its delivery row: until that mark, the dispatcher's acceptance
 * floor counts the delivery as still on its way, so nothing accepted after it is admitted first.
 * Marked after the signal, never before, so no moment exists where it is in neither place.
 */
export function admissionActivity({ starter, db }: ActivityDependencies): HookflowActivities['requestAdmission'] {
  return async function requestAdmissionActivity(input) {
    if (!starter) throw new Error('the worker was started without a Temporal client for dispatcher admission');
    await starter.requestAdmission(input);
    if (!input.fifo) return;
    await db
      .update(deliveries)
      .set({ queuedAt: new Date() })
      .where(and(eq(deliveries.id, input.request.deliveryId), isNull(deliveries.queuedAt)));
  };
}
