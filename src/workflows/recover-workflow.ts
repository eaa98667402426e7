import {
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { searchAttributes } from '../domain/search-attributes.js';
import { recoverProgressQuery } from '../domain/signals.js';
import type { RecoverInput, RecoverPageResult, RecoverProgress } from '../domain/workflow-io.js';
import { bookkeepingOptions } from './retry.js';

const { recoverPage } = proxyActivities<HookflowActivities>({
  ...bookkeepingOptions,
  startToCloseTimeout: '10m',
  // The page's position is heartbeated: a retry resumes after the last delivery it resent.
  heartbeatTimeout: '1m',
});

/**
 * `recover:<subscriptionId>:<ulid>` (README "Recover a time window"): resends a subscription's
 * deliveries of `[since, until)` in acceptance order, a page per activity, at most `ratePerSecond`,
 * continuing as new every `pagesPerRun` pages with its position and counts. Cancel it to stop; what
 * it resent so far stays resent. Its `progress` query and current details say how far it got.
 */
export async function recoverWorkflow(input: RecoverInput): Promise<RecoverProgress> {
  const progress: RecoverProgress = { ...input.progress };
  setHandler(recoverProgressQuery, () => progress);
  upsertSearchAttributes([{ key: searchAttributes.status, value: 'recovering' }]);
  for (let page = 0; page < input.pagesPerRun; page += 1) {
    const started = Date.now();
    const result = await recoverPage({
      recoveryId: workflowInfo().workflowId,
      subscriptionId: input.subscriptionId,
      since: input.since,
      until: input.until,
      scope: input.scope,
      after: progress.cursor,
      limit: input.pageSize,
    });
    add(progress, result);
    setCurrentDetails(describe(input, progress));
    if (result.cursor === null || result.scanned < input.pageSize) return finish(input, progress);
    // At most ratePerSecond resends: a page of n waits out n / rate seconds (workflow time, a timer).
    const budgetMs = ((result.redelivered + result.replayed) * 1000) / input.ratePerSecond;
    const waitMs = budgetMs - (Date.now() - started);
    if (waitMs > 0) await sleep(waitMs);
  }
  return continueAsNew<typeof recoverWorkflow>({ ...input, progress });
}

function add(progress: RecoverProgress, page: RecoverPageResult): void {
  progress.scanned += page.scanned;
  progress.redelivered += page.redelivered;
  progress.replayed += page.replayed;
  progress.inProgress += page.inProgress;
  if (page.cursor) progress.cursor = page.cursor;
}

function finish(input: RecoverInput, progress: RecoverProgress): RecoverProgress {
  progress.done = true;
  upsertSearchAttributes([{ key: searchAttributes.status, value: 'delivered' }]);
  setCurrentDetails(describe(input, progress));
  return progress;
}

function describe(input: RecoverInput, p: RecoverProgress): string {
  const position = p.cursor ? `, up to ${p.cursor.receivedAt}` : '';
  return `${p.done ? 'done' : 'recovering'}: ${p.scanned} deliveries of ${input.subscriptionId} looked at, ${p.redelivered} redelivered, ${p.replayed} replayed, ${p.inProgress} left in progress${position}`;
}
