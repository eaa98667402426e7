// The committed history corpus (test/fixtures/histories/, described in its README.md): histories of
// each workflow type and path, recorded by earlier code, replayed against the current workflow code.
// A change that breaks one must be patched (docs/deployment.md), never made by regenerating it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/worker-setup/workflow-bundle.js';
import { historyFromJson } from '../helpers/history-json.js';

const corpus = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const files = readdirSync(corpus).filter((name) => name.endsWith('.json'));

describe('the committed history corpus', () => {
  it('holds a history of every workflow type', () => {
    const types = files.map((name) => name.split('.')[0]);
    for (const type of ['event', 'fanout', 'redelivery', 'dispatcher', 'maintenance'])
      expect(types, `no ${type}.*.json in test/fixtures/histories/`).toContain(type);
  });

  it(`replays all ${files.length} histories with the current workflow code`, { timeout: 120_000 }, async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    // Each file is a history as `temporal workflow show --output json` writes it, plus the run's
    // `workflowId` (workflow code reads it, so a replay under another id takes other branches).
    const histories = files.map((name) => {
      const json = JSON.parse(readFileSync(`${corpus}${name}`, 'utf8')) as { workflowId?: string };
      expect(json.workflowId, `${name} names no workflowId`).toBeTypeOf('string');
      return { workflowId: json.workflowId!, history: historyFromJson(json) };
    });
    const fileOf = new Map(histories.map((h, i) => [h.workflowId, files[i]]));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories))
      if (result.error) failures.push(`${fileOf.get(result.workflowId)}: ${String(result.error).split('\n')[0]}`);
    expect(failures).toEqual([]);
  });
});
