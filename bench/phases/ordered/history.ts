import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { evenSample, eventMs as ms, median, workflowTaskDurations } from '../../baselines/history.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const signaled = (event: HistoryEvent, name: string) =>
  event.workflowExecutionSignaledEventAttributes?.signalName === name;
const signalSent = (event: HistoryEvent, name: string) =>
  event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === name;

/**
 * Where one FIFO delivery's serial time goes (median ms, from Temporal's history timestamps):
 * the dispatcher's admit command → the lane sees `admit` → the lane's release command (its workflow
 * tasks and the delivery) → the dispatcher sees `release` → its next admit command. Null: nothing to measure
 * (e.g. a server that does not record which workflow sent a signal).
 */
export interface OrderedCycle {
  /** Admissions the breakdown is taken from (dispatcher runs included: it continues as new). */
  admissions: number;
  admitToLaneMs: number | null;
  laneAdmittedToReleaseMs: number | null;
  releaseToDispatcherMs: number | null;
  dispatcherReleaseToNextAdmitMs: number | null;
  /** A dispatcher workflow task: scheduled → started (waiting for a poller) and started → completed. */
  dispatcherTaskScheduleToStartMs: number | null;
  dispatcherTaskStartToCompleteMs: number | null;
}

/** Reads the `dispatcher:<subscriptionId>` runs and a sample of the lanes' histories. */
export async function orderedCycle(client: Client, subscriptionId: string, sample = 30): Promise<OrderedCycle> {
  const dispatcherId = `dispatcher:${subscriptionId}`;
  const runs: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${dispatcherId}"` }))
    runs.push(execution.runId);
  const admitAt = new Map<string, number>(); // lane workflow id → dispatcher's admit command
  const releaseAt = new Map<string, number>(); // lane workflow id → dispatcher saw its release
  const releaseToNextAdmit: number[] = [];
  const scheduleToStart: number[] = [];
  const startToComplete: number[] = [];
  let admissions = 0;
  for (const runId of runs) {
    const events = (await client.workflow.getHandle(dispatcherId, runId).fetchHistory()).events ?? [];
    let lastRelease: number | undefined;
    const tasks = workflowTaskDurations(events);
    scheduleToStart.push(...tasks.queued);
    startToComplete.push(...tasks.inTasks);
    for (const event of events) {
      if (signalSent(event, 'admit')) {
        admissions++;
        const lane = event.signalExternalWorkflowExecutionInitiatedEventAttributes!.workflowExecution?.workflowId;
        if (lane) admitAt.set(lane, ms(event));
        if (lastRelease !== undefined) releaseToNextAdmit.push(ms(event) - lastRelease);
        lastRelease = undefined;
      }
      if (signaled(event, 'release')) {
        lastRelease = ms(event);
        const lane = event.workflowExecutionSignaledEventAttributes!.externalWorkflowExecution?.workflowId;
        if (lane) releaseAt.set(lane, ms(event));
      }
    }
  }
  const admitToLane: number[] = [];
  const laneWork: number[] = [];
  const releaseTravel: number[] = [];
  for (const lane of evenSample([...admitAt.keys()], sample)) {
    const events = (await client.workflow.getHandle(lane).fetchHistory()).events ?? [];
    const admitted = events.find((e) => signaled(e, 'admit'));
    const released = events.find((e) => signalSent(e, 'release'));
    if (!admitted || !released) continue;
    admitToLane.push(ms(admitted) - admitAt.get(lane)!);
    laneWork.push(ms(released) - ms(admitted));
    const seen = releaseAt.get(lane);
    if (seen !== undefined) releaseTravel.push(seen - ms(released));
  }
  return {
    admissions,
    admitToLaneMs: median(admitToLane),
    laneAdmittedToReleaseMs: median(laneWork),
    releaseToDispatcherMs: median(releaseTravel),
    dispatcherReleaseToNextAdmitMs: median(releaseToNextAdmit),
    dispatcherTaskScheduleToStartMs: median(scheduleToStart),
    dispatcherTaskStartToCompleteMs: median(startToComplete),
  };
}
