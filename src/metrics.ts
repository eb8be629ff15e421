/**
 * The app's own metrics: a prom-client registry (never the global one, so tests can build many
 * apps) for counters and gauges, and histograms kept as plain bucket counts beside it; `/metrics`
 * writes both (`exposition()`).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ModelLabels } from './model-labels.js';
import { tokenCounts } from './usage-tokens.js';

const REQUEST_LABELS = ['route', 'model', 'provider', 'status'] as const;
const TOKEN_LABELS = ['provider', 'model', 'direction'] as const;
const COST_LABELS = ['provider', 'model', 'key'] as const;

export class RelayMetrics {
  readonly registry = new Registry();
  /** Which model refs are labels of their own; every model label below goes through it. */
  readonly modelLabels = new ModelLabels();
  readonly requests: Counter<string> = new Counter({
    name: 'lmrelay_requests_total',
    help: 'Client requests by route, model ref, provider that answered, and HTTP status',
    labelNames: REQUEST_LABELS,
    registers: [this.registry],
    collect: (): void => this.requestTally.publish(),
  });
  readonly duration = new TallyHistogram({
    name: 'lmrelay_request_duration_seconds',
    help: 'Client request duration, to the end of the body or stream',
    labelNames: ['route', 'provider'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  });
  readonly timeToFirstToken = new TallyHistogram({
    name: 'lmrelay_time_to_first_token_seconds',
    help: 'Time from request to the first streamed chunk from the upstream',
    labelNames: ['provider'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
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
  readonly cost: Counter<string> = new Counter({
    name: 'lmrelay_cost_usd_total',
    help: 'Dollars answers cost, priced by the answering model\'s cost; key is the inbound key\'s name',
    labelNames: COST_LABELS,
    registers: [this.registry],
    collect: (): void => this.costTally.publish(),
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

  /** The content type of `exposition()`: Prometheus text, version 0.0.4 (the registry's default). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Everything, in Prometheus text format: the registry's metrics, then the histograms. */
  async exposition(): Promise<string> {
    return `${await this.registry.metrics()}\n${[this.duration, this.timeToFirstToken].map((h) => h.exposition()).join('\n\n')}\n`;
  }

  countUsage(provider: string, model: string, usage: unknown): void {
    const tokens = tokenCounts(usage);
    if (!tokens) return;
    const label = this.modelLabels.of(model);
    if (tokens.input > 0) this.tokenTally.add(tokens.input, provider, label, 'input');
    if (tokens.output > 0) this.tokenTally.add(tokens.output, provider, label, 'output');
  }

  /** `key`: the inbound key's name (bounded by the config), empty without keys. */
  countCost(provider: string, model: string, key: string, usd: number): void {
    this.costTally.add(usd, provider, this.modelLabels.of(model), key);
  }

  /** Every request, failed ones included (their provider is empty when no model was resolved). */
  countRequest(route: string, model: string | undefined, provider: string, status: number, seconds: number): void {
    this.requestTally.add(1, route, this.modelLabels.of(model), provider, status);
    this.duration.observe(seconds, route, provider);
  }

  countFallback(from: string, to: string): void {
    this.fallbacks.inc({ from: this.modelLabels.of(from), to: this.modelLabels.of(to) });
  }

  // Requests and tokens are counted as plain numbers and handed to prom-client at scrape time:
  // its inc() and observe() hash the label object (sorting its keys) on every call.
  private readonly requestTally: Tally = new Tally(this.requests, REQUEST_LABELS);
  private readonly tokenTally: Tally = new Tally(this.tokens, TOKEN_LABELS);
  private readonly costTally: Tally = new Tally(this.cost, COST_LABELS);
}

type LabelValue = string | number;

/** Series by label values, in nested Maps: no key string is built per call. */
class SeriesIndex<T> {
  private readonly root = new Map<LabelValue, any>();
  readonly all: T[] = [];

  constructor(private readonly create: (values: readonly LabelValue[]) => T) {}

  get(values: readonly LabelValue[]): T {
    let map = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = map.get(values[i]);
      if (!next) map.set(values[i], (next = new Map()));
      map = next;
    }
    let series = map.get(values[last]);
    if (!series) {
      map.set(values[last], (series = this.create(values)));
      this.all.push(series);
    }
    return series;
  }
}

const labelsOf = (names: readonly string[], values: readonly LabelValue[]) => Object.fromEntries(names.map((name, i) => [name, String(values[i])]));

/** Counts for a prom-client Counter, published to it by its `collect` hook before each scrape. */
class Tally {
  private readonly series: SeriesIndex<{ labels: Record<string, string>; value: number; published: number }>;

  constructor(
    private readonly counter: Counter<string>,
    labelNames: readonly string[],
  ) {
    this.series = new SeriesIndex((values) => ({ labels: labelsOf(labelNames, values), value: 0, published: 0 }));
  }

  add(n: number, ...values: LabelValue[]): void {
    this.series.get(values).value += n;
  }

  /** Hands what was counted since the last scrape to prom-client. */
  publish(): void {
    for (const entry of this.series.all) {
      if (entry.value === entry.published) continue;
      this.counter.inc(entry.labels, entry.value - entry.published);
      entry.published = entry.value;
    }
  }
}

/**
 * A histogram kept as plain bucket counts (prom-client's observe() hashes the label object on
 * every call), written in the Prometheus text format by itself: `_bucket` with `le`, `_sum`, `_count`.
 */
export class TallyHistogram {
  readonly name: string;
  readonly help: string;
  private readonly bounds: number[];
  private readonly series: SeriesIndex<{ labels: Record<string, string>; counts: number[]; sum: number; count: number }>;

  constructor(opts: { name: string; help: string; labelNames: readonly string[]; buckets: number[] }) {
    this.name = opts.name;
    this.help = opts.help;
    this.bounds = [...opts.buckets].sort((a, b) => a - b);
    this.series = new SeriesIndex((values) => ({ labels: labelsOf(opts.labelNames, values), counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
  }

  observe(value: number, ...labelValues: LabelValue[]): void {
    const series = this.series.get(labelValues);
    series.sum += value;
    series.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        series.counts[i]++;
        break;
      }
    }
  }

  /** `# HELP`, `# TYPE`, then per series its cumulative buckets, `+Inf`, sum and count (scrape time only). */
  exposition(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.all) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
      const withLe = (le: string) => `{${[...labels, `le="${le}"`].join(',')}}`;
      const plain = labels.length ? `{${labels.join(',')}}` : '';
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i];
        lines.push(`${this.name}_bucket${withLe(String(bound))} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${withLe('+Inf')} ${s.count}`, `${this.name}_sum${plain} ${s.sum}`, `${this.name}_count${plain} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** The text format's escapes: backslash and newline in help, and the double quote too in label values. */
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabelValue = (text: string) => escapeHelp(text).replace(/"/g, '\\"');
