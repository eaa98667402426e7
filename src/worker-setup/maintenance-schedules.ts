import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import { autoDisableWorkflow, retentionWorkflow, secretExpiryWorkflow } from '../workflows/maintenance-workflows.js';

/** The maintenance schedules: id, how often, and the workflow each starts (args built from config). */
export function maintenanceSchedules(config: Config) {
  return [
    {
      scheduleId: 'hookflow-auto-disable',
      every: '5m',
      workflowType: autoDisableWorkflow,
      args: [{ afterMs: config.AUTO_DISABLE_AFTER, minFailures: config.AUTO_DISABLE_MIN_FAILURES }],
    },
    { scheduleId: 'hookflow-secret-expiry', every: '1m', workflowType: secretExpiryWorkflow, args: [] },
    {
      scheduleId: 'hookflow-retention',
      every: '1h',
      workflowType: retentionWorkflow,
      args: [{ retentionDays: config.RETENTION_DAYS, batchSize: 1_000 }],
    },
  ] as const;
}

/**
 * Creates the maintenance schedules, or updates them to the current config when they exist:
 * safe to run at every worker start. Overlap SKIP: several workers never run a job twice at once.
 */
export async function ensureMaintenanceSchedules(client: Client, config: Config, logger: Logger): Promise<void> {
  for (const schedule of maintenanceSchedules(config)) {
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: schedule.workflowType,
      args: [...schedule.args],
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: `${schedule.scheduleId}`,
    };
    try {
      await client.schedule.create({
        scheduleId: schedule.scheduleId,
        spec: { intervals: [{ every: schedule.every }] },
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
        memo: { purpose: 'Hookflow maintenance (README: Endpoint health)' },
      });
      logger.info({ event: 'schedule_created', scheduleId: schedule.scheduleId }, 'maintenance schedule created');
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
        ...previous,
        spec: { intervals: [{ every: schedule.every }] },
        action: { ...action },
        policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
      }));
    }
  }
}
