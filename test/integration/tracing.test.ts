import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourierSource, fastRetries, subscribe, waitForDeliveryStatus } from '../helpers/delivery-fixtures.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// A real OTLP/HTTP receiver on loopback: the exporters post JSON span batches to /v1/traces.
let collector: Sink;
let target: Sink;
let stack: TestStack;
beforeAll(async () => {
  collector = await startSink();
  target = await startSink();
  // Bundled at start, so the bundle carries the OpenTelemetry workflow interceptors (as in production with tracing on).
  stack = await startTestStack(
    { ...fastRetries, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    { prebuiltBundle: false },
  );
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([collector?.close(), target?.close()]);
});

interface OtlpSpan {
  traceId: string;
  name: string;
}
const spans = (): OtlpSpan[] =>
  collector.received
    .filter((r) => r.path === '/v1/traces')
    .flatMap((r) => (JSON.parse(r.body).resourceSpans ?? []) as { scopeSpans: { spans: OtlpSpan[] }[] }[])
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

describe('OpenTelemetry (on when OTEL_EXPORTER_OTLP_ENDPOINT is set)', () => {
  it("exports the ingress request's trace, and its workflow and activities carry the same trace id", async () => {
    const source = await createCourierSource(stack);
    await subscribe(stack, target.url, source.id);
    const accepted = await source.send();
    expect(accepted).toHaveProperty('eventId');
    await waitForDeliveryStatus(stack, accepted.eventId, 'delivered');
    const traceId = (accepted as unknown as { traceId: string }).traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(
      async () => {
        const names = spans()
          .filter((s) => s.traceId === traceId)
          .map((s) => s.name);
        return names.some((n) => n.startsWith('POST')) &&
          names.some((n) => n.includes('StartWorkflow')) &&
          names.some((n) => n.includes('RunActivity'))
          ? names
          : undefined;
      },
      { timeoutMs: 15_000, what: 'HTTP, workflow-start and activity spans of one trace' },
    ).catch((e) => {
      console.log(
        'SPANS',
        collector.received.length,
        collector.received
          .map((r) => r.path + ' ' + r.headers['content-type'] + ' ' + r.body.slice(0, 200))
          .slice(0, 3),
        JSON.stringify(spans().map((s) => [s.traceId, s.name])),
      );
      throw e;
    });
  });
});
