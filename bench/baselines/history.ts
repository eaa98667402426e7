import type { Client } from '@temporalio/client';

/** Evenly spaced picks of at most `count` items (deterministic, so runs compare). */
export function evenSample<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, k) => items[Math.floor((k * items.length) / count)]!);
}

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

/**
 * Temporal Cloud billable actions in one history, as docs.temporal.io/cloud/actions lists them and as
 * far as a history shows them: the workflow start; each activity attempt (the started event's attempt
 * number counts the retries); local activities once per workflow task that ran any; each timer,
 * signal received or sent, child start, search-attribute upsert and other marker (patch markers
 * included); each accepted Update. Queries and heartbeats leave no event and are not counted.
 */
export function billableActions(events: HistoryEvent[]): number {
  let actions = 0;
  const localActivityTasks = new Set<string>();
  for (const e of events) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      localActivityTasks.add(String(marker.workflowTaskCompletedEventId));
      continue;
    }
    if (e.activityTaskStartedEventAttributes) actions += Math.max(1, e.activityTaskStartedEventAttributes.attempt ?? 1);
    if (
      e.workflowExecutionStartedEventAttributes ||
      e.timerStartedEventAttributes ||
      e.workflowExecutionSignaledEventAttributes ||
      e.signalExternalWorkflowExecutionInitiatedEventAttributes ||
      e.startChildWorkflowExecutionInitiatedEventAttributes ||
      e.upsertWorkflowSearchAttributesEventAttributes ||
      e.workflowExecutionUpdateAcceptedEventAttributes ||
      marker
    )
      actions += 1;
  }
  return actions + localActivityTasks.size;
}

/** The workflow's history once it has closed (waiting up to `waitMs`), and the ids of the children it started. */
async function historyOf(
  client: Client,
  workflowId: string,
  waitMs: number,
): Promise<{ events: number; actions: number; children: string[]; timing: RunTiming }> {
  const handle = client.workflow.getHandle(workflowId);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([handle.result().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
  clearTimeout(timer);
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const children = events
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id): id is string => !!id);
  return { events: events.length, actions: billableActions(events), children, timing: runTiming(events) };
}

/** Where one run's time went, in ms: waiting for a worker to pick up its tasks, inside them, and start to close. */
interface RunTiming {
  queued: number;
  inTasks: number;
  total: number;
}

/** A history event's time in ms since the epoch. */
export const eventMs = (e: HistoryEvent) =>
  Number(String(e.eventTime?.seconds ?? 0)) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Each workflow task's scheduled → started (waiting for a worker) and started → closed (its work, local activities included), ms. */
export function workflowTaskDurations(events: HistoryEvent[]): { queued: number[]; inTasks: number[] } {
  const queued: number[] = [];
  const inTasks: number[] = [];
  let scheduledAt: number | undefined;
  let startedAt: number | undefined;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) scheduledAt = eventMs(e);
    if (e.workflowTaskStartedEventAttributes) {
      startedAt = eventMs(e);
      if (scheduledAt !== undefined) queued.push(startedAt - scheduledAt);
    }
    const closed =
      e.workflowTaskCompletedEventAttributes ||
      e.workflowTaskFailedEventAttributes ||
      e.workflowTaskTimedOutEventAttributes;
    if (closed && startedAt !== undefined) inTasks.push(eventMs(e) - startedAt);
  }
  return { queued, inTasks };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Where one run's time went: waiting for workers, inside its workflow tasks, and start to close. */
function runTiming(events: HistoryEvent[]): RunTiming {
  const tasks = workflowTaskDurations(events);
  const total = events.length > 1 ? eventMs(events[events.length - 1]!) - eventMs(events[0]!) : 0;
  return { queued: sum(tasks.queued), inTasks: sum(tasks.inTasks), total };
}

/** What a delivery costs Temporal: history events and billable actions, each per delivery. */
export interface TemporalCost {
  historyEvents: number;
  billableActions: number;
  /** Medians over the sampled top-level runs, ms: worker queue, inside workflow tasks, start to close. */
  medianMs?: { [K in keyof RunTiming]: number | null };
}

/** The median, rounded; null for no values. */
export const median = (values: number[]) =>
  values.length === 0 ? null : Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

/**
 * Temporal cost per delivery over a sample of the given workflows (waited for until closed),
 * children they started included (followed from their histories, recursively).
 */
export async function temporalCostPerDelivery(
  client: Client,
  workflowIds: string[],
  deliveriesPerWorkflow: number,
  sample = 50,
): Promise<TemporalCost> {
  const picked = evenSample(workflowIds, sample);
  if (picked.length === 0 || deliveriesPerWorkflow <= 0) return { historyEvents: 0, billableActions: 0 };
  let total = 0;
  let actions = 0;
  const seen = new Set<string>();
  let queue = [...picked];
  const timings: RunTiming[] = [];
  while (queue.length > 0) {
    const batch = queue.filter((id) => !seen.has(id));
    batch.forEach((id) => seen.add(id));
    const histories = await Promise.all(batch.map((id) => historyOf(client, id, 30_000)));
    if (timings.length === 0) timings.push(...histories.map((h) => h.timing));
    total += histories.reduce((sum, h) => sum + h.events, 0);
    actions += histories.reduce((sum, h) => sum + h.actions, 0);
    queue = histories.flatMap((h) => h.children);
  }
  const deliveries = picked.length * deliveriesPerWorkflow;
  return {
    historyEvents: total / deliveries,
    billableActions: actions / deliveries,
    medianMs: {
      queued: median(timings.map((t) => t.queued)),
      inTasks: median(timings.map((t) => t.inTasks)),
      total: median(timings.map((t) => t.total)),
    },
  };
}
