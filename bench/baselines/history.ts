import type { Client } from '@temporalio/client';

/** Evenly spaced picks of at most `count` items (deterministic, so runs compare). */
export function evenSample<T>(items: T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, k) => items[Math.floor((k * items.length) / count)]!);
}

/** The workflow's history once it has closed (waiting up to `waitMs`), and the ids of the children it started. */
async function historyOf(
  client: Client,
  workflowId: string,
  waitMs: number,
): Promise<{ events: number; children: string[] }> {
  const handle = client.workflow.getHandle(workflowId);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([handle.result().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
  clearTimeout(timer);
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const children = events
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id): id is string => !!id);
  return { events: events.length, children };
}

/**
 * Temporal cost: history events per delivery over a sample of the given workflows (waited for until
 * closed), children they started included (followed from their histories, recursively).
 */
export async function historyEventsPerDelivery(
  client: Client,
  workflowIds: string[],
  deliveriesPerWorkflow: number,
  sample = 50,
): Promise<number> {
  const picked = evenSample(workflowIds, sample);
  if (picked.length === 0 || deliveriesPerWorkflow <= 0) return 0;
  let total = 0;
  const seen = new Set<string>();
  let queue = [...picked];
  while (queue.length > 0) {
    const batch = queue.filter((id) => !seen.has(id));
    batch.forEach((id) => seen.add(id));
    const histories = await Promise.all(batch.map((id) => historyOf(client, id, 30_000)));
    total += histories.reduce((sum, h) => sum + h.events, 0);
    queue = histories.flatMap((h) => h.children);
  }
  return total / (picked.length * deliveriesPerWorkflow);
}
