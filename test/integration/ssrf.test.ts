import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptions } from '../../src/db/schema.js';
import { createCourierSource, fastRetries, waitForDeadLetter } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let target: Sink;
beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, ALLOW_PRIVATE_TARGETS: 'false' });
  target = await startSink();
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

const port = () => new URL(target.url).port;

describe('SSRF guard with private targets disallowed', () => {
  it.each([
    ['loopback', () => `http://127.0.0.1:${port()}/`],
    ['IPv6 loopback', () => `http://[::1]:${port()}/`],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${port()}/`],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['10/8', () => 'http://10.1.2.3/hook'],
    ['fc00::/7', () => 'http://[fd00::1]/hook'],
    ['a hostname resolving to loopback', () => `http://localhost:${port()}/`],
  ])('refuses to register a %s URL with 400', async (_, url) => {
    const response = await manage(stack, 'POST', '/v1/subscriptions', { url: url(), sourceIds: ['x'] });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('/url');
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${port()}/`],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${port()}/`],
    ['a hostname resolving to loopback', () => `http://localhost:${port()}/`],
  ])('dead-letters a delivery to a %s target as blocked_target at connect time, after one attempt', async (_, url) => {
    const source = await createCourierSource(stack);
    // Registered while it pointed elsewhere, then changed underneath (as DNS rebinding would).
    const created = await manage(stack, 'POST', '/v1/subscriptions', {
      url: 'https://93.184.216.34/hook',
      sourceIds: [source.id],
    });
    expect(created.status, created.text).toBe(201);
    await stack.db.update(subscriptions).set({ url: url() }).where(eq(subscriptions.id, created.body.id));
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, created.body.id, eventId);
    expect(deadLetter).toMatchObject({ reason: 'blocked_target', attempts: 1 });
    expect(target.byMessage(eventId)).toHaveLength(0);
  });
});
