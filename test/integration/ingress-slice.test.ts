import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/db/schema.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { insertSource } from '../helpers/sources.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('the thin slice: HTTP → Temporal → PostgreSQL', () => {
  let stack: TestStack;
  const sourceId = uniqueId('courier');
  const secret = 'slice-secret-0123456789';

  beforeAll(async () => {
    stack = await startTestStack();
    await insertSource(stack, { id: sourceId, scheme: 'hmac-sha256', secret });
  });
  afterAll(() => stack?.stop());

  it('accepts a signed webhook, runs eventWorkflow and records the event row', async () => {
    const envelope = courierEnvelope();
    const response = await postHmacWebhook(stack.url, sourceId, secret, envelope);
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ acknowledged: true, duplicate: false, idempotencyKey: envelope.idempotencyKey });
    expect(body.workflowId).toBe(`event:${sourceId}:${envelope.idempotencyKey}`);
    expect(body.eventId).toMatch(/^evt_[0-9a-z]{26}$/);

    await stack.temporal.workflow.getHandle(body.workflowId).result();
    const row = await stack.db.query.events.findFirst({ where: eq(events.id, body.eventId) });
    expect(row).toMatchObject({
      sourceId,
      idempotencyKey: envelope.idempotencyKey,
      eventType: 'shipment.delivered',
      workflowId: body.workflowId,
    });
    expect(row?.payload).toEqual(envelope);

    const found = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const wf of stack.temporal.workflow.list({
          query: `HookflowSource = "${sourceId}" AND HookflowEventId = "${body.eventId}"`,
        }))
          ids.push(wf.workflowId);
        return ids.length > 0 ? ids : undefined;
      },
      { what: 'the workflow to be visible by its search attributes' },
    );
    expect(found).toEqual([body.workflowId]);
  });

  it('answers readyz 200 when Postgres and Temporal are reachable', async () => {
    const response = await fetch(`${stack.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { postgres: 'ok', temporal: 'ok' } });
  });
});
