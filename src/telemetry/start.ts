/** Tracing for an app, or nothing: the SDK is loaded only when an endpoint is configured. */
import type { Config } from '../config/schema.js';
import { lmrelayPackage } from '../package-root.js';
import { traceSettings } from './settings.js';
import type { Tracing } from './types.js';

export async function startTracing(config: Config, env: NodeJS.ProcessEnv): Promise<Tracing | undefined> {
  const settings = traceSettings(config.diagnostics.otel, env);
  if (!settings) return undefined;
  const { createTracing } = await import('./tracing.js');
  return createTracing(settings, lmrelayPackage()?.version ?? 'unknown');
}
