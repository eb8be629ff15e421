/**
 * The OpenTelemetry SDK, set up only when traces are configured (this module is loaded by a
 * dynamic import then, and never otherwise). Its own tracer provider and W3C propagator, not the
 * global ones: several apps (tests) may run in one process, and lmrelay passes each span's
 * context by hand, so no context manager is needed.
 */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { FastifyRequest } from 'fastify';
import type { TraceSettings } from './settings.js';
import type { RequestTrace, Tracing } from './types.js';
import { SpanRequestTrace, type TraceTools } from './request-trace.js';

/**
 * Two spans a request at thousands of requests a second overflow the SDK's default queue (2,048
 * spans; the excess is dropped): larger batches and queue, unless OTEL_BSP_* set them.
 */
function queueSizes(env: NodeJS.ProcessEnv): { maxQueueSize?: number; maxExportBatchSize?: number } {
  return {
    maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE ? undefined : 16_384,
    maxExportBatchSize: env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? undefined : 2048,
  };
}

export function createTracing(settings: TraceSettings, version: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  const exporter = new OTLPTraceExporter({ url: settings.url, headers: settings.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version }),
    // A client's sampled (or not) parent decides; a trace lmrelay starts keeps sampleRate of them.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRate) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: settings.flushIntervalMs, ...queueSizes(env) })],
  });
  const tools: TraceTools = {
    tracer: provider.getTracer('lmrelay', version),
    propagator: new W3CTraceContextPropagator(),
    captureContent: settings.captureContent,
  };
  return {
    startRequest: (request: FastifyRequest, scrub: (text: string) => string): RequestTrace => new SpanRequestTrace(tools, request, scrub),
    shutdown: () => provider.shutdown(),
  };
}
