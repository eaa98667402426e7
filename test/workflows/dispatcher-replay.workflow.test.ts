// Dispatchers are long-lived (they continue as new every DISPATCHER_ADMISSIONS_PER_RUN admissions),
// so a worker upgrade replays histories the previous code wrote. The fixture is a FIFO dispatcher run
// recorded with the code of 42cea5d (a dispatcher on a local dev server with fake activities, saved by
// `temporal workflow show --output json`), when `acceptanceFloorOf` answered a bare acceptance mark (two
// floor answers, two admissions, the idle timer): the current code must replay it without a
// nondeterminism error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, it } from 'vitest';
import { workflowsPath } from '../../src/worker/workflow-bundle.js';

const fixture = new URL('../fixtures/dispatcher-history-before-not-yet-queued.json', import.meta.url);

/**
 * The fixture (`temporal workflow show --output json`) as a History. Not `historyFromJSON`: in this
 * install @temporalio/common and @temporalio/proto each carry their own protobufjs 8 (the root one is
 * 7, for grpc and OpenTelemetry), so common's parser rejects proto's types ("type must be a Type");
 * the parser of proto's own protobufjs reads them.
 */
function historyOf(json: unknown): proto.temporal.api.history.v1.IHistory {
  const require = createRequire(import.meta.url);
  const fromProto = createRequire(require.resolve('@temporalio/proto'));
  const { fromJson } = fromProto('protobufjs/ext/protojson') as {
    fromJson: (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;
  };
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown };
  };
  const root = patchProtobufRoot(require('@temporalio/proto'));
  return fromJson(root.lookupType('temporal.api.history.v1.History'), json, {
    ignoreUnknownFields: true,
  }) as proto.temporal.api.history.v1.IHistory;
}

describe('dispatcherWorkflow replay', () => {
  it('replays a run recorded when the acceptance floor was a bare mark', { timeout: 60_000 }, async () => {
    const history = historyOf(JSON.parse(readFileSync(fixture, 'utf8')));
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle }, history, 'dispatcher:sub_history');
  });
});
