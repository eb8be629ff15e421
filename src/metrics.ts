/** The app's own prom-client registry (never the global one, so tests can build many apps). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RelayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'lmrelay_requests_total',
    help: 'Client requests by route, model ref, provider that answered, and HTTP status',
    labelNames: ['route', 'model', 'provider', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'lmrelay_request_duration_seconds',
    help: 'Client request duration, to the end of the body or stream',
    labelNames: ['route', 'provider'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: 'lmrelay_time_to_first_token_seconds',
    help: 'Time from request to the first streamed chunk from the upstream',
    labelNames: ['provider'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly upstreamFailures = new Counter({
    name: 'lmrelay_upstream_failures_total',
    help: 'Failed model calls by provider and failure kind',
    labelNames: ['provider', 'failure_kind'] as const,
    registers: [this.registry],
  });
  readonly fallbacks = new Counter({
    name: 'lmrelay_fallbacks_total',
    help: 'Moves from one model of a chain to the next',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'lmrelay_tokens_total',
    help: 'Tokens reported by upstream usage',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers: [this.registry],
  });

  readonly stateBackendUp = new Gauge({
    name: 'lmrelay_state_backend_up',
    help: 'Whether the shared state backend answers (1) or local state is used in its place (0); backend="local" on a single box',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  countUsage(provider: string, model: string, usage: unknown): void {
    if (!usage || typeof usage !== 'object') return;
    const u = usage as Record<string, unknown>;
    const input = u.prompt_tokens ?? u.input_tokens;
    const output = u.completion_tokens ?? u.output_tokens;
    if (typeof input === 'number' && input > 0) this.child(this.tokens, provider, model, 'input').inc(input);
    if (typeof output === 'number' && output > 0) this.child(this.tokens, provider, model, 'output').inc(output);
  }

  countRequest(route: string, model: string, provider: string, status: number, seconds: number): void {
    this.child(this.requests, route, model, provider, String(status)).inc();
    if (provider) this.child(this.duration, route, provider).observe(seconds);
  }

  /**
   * Label children cached by their values: prom-client hashes a label object (sorting its keys)
   * on every call otherwise, several times per request.
   */
  private readonly children = new Map<string, { inc(n?: number): void; observe(v: number): void }>();

  private child(metric: Counter<string> | Histogram<string>, ...values: string[]): { inc(n?: number): void; observe(v: number): void } {
    const key = `${metric === this.requests ? 'r' : metric === this.duration ? 'd' : 't'}\u0000${values.join('\u0000')}`;
    let child = this.children.get(key);
    if (!child) {
      child = (metric as Counter<string>).labels(...values) as unknown as { inc(n?: number): void; observe(v: number): void };
      this.children.set(key, child);
    }
    return child;
  }
}
