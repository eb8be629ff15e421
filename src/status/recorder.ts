/**
 * What the status page shows of traffic, kept at a fixed, small cost per request whether or not
 * a page is open: per-second counts and latency histograms over the last minutes (typed arrays,
 * a ring of seconds), the last requests (a ring of reused slots: no allocation per request), and
 * each provider's last success and failure. Everything else is worked out when a page asks.
 */
import type { FailureKind } from '../../core/errors.js';

/** Seconds of history: the charts' width. */
export const WINDOW_SECONDS = 300;
/** Latency histogram bins: three per doubling, from 0.5 ms up to about 17 minutes. */
const BINS = 64;
const BINS_PER_DOUBLING = 3;
const BIN_OFFSET = 3;
/** Requests kept for the table (and the per-model summary). */
export const RECENT_REQUESTS = 200;

/** What the access line knows of a request beyond route and status (the app's RelayInfo). */
export interface RequestFacts {
  model?: string;
  provider?: string;
  attempts?: number;
  stream?: boolean;
  firstTokenMs?: number;
}

export interface RecentRequest {
  at: number;
  route: string;
  model: string;
  provider: string;
  status: number;
  durationMs: number;
  attempts: number;
  stream: boolean;
  failureKind: string;
  firstTokenMs: number;
}

export interface ProviderRecord {
  lastOkAt: number;
  lastFailureAt: number;
  lastFailureKind: string;
  /** Failures by kind since start. */
  failures: Map<string, number>;
}

/** One value per second of the window, oldest first (columns: compact as JSON). */
export interface Series {
  endSecond: number;
  requests: number[];
  errors: number[];
  latencyP50: Array<number | null>;
  latencyP95: Array<number | null>;
  firstTokenP50: Array<number | null>;
  firstTokenP95: Array<number | null>;
}

export class StatusRecorder {
  private readonly second = new Float64Array(WINDOW_SECONDS).fill(-1);
  private readonly requests = new Uint32Array(WINDOW_SECONDS);
  private readonly errors = new Uint32Array(WINDOW_SECONDS);
  private readonly latency = new Uint32Array(WINDOW_SECONDS * BINS);
  private readonly firstToken = new Uint32Array(WINDOW_SECONDS * BINS);
  private readonly recent: RecentRequest[] = Array.from({ length: RECENT_REQUESTS }, emptyRequest);
  private recentCount = 0;
  private readonly providers = new Map<string, ProviderRecord>();
  readonly startedAt = Date.now();
  totalRequests = 0;
  totalErrors = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** One finished request (the access line's point): a few array writes. */
  record(route: string, info: RequestFacts, status: number, durationMs: number, failureKind: string | undefined): void {
    const at = this.now();
    const row = this.row(Math.floor(at / 1000));
    this.requests[row]++;
    this.totalRequests++;
    if (status >= 500) {
      this.errors[row]++;
      this.totalErrors++;
    }
    this.latency[row * BINS + binOf(durationMs)]++;
    if (info.firstTokenMs !== undefined) this.firstToken[row * BINS + binOf(info.firstTokenMs)]++;
    const slot = this.recent[this.recentCount++ % RECENT_REQUESTS];
    slot.at = at;
    slot.route = route;
    slot.model = info.model ?? '';
    slot.provider = info.provider ?? '';
    slot.status = status;
    slot.durationMs = durationMs;
    slot.attempts = info.attempts ?? 0;
    slot.stream = info.stream === true;
    slot.failureKind = failureKind ?? '';
    slot.firstTokenMs = info.firstTokenMs ?? -1;
  }

  providerOk(id: string): void {
    this.provider(id).lastOkAt = this.now();
  }

  providerFailed(id: string, kind: FailureKind): void {
    const record = this.provider(id);
    record.lastFailureAt = this.now();
    record.lastFailureKind = kind;
    record.failures.set(kind, (record.failures.get(kind) ?? 0) + 1);
  }

  providerRecord(id: string): ProviderRecord | undefined {
    return this.providers.get(id);
  }

  /** The last `count` requests, newest first (copies: the slots are reused). */
  latest(count: number = RECENT_REQUESTS): RecentRequest[] {
    const n = Math.min(count, this.recentCount, RECENT_REQUESTS);
    const out: RecentRequest[] = [];
    for (let i = 1; i <= n; i++) out.push({ ...this.recent[(this.recentCount - i) % RECENT_REQUESTS] });
    return out;
  }

  /** The window's seconds, oldest first, ending with the current one. */
  series(): Series {
    const endSecond = Math.floor(this.now() / 1000);
    const out: Series = { endSecond, requests: [], errors: [], latencyP50: [], latencyP95: [], firstTokenP50: [], firstTokenP95: [] };
    for (let s = endSecond - WINDOW_SECONDS + 1; s <= endSecond; s++) {
      const row = s % WINDOW_SECONDS;
      const held = this.second[row] === s;
      const [latencyP50, latencyP95] = held ? quantiles(this.latency, row) : [null, null];
      const [firstTokenP50, firstTokenP95] = held ? quantiles(this.firstToken, row) : [null, null];
      out.requests.push(held ? this.requests[row] : 0);
      out.errors.push(held ? this.errors[row] : 0);
      out.latencyP50.push(latencyP50);
      out.latencyP95.push(latencyP95);
      out.firstTokenP50.push(firstTokenP50);
      out.firstTokenP95.push(firstTokenP95);
    }
    return out;
  }

  /** The row of this second, cleared when it last held an older one. */
  private row(second: number): number {
    const row = second % WINDOW_SECONDS;
    if (this.second[row] !== second) {
      this.second[row] = second;
      this.requests[row] = 0;
      this.errors[row] = 0;
      this.latency.fill(0, row * BINS, (row + 1) * BINS);
      this.firstToken.fill(0, row * BINS, (row + 1) * BINS);
    }
    return row;
  }

  private provider(id: string): ProviderRecord {
    let record = this.providers.get(id);
    if (!record) this.providers.set(id, (record = { lastOkAt: 0, lastFailureAt: 0, lastFailureKind: '', failures: new Map() }));
    return record;
  }
}

function emptyRequest(): RecentRequest {
  return { at: 0, route: '', model: '', provider: '', status: 0, durationMs: 0, attempts: 0, stream: false, failureKind: '', firstTokenMs: -1 };
}

function binOf(ms: number): number {
  if (!(ms > 0.5)) return 0;
  return Math.min(BINS - 1, Math.floor(Math.log2(ms) * BINS_PER_DOUBLING) + BIN_OFFSET);
}

/** The middle of a bin, in ms (the histogram's resolution is about 26%). */
function valueOf(bin: number): number {
  return 2 ** ((bin - BIN_OFFSET + 0.5) / BINS_PER_DOUBLING);
}

/** The median and 95th percentile of one second's histogram, or nulls when it is empty. */
function quantiles(histogram: Uint32Array, row: number): [number | null, number | null] {
  const base = row * BINS;
  let total = 0;
  for (let b = 0; b < BINS; b++) total += histogram[base + b];
  if (total === 0) return [null, null];
  const want50 = Math.ceil(total * 0.5);
  const want95 = Math.ceil(total * 0.95);
  let seen = 0;
  let p50: number | null = null;
  for (let b = 0; b < BINS; b++) {
    seen += histogram[base + b];
    if (p50 === null && seen >= want50) p50 = round(valueOf(b));
    if (seen >= want95) return [p50, round(valueOf(b))];
  }
  return [p50, null];
}

const round = (ms: number) => Math.round(ms * 10) / 10;
