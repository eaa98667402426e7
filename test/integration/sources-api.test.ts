import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startApi } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { manage } from '../helpers/management.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({}, { worker: true });
});
afterAll(() => stack?.stop());

describe('source management API', () => {
  it('creates, reads, lists, updates and deletes a source without ever returning its secret', async () => {
    const id = uniqueId('crud');
    const secret = 'super-secret-value-123';
    const created = await manage(stack, 'POST', '/v1/sources', {
      id,
      scheme: 'github',
      secret,
      rateLimitPerMinute: 600,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id,
      scheme: 'github',
      ingressUrl: `/v1/webhooks/${id}`,
      toleranceSeconds: 300,
      maxBodyBytes: 262_144,
      enabled: true,
      rateLimitPerMinute: 600,
    });
    const fetched = await manage(stack, 'GET', `/v1/sources/${id}`);
    expect(fetched.body).toEqual(created.body);
    const patched = await manage(stack, 'PATCH', `/v1/sources/${id}`, { enabled: false, maxBodyBytes: 1_024 });
    expect(patched.body).toMatchObject({ enabled: false, maxBodyBytes: 1_024 });
    const rotated = await manage(stack, 'POST', `/v1/sources/${id}/rotate-secret`, { secret: 'the-next-secret-456' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousSecretsValidUntil).toEqual(expect.any(String));
    for (const response of [created, fetched, patched, rotated]) {
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain('the-next-secret-456');
    }
    expect((await manage(stack, 'DELETE', `/v1/sources/${id}`)).status).toBe(204);
    expect((await manage(stack, 'GET', `/v1/sources/${id}`)).status).toBe(404);
  });

  it('pages through sources with a cursor, without gaps or repeats', async () => {
    const prefix = uniqueId('page');
    const ids = Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`);
    for (const id of ids)
      await manage(stack, 'POST', '/v1/sources', { id, scheme: 'shopify', secret: 'shopify-secret-1' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await manage(stack, 'GET', `/v1/sources?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((s: { id: string }) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => id.startsWith(prefix))).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('rejects invalid bodies with 400 problem+json naming the paths, and a taken id with 409', async () => {
    const bad = await manage(stack, 'POST', '/v1/sources', { id: 'Not A Slug', scheme: 'carrier-pigeon', secret: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['/id', '/scheme', '/secret']),
    );
    const id = uniqueId('dup');
    await manage(stack, 'POST', '/v1/sources', { id, scheme: 'stripe', secret: 'whsec_abcdefgh' });
    expect(
      (await manage(stack, 'POST', '/v1/sources', { id, scheme: 'stripe', secret: 'whsec_abcdefgh' })).status,
    ).toBe(409);
    const notJson = await fetch(`${stack.url}/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.managementKey}`, 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
  });

  it('refuses missing and wrong bearer tokens with 401', async () => {
    expect((await manage(stack, 'GET', '/v1/sources', undefined, null)).status).toBe(401);
    const wrong = await manage(stack, 'GET', '/v1/sources', undefined, 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(
      (await manage(stack, 'POST', '/v1/sources', { id: 'x', scheme: 'github', secret: 'abcdefghij' }, null)).status,
    ).toBe(401);
  });
});

describe('secret rotation', () => {
  it('accepts both the old and the new secret during the grace window, and only the new one after it', async () => {
    const id = uniqueId('rot');
    await manage(stack, 'POST', '/v1/sources', { id, scheme: 'hmac-sha256', secret: 'old-secret-123' });
    await manage(stack, 'POST', `/v1/sources/${id}/rotate-secret`, { secret: 'new-secret-456', graceSeconds: 3600 });
    expect((await postHmacWebhook(stack.url, id, 'old-secret-123', courierEnvelope())).status).toBe(202);
    expect((await postHmacWebhook(stack.url, id, 'new-secret-456', courierEnvelope())).status).toBe(202);
    await manage(stack, 'POST', `/v1/sources/${id}/rotate-secret`, { secret: 'newest-secret-789', graceSeconds: 0 });
    expect((await postHmacWebhook(stack.url, id, 'new-secret-456', courierEnvelope())).status).toBe(401);
    expect((await postHmacWebhook(stack.url, id, 'old-secret-123', courierEnvelope())).status).toBe(401);
    expect((await postHmacWebhook(stack.url, id, 'newest-secret-789', courierEnvelope())).status).toBe(202);
  });

  it('is honoured by another API replica within 5 s', async () => {
    // A second replica with the production default cache TTL, sharing Postgres and Temporal.
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: stack.config.DATABASE_URL,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
      SOURCE_CACHE_TTL: undefined,
    });
    const replica = await startApi(config, createLogger('replica', 'silent'), stack.managementKey, '127.0.0.1');
    try {
      const id = uniqueId('replica');
      await manage(stack, 'POST', '/v1/sources', { id, scheme: 'hmac-sha256', secret: 'replica-old-secret' });
      expect((await postHmacWebhook(replica.url, id, 'replica-old-secret', courierEnvelope())).status).toBe(202);
      const rotatedAt = Date.now();
      await manage(stack, 'POST', `/v1/sources/${id}/rotate-secret`, { secret: 'replica-new-secret', graceSeconds: 0 });
      await waitFor(
        async () => (await postHmacWebhook(replica.url, id, 'replica-new-secret', courierEnvelope())).status === 202,
        { timeoutMs: 5_000, intervalMs: 200, what: 'the replica to accept the new secret' },
      );
      expect(Date.now() - rotatedAt).toBeLessThan(5_000);
      expect((await postHmacWebhook(replica.url, id, 'replica-old-secret', courierEnvelope())).status).toBe(401);
    } finally {
      await replica.stop();
    }
  });
});
