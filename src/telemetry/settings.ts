/**
 * Whether traces are exported, and where: decided once, at start. The config's
 * `diagnostics.otel` wins over the standard OTEL_* variables; with neither naming an endpoint
 * tracing is off and nothing of OpenTelemetry is even loaded.
 */
import type { OtelConfig } from '../config/schema.js';

export interface TraceSettings {
  /** The full OTLP/HTTP traces URL. */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  sampleRate: number;
  flushIntervalMs: number;
  captureContent: boolean;
}

export function traceSettings(otel: OtelConfig, env: NodeJS.ProcessEnv): TraceSettings | undefined {
  if (otel.enabled === false) return undefined;
  if (otel.enabled === undefined && (isTrue(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER?.trim() === 'none')) return undefined;
  const url = otel.tracesEndpoint ?? (otel.endpoint && tracesPath(otel.endpoint)) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? tracesPathOf(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!url) return undefined;
  return {
    url,
    headers: otel.headers ?? parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
    serviceName: otel.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME) ?? 'lmrelay',
    sampleRate: otel.sampleRate,
    flushIntervalMs: otel.flushIntervalMs,
    captureContent: otel.captureContent,
  };
}

/** The spec's rule for the base endpoint: `/v1/traces` appended to its path. */
function tracesPath(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function tracesPathOf(base: string | undefined): string | undefined {
  const value = nonEmpty(base);
  return value && tracesPath(value);
}

/** `key1=value1,key2=value2`, values percent-encoded (the OTLP exporter spec's format). */
export function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    let value = pair.slice(at + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoding: taken as written.
    }
    if (name) headers[name] = value;
  }
  return headers;
}

const nonEmpty = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === 'true';
