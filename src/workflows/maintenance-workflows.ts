import { proxyActivities } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import type { AutoDisableInput, RetentionInput, RetentionResult } from '../domain/maintenance-io.js';

const { autoDisableFailingSubscriptions, expirePreviousSecrets } = proxyActivities<HookflowActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', maximumAttempts: 5 },
});
const { purgeExpiredData } = proxyActivities<HookflowActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '30s', maximumAttempts: 5 },
});

/** Scheduled: disables subscriptions that have failed for too long (README "Endpoint health"). */
export async function autoDisableWorkflow(input: AutoDisableInput): Promise<{ disabled: string[] }> {
  return { disabled: await autoDisableFailingSubscriptions(input) };
}

/** Scheduled: removes previous secrets past their grace window. */
export async function secretExpiryWorkflow(): Promise<{ subscriptions: number; sources: number }> {
  return expirePreviousSecrets();
}

/** Scheduled: purges data older than RETENTION_DAYS, keeping open dead letters and their events. */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionResult> {
  return purgeExpiredData(input);
}
