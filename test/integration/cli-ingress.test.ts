import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemeNames } from '../../src/schemes/index.js';
import { runCli } from '../helpers/cli.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

describe('hookflow CLI: sources and send', () => {
  it.each(schemeNames)('creates a %s source and sends it a signed sample webhook', async (scheme) => {
    const id = uniqueId('cli');
    const secret = scheme === 'standard-webhooks' ? 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' : 'cli-secret-123456';
    const created = await runCli(stack, ['sources', 'create', id, '--scheme', scheme, '--secret', secret, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id, scheme });
    expect(created.stdout).not.toContain(secret);

    const sent = await runCli(stack, ['send', id, '--scheme', scheme, '--secret', secret, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 202, acknowledged: true, duplicate: false });
  });

  it('runs as the installed bin/hookflow.js, exit codes included', async () => {
    const id = uniqueId('cli-bin');
    const created = await runCli(stack, ['sources', 'create', id, '--scheme', 'github', '--secret', 'bin-secret-123'], {
      viaBin: true,
    });
    expect(created.code, created.stderr).toBe(0);
    const listed = await runCli(stack, ['sources', 'list', '--json'], { viaBin: true });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain(id);
    expect((await runCli(stack, ['sources', 'create'], { viaBin: true })).code).toBe(2);
  });

  it('exits 1 with the problem detail when the signature is wrong, and 2 on a usage error', async () => {
    const id = uniqueId('cli');
    await runCli(stack, ['sources', 'create', id, '--scheme', 'github', '--secret', 'right-secret-123']);
    const wrong = await runCli(stack, ['send', id, '--scheme', 'github', '--secret', 'wrong-secret-123']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401/);
    expect((await runCli(stack, ['send', id, '--scheme', 'pigeon', '--secret', 'x'])).code).toBe(2);
    expect((await runCli(stack, ['sources', 'create'])).code).toBe(2);
  });

  it('lists sources as a table by default and as JSON with --json', async () => {
    const id = uniqueId('cli-list');
    await runCli(stack, ['sources', 'create', id, '--scheme', 'shopify', '--secret', 'shopify-secret-1']);
    const table = await runCli(stack, ['sources', 'list']);
    expect(table.stdout).toMatch(/^ID\s+SCHEME/m);
    expect(table.stdout).toContain(id);
    const json = JSON.parse((await runCli(stack, ['sources', 'list', '--json'])).stdout);
    expect(json.map((s: { id: string }) => s.id)).toContain(id);
  });
});
