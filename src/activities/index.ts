import type { ActivityDependencies } from './deps.js';
import { recordEventActivity } from './record-event.js';

/** Builds every activity the worker registers; workflows import only this function's type. */
export function createActivities(deps: ActivityDependencies) {
  return {
    recordEvent: recordEventActivity(deps),
  };
}

export type HookflowActivities = ReturnType<typeof createActivities>;
