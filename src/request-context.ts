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
import { guardedWindow, type DiscoveredModel } from './discovery.js';
import { tokenCounts } from './usage-tokens.js';
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
      if (!res.writableFinished) signal.abort(clientAbort());
    });
  }

  get writeStallMs(): number {
    return this.state.config.server.clientWriteTimeoutSeconds * 1000;
  }

  scrub(text: string): string {
    return this.state.loaded.scrubber.scrub(text);
  }

  contextWindowOf(target: ModelTarget): number | undefined | Promise<number | undefined> {
    if (target.contextWindow !== undefined || !target.provider.discover) return target.contextWindow;
    const known = this.state.discovery.known(target.provider);
    const windowIn = (models: DiscoveredModel[]) => guardedWindow(target.provider, undefined, target.upstreamModel, models);
    return Array.isArray(known) ? windowIn(known) : known.then(windowIn);
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

  countUsage(providerId: string, ref: string, usage: unknown): void {
    this.metrics.countUsage(providerId, ref, usage);
    const key = this.request.rateKey;
    const tokens = key || this.trace ? tokenCounts(usage) : undefined;
    if (this.trace && tokens) this.trace.usage(tokens.input, tokens.output);
    if (key && tokens) this.app.relay.limiter.addTokens(key, tokens.input + tokens.output);
  }
}

export function createCallContext(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, state: RelayState): CallContext {
  return new RequestCallContext(app, request, reply, state);
}
