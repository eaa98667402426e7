// Dispatchers are long-lived (they continue as new every DISPATCHER_ADMISSIONS_PER_RUN admissions),
// so a worker upgrade replays histories the previous code wrote. The fixture is a FIFO dispatcher run
// recorded with the code of 42cea5d (a dispatcher on a local dev server with fake activities, saved by
// `temporal workflow show --output json`), when `acceptanceFloorOf` answered a bare acceptance mark (two
// floor answers, two admissions, the idle timer): the current code must replay it without a
// nondeterminism error.
import { readFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import { workflowsPath } from '../../src/worker/workflow-bundle.js';
import { historyFromJson } from '../helpers/history-json.js';

const fixture = new URL('../fixtures/dispatcher-history-before-not-yet-queued.json', import.meta.url);

describe('dispatcherWorkflow replay', () => {
  it('replays a run recorded when the acceptance floor was a bare mark', { timeout: 60_000 }, async () => {
    const history = historyFromJson(JSON.parse(readFileSync(fixture, 'utf8')));
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle }, history, 'dispatcher:sub_history');
  });
});
