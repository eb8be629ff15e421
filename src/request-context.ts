/**
 * The CallContext of one request: its abort signal follows the client's connection. A class,
 * so its helpers are shared methods rather than closures made anew for every request.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext } from './context.js';
import type { RelayState } from './relay-state.js';
import type { RelayMetrics } from './metrics.js';
import type { CooldownStore } from './upstream/cooldown.js';
import type { UpstreamPools } from './upstream/pools.js';
import { clientAbort } from './upstream/deadline.js';
import { ClientAbort } from './upstream/client-abort.js';
import type { ModelTarget } from './catalog.js';
import { findDiscovered, guardedWindow, type DiscoveredModel } from './discovery.js';
import type { ModelDescription, ServedModel } from '../dialects/types.js';
import { tokenCounts } from './usage-tokens.js';
import { overBudget } from './spend/budgets.js';
import { answered } from './injected-requests.js';
import type { SealScope } from './compaction/seal.js';
import { compactionSealFor } from './compaction/scope.js';
import type { FailureKind } from '../core/errors.js';
import type { RequestTrace } from './telemetry/types.js';

class RequestCallContext implements CallContext {
  readonly id: string;
  readonly route: string;
  readonly signal = new ClientAbort();
  readonly log: FastifyBaseLogger;
  readonly metrics: RelayMetrics;
  readonly cooldowns: CooldownStore;
  readonly pools: UpstreamPools;
  readonly startedAt: number;
  attempts = 0;
  readonly bodyBytes: number | undefined;
  readonly trace: RequestTrace | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly request: FastifyRequest,
    reply: FastifyReply,
    private readonly state: RelayState,
  ) {
    this.id = String(request.id);
    this.route = request.routeOptions.url ?? request.url;
    this.log = request.log;
    this.metrics = app.relay.metrics;
    this.cooldowns = app.relay.cooldowns;
    this.pools = state.pools;
    this.startedAt = performance.now() - reply.elapsedTime;
    this.bodyBytes = Number(request.headers['content-length']) || undefined;
    this.trace = request.trace;
    const res = reply.raw;
    const signal = this.signal;
    state.hold();
    res.once('close', () => {
      state.release();
      if (!answered(res)) signal.abort(clientAbort());
    });
  }

  get writeStallMs(): number {
    return this.state.config.server.clientWriteTimeoutSeconds * 1000;
  }

  scrub(text: string): string {
    return this.state.loaded.scrubber.scrub(text);
  }

  contextWindowOf(target: ModelTarget): number | undefined | Promise<number | undefined> {
    if (target.provider.dialect.probe.describe) {
      const served = this.servedModelOf(target);
      return served instanceof Promise ? served.then((s) => s.contextWindow) : served.contextWindow;
    }
    if (target.contextWindow !== undefined || !target.provider.discover) return target.contextWindow;
    const known = this.state.discovery.known(target.provider);
    const windowIn = (models: DiscoveredModel[]) => guardedWindow(target.provider, undefined, target.upstreamModel, models);
    return Array.isArray(known) ? windowIn(known) : known.then(windowIn);
  }

  compactionSeal(): SealScope {
    return compactionSealFor(this.state.config, this.request);
  }

  servedModelOf(target: ModelTarget): ServedModel | Promise<ServedModel> {
    const { provider } = target;
    if (!provider.dialect.probe.describe) {
      const window = this.contextWindowOf(target);
      return window instanceof Promise ? window.then(configuredOnly) : configuredOnly(window);
    }
    // The server describes its models: what it says of this one (asked once, then kept).
    const served = (found: ModelDescription | undefined): ServedModel => ({ contextWindow: target.contextWindow ?? found?.contextWindow, capabilities: found?.capabilities });
    // A model its list does not hold (under that name) is asked about on its own.
    const describe = () => this.state.discovery.describe(provider, target.upstreamModel);
    if (provider.discover) {
      const known = this.state.discovery.known(provider);
      if (!Array.isArray(known)) return known.then((models) => findDiscovered(models, target.upstreamModel) ?? describe()).then(served);
      const listed = findDiscovered(known, target.upstreamModel);
      if (listed) return served(listed);
    }
    const described = describe();
    return described instanceof Promise ? described.then(served) : served(described);
  }

  onSuccess(providerId: string): void {
    this.app.relay.readiness.markOk(providerId);
    this.app.relay.status.providerOk(providerId);
  }

  onFailure(providerId: string, kind: FailureKind): void {
    this.app.relay.status.providerFailed(providerId, kind);
  }

  recordFirstToken(providerId: string, seconds: number): void {
    this.metrics.timeToFirstToken.observe(seconds, providerId);
    const info = this.request.relayInfo;
    if (info) info.firstTokenMs = Math.round(seconds * 1000);
  }

  overBudget(target: ModelTarget): string | undefined {
    return overBudget(this.app.relay.spend.ledger, target, this.request.spendKey);
  }

  countUsage(providerId: string, ref: string, usage: unknown, usd?: number): void {
    this.metrics.countUsage(providerId, ref, usage);
    if (usd !== undefined) this.countSpend(providerId, ref, usd);
    const key = this.request.rateKey;
    const tokens = key || this.trace ? tokenCounts(usage) : undefined;
    if (this.trace && tokens) this.trace.usage(tokens.input, tokens.output);
    if (key && tokens) this.app.relay.limiter.addTokens(key, tokens.input + tokens.output);
  }

  private countSpend(provider: string, model: string, usd: number): void {
    const info = this.request.relayInfo;
    if (info) info.costUsd = (info.costUsd ?? 0) + usd;
    if (usd <= 0) return;
    const key = this.request.spendKey?.name;
    this.metrics.countCost(provider, model, key ?? '', usd);
    this.app.relay.spend.record({ key, provider, model, usd });
  }
}

const configuredOnly = (contextWindow: number | undefined): ServedModel => ({ contextWindow });

export function createCallContext(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, state: RelayState): CallContext {
  return new RequestCallContext(app, request, reply, state);
}
