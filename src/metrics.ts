/** The app's own prom-client registry (never the global one, so tests can build many apps). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const REQUEST_LABELS = ['route', 'model', 'provider', 'status'] as const;
const TOKEN_LABELS = ['provider', 'model', 'direction'] as const;

export class RelayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<string> = new Counter({
    name: 'lmrelay_requests_total',
    help: 'Client requests by route, model ref, provider that answered, and HTTP status',
    labelNames: REQUEST_LABELS,
    registers: [this.registry],
    collect: (): void => this.requestTally.publish(),
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
  readonly tokens: Counter<string> = new Counter({
    name: 'lmrelay_tokens_total',
    help: 'Tokens reported by upstream usage',
    labelNames: TOKEN_LABELS,
    registers: [this.registry],
    collect: (): void => this.tokenTally.publish(),
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
    if (typeof input === 'number' && input > 0) this.tokenTally.add(input, provider, model, 'input');
    if (typeof output === 'number' && output > 0) this.tokenTally.add(output, provider, model, 'output');
  }

  countRequest(route: string, model: string, provider: string, status: number, seconds: number): void {
    this.requestTally.add(1, route, model, provider, status);
    if (provider) this.durationChild(route, provider).observe(seconds);
  }

  // Requests and tokens are counted as plain numbers and handed to prom-client at scrape time:
  // its inc() hashes the label object (sorting its keys) on every call.
  private readonly requestTally: Tally = new Tally(this.requests, REQUEST_LABELS);
  private readonly tokenTally: Tally = new Tally(this.tokens, TOKEN_LABELS);
  private readonly durationChildren = new Map<string, Map<string, { observe(v: number): void }>>();

  private durationChild(route: string, provider: string): { observe(v: number): void } {
    let byProvider = this.durationChildren.get(route);
    if (!byProvider) this.durationChildren.set(route, (byProvider = new Map()));
    let child = byProvider.get(provider);
    if (!child) byProvider.set(provider, (child = this.duration.labels(route, provider)));
    return child;
  }
}

type LabelValue = string | number;

/** Counts per label values, kept in nested Maps (no key string built per call). */
class Tally {
  private readonly root = new Map<LabelValue, any>();
  private readonly series: Array<{ labels: Record<string, string>; value: number; published: number }> = [];

  constructor(
    private readonly counter: Counter<string>,
    private readonly labelNames: readonly string[],
  ) {}

  add(n: number, ...values: LabelValue[]): void {
    let map = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = map.get(values[i]);
      if (!next) map.set(values[i], (next = new Map()));
      map = next;
    }
    let entry = map.get(values[last]);
    if (!entry) {
      entry = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, String(values[i])])), value: 0, published: 0 };
      map.set(values[last], entry);
      this.series.push(entry);
    }
    entry.value += n;
  }

  /** Hands what was counted since the last scrape to prom-client (its `collect` hook). */
  publish(): void {
    for (const entry of this.series) {
      if (entry.value === entry.published) continue;
      this.counter.inc(entry.labels, entry.value - entry.published);
      entry.published = entry.value;
    }
  }
}
