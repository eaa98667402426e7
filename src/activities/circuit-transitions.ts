// What a subscription's circuit opening or closing sets off (README "Pause and circuit breaker"): a
// log line, the `hookflow_circuit_state` gauge, an operational event, and on closing the release of
// the lanes held on it.
import type { Logger } from '../logging.js';
import { emitOperationalEvent } from '../temporal/operational-event-start.js';
import { resumeHeldLanes } from '../temporal/held-lanes-release.js';
import type { RecordedAttempt } from './record-attempt.js';
import type { ActivityDependencies } from './deps.js';

type Change = NonNullable<RecordedAttempt['circuit']>;

/**
 * Reports a circuit change. Runs beside the activity's answer, not in its way: a lost notification
 * is logged, and held lanes that miss the release try again at their recheck time.
 */
export function reportCircuitChange(
  { starter, metrics }: Pick<ActivityDependencies, 'starter' | 'metrics'>,
  subscriptionId: string,
  { change, openedAt }: Change,
  log: Logger,
): void {
  metrics?.circuitState.set({ subscription: subscriptionId }, change === 'opened' ? 1 : 0);
  if (change === 'opened')
    log.warn({ event: 'circuit_opened', openedAt }, 'circuit opened: lanes wait, one probe per interval');
  else log.info({ event: 'circuit_closed', openedAt }, 'circuit closed: held lanes go on');
  if (!starter) return;
  const notify = async () => {
    await emitOperationalEvent(starter, {
      type: change === 'opened' ? 'hookflow.subscription.circuit_opened' : 'hookflow.subscription.circuit_closed',
      // One event per opening (and its closing), however many workers saw it.
      key: `${subscriptionId}:${openedAt.toISOString()}`,
      data: { subscriptionId, openedAt: openedAt.toISOString() },
    });
    if (change === 'closed') await resumeHeldLanes(starter.client, subscriptionId);
  };
  notify().catch((error: unknown) => log.warn({ err: error }, `could not report circuit ${change}`));
}
