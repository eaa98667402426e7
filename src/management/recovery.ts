// Recovering a subscription's time window (README "Recover a time window"): one `recover:` workflow
// resends its deliveries; these start it, read its progress and cancel it.
import { WorkflowNotFoundError } from '@temporalio/client';
import { countDeliveriesInWindow } from '../db/recovery-window.js';
import { recoverProgressQuery } from '../domain/signals.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type { RecoverProgress, RecoverScope } from '../domain/workflow-io.js';
import { newUlid } from '../ids.js';
import type { OperatorDeps } from './deps.js';

export interface RecoveryView {
  workflowId: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed' | 'terminated' | 'timed_out';
  progress: RecoverProgress | null;
}

/** Starts the recovery of `[since, until)`; returns its workflow id and how many deliveries the window holds now. */
export async function startRecovery(
  deps: OperatorDeps,
  subscriptionId: string,
  window: { since: Date; until: Date; scope: RecoverScope },
): Promise<{ workflowId: string; deliveries: number }> {
  const deliveries = await countDeliveriesInWindow(deps.db, { subscriptionId, ...window });
  const workflowId = await deps.starter.startRecovery({
    recoveryUlid: newUlid(),
    subscriptionId,
    ...window,
  });
  deps.logger.info(
    {
      event: 'recovery_started',
      subscriptionId,
      workflowId,
      since: window.since,
      until: window.until,
      scope: window.scope,
    },
    'recovery started',
  );
  return { workflowId, deliveries };
}

const statusNames: Record<string, RecoveryView['status']> = {
  RUNNING: 'running',
  CONTINUED_AS_NEW: 'running',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  FAILED: 'failed',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** A recovery's status and progress (its latest run); undefined when there is no such workflow. */
export async function recoveryOf(
  deps: OperatorDeps,
  subscriptionId: string,
  recoveryId: string,
): Promise<RecoveryView | undefined> {
  const workflowId = workflowIds.recover(subscriptionId, recoveryId);
  const handle = deps.temporal.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    const status = statusNames[description.status.name] ?? 'running';
    // A cancelled or failed run may not answer the query; its counts are then unknown.
    const progress = await handle.query(recoverProgressQuery).catch(() => null);
    return { workflowId, status, progress };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Asks a running recovery to stop (what it resent stays resent) and answers its state; a finished
 * one is left as it is. Undefined when there is no such workflow.
 */
export async function cancelRecovery(
  deps: OperatorDeps,
  subscriptionId: string,
  recoveryId: string,
): Promise<RecoveryView | undefined> {
  const before = await recoveryOf(deps, subscriptionId, recoveryId);
  if (before?.status !== 'running') return before;
  await deps.temporal.workflow.getHandle(before.workflowId).cancel();
  deps.logger.info(
    { event: 'recovery_cancelled', subscriptionId, workflowId: before.workflowId },
    'recovery cancelled',
  );
  return recoveryOf(deps, subscriptionId, recoveryId);
}
