import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { MiddlewareHandler } from 'hono';
import type { Config } from './config.js';

export interface Tracing {
  /** Temporal client + worker plugin: propagates the trace into workflows and activities. */
  plugin: OpenTelemetryPlugin;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing exported over OTLP/HTTP, only when OTEL_EXPORTER_OTLP_ENDPOINT is set;
 * otherwise undefined and nothing is instrumented.
 */
export function startTracing(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>,
  serviceName: string,
): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const resource = new Resource({ 'service.name': serviceName, 'service.namespace': 'hookflow' });
  const spanProcessor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
    { scheduledDelayMillis: 500 },
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), shutdown: () => provider.shutdown() };
}

/**
 * One server span per HTTP request, continuing an incoming `traceparent`. The workflow start
 * happens inside it, so the event workflow carries the same trace id.
 */
export function httpSpans(): MiddlewareHandler {
  const tracer = trace.getTracer('hookflow-http');
  return async (c, next) => {
    const parent = propagation.extract(context.active(), c.req.header());
    const span = tracer.startSpan(
      `${c.req.method} ${c.req.routePath}`,
      { kind: SpanKind.SERVER, attributes: { 'http.method': c.req.method, 'url.path': c.req.path } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
      const route = c.req.matchedRoutes.filter((r) => r.method !== 'ALL').at(-1)?.path;
      if (route) span.updateName(`${c.req.method} ${route}`);
      span.setAttribute('http.status_code', c.res.status);
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } finally {
      span.end();
    }
  };
}

/** The current OpenTelemetry trace id, when a span is active. */
export function activeTraceId(): string | undefined {
  const id = trace.getActiveSpan()?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : undefined;
}
