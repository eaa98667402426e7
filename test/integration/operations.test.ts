import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourierSource, fastRetries, subscribe, waitForDeliveryStatus } from '../helpers/delivery-fixtures.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let target: Sink;
beforeAll(async () => {
  stack = await startTestStack(fastRetries);
  target = await startSink();
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

/** Every route of the management API (README "Operate it", docs/architecture.md), as `METHOD path` with OpenAPI `{param}` syntax. */
const specRoutes = [
  'get /v1/sources',
  'post /v1/sources',
  'get /v1/sources/{id}',
  'patch /v1/sources/{id}',
  'delete /v1/sources/{id}',
  'post /v1/sources/{id}/rotate-secret',
  'get /v1/subscriptions',
  'post /v1/subscriptions',
  'get /v1/subscriptions/{id}',
  'patch /v1/subscriptions/{id}',
  'delete /v1/subscriptions/{id}',
  'post /v1/subscriptions/{id}/rotate-secret',
  'post /v1/subscriptions/{id}/enable',
  'post /v1/subscriptions/{id}/disable',
  'post /v1/subscriptions/{id}/test',
  'get /v1/subscriptions/{id}/deliveries',
  'get /v1/events',
  'get /v1/events/{id}',
  'get /v1/dead-letters',
  'get /v1/dead-letters/{id}',
  'post /v1/dead-letters/{id}/replay',
  'post /v1/dead-letters/{id}/discard',
  'post /v1/dead-letters/replay',
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'post /v1/webhooks/{sourceId}',
];

describe('OpenAPI document and reference page', () => {
  it('is a valid OpenAPI 3.1 document listing every route of the management API', async () => {
    const document = await (await fetch(`${stack.url}/openapi.json`)).json();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`),
    );
    expect(listed).toEqual(expect.arrayContaining(specRoutes));
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('renders the reference at /docs from local assets', async () => {
    const page = await fetch(`${stack.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    const bundle = await fetch(`${stack.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect(await (await fetch(`${stack.url}/docs/init.js`)).text()).toContain('/openapi.json');
  });
});

const sample = (text: string, name: string, labels = '') => {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) ||
        (labels && l.startsWith(`${name}{`) && l.includes(labels)),
    );
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('GET /metrics', () => {
  it('moves ingress, duplicate and delivery metrics as traffic flows, with millisecond buckets', async () => {
    const source = await createCourierSource(stack);
    await subscribe(stack, target.url, source.id);
    const before = await (await fetch(`${stack.url}/metrics`)).text();
    const accepted = await source.send({ idempotencyKey: 'metrics-key-1' });
    await source.send().catch(() => undefined);
    const duplicate = await fetch(`${stack.url}/v1/webhooks/${source.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(duplicate.status).toBe(401);
    await waitForDeliveryStatus(stack, accepted.eventId, 'delivered');
    const after = await (await fetch(`${stack.url}/metrics`)).text();
    expect(
      sample(after, 'hookflow_ingress_requests_total', `source="${source.id}",status="202"`) -
        sample(before, 'hookflow_ingress_requests_total', `source="${source.id}",status="202"`),
    ).toBe(2);
    expect(sample(after, 'hookflow_ingress_requests_total', `source="${source.id}",status="401"`)).toBe(1);
    expect(after).toMatch(/hookflow_ingress_duration_ms_bucket\{le="40",source="[^"]+"\}/);
    expect(after).toMatch(/hookflow_deliveries\{status="delivered"\} [1-9]/);
    expect(after).toMatch(/^hookflow_dead_letters_open \d+/m);
    expect(after).toMatch(/^hookflow_api_process_resident_memory_bytes \d+/m);
  });
});
