/** The services the app decorates itself with; routes read them, never build them. */
import type { LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { LoadedConfig } from './config/load.js';
import { RelayMetrics } from './metrics.js';
import { Cooldowns, type CooldownStore } from './upstream/cooldown.js';
import { RelayState } from './relay-state.js';
import { Readiness } from './readiness.js';
import { LocalRateLimiter, type RateLimiter } from './state/rate-limit.js';
import { RedisState } from './state/redis-store.js';
import type { ResponseStore } from './state/response-store.js';
import { EmbeddedResponseStore } from './state/embedded-response-store.js';
import { RedisResponseStore } from './state/redis-response-store.js';
import type { FailureKind } from '../core/errors.js';
import { REDIS_DEFAULTS, type Config } from './config/schema.js';
import { StatusRecorder } from './status/recorder.js';
import type { BudgetedKey } from './spend/budgets.js';
import type { SpendStore } from './spend/store.js';
import { FileSpend } from './spend/file-spend.js';
import { RedisSpend } from './spend/redis-spend.js';
import { spendFileOf } from './spend/spend-file-path.js';
import { Balancer } from './balance/balancer.js';
import { registerBalancerMetrics } from './balance/metrics.js';

export interface ServiceOptions {
  metrics?: RelayMetrics;
  cooldowns?: Cooldowns;
  lookup?: LookupFunction;
  logger?: Logger;
  /** Overrides `state.redis.url` (REDIS_URL). */
  redisUrl?: string;
}

export class RelayServices {
  private current: RelayState;
  /** The config the server started with: what settings read only at start still go by. */
  readonly startedWith: Readonly<Config>;
  readonly metrics: RelayMetrics;
  readonly cooldowns: CooldownStore;
  readonly limiter: RateLimiter;
  readonly readiness: Readiness;
  /** What answers cost this period, by key, provider and model: what budgets are checked against. */
  readonly spend: SpendStore;
  /** What the status page shows of traffic and provider health. */
  readonly status = new StatusRecorder();
  /** Load over the deployments of models that have them; kept across reloads (counts, sticky conversations). */
  readonly balancer = new Balancer();
  /** Set when replicas share state through Redis. */
  readonly shared?: RedisState;
  /** Stored responses of the Responses API; unset when `state.responses.enabled` is false. */
  readonly responses?: ResponseStore;
  private readonly lookup?: LookupFunction;

  constructor(loaded: LoadedConfig, options: ServiceOptions = {}) {
    this.lookup = options.lookup;
    this.startedWith = loaded.config;
    this.metrics = options.metrics ?? new RelayMetrics();
    registerBalancerMetrics(this.metrics.registry, this.balancer);
    this.current = new RelayState(loaded, this.lookup, this.metrics.modelLabels);
    const localCooldowns = options.cooldowns ?? new Cooldowns();
    const localLimiter = new LocalRateLimiter();
    const redis = loaded.config.state.redis ?? REDIS_DEFAULTS;
    const url = options.redisUrl ?? loaded.config.state.redis?.url;
    if (url && options.logger) {
      this.shared = new RedisState(
        { url, keyPrefix: redis.keyPrefix, commandTimeoutMs: redis.commandTimeoutMs, logger: options.logger, onBackendChange: (up) => this.metrics.stateBackendUp.set({ backend: 'redis' }, up ? 1 : 0) },
        { cooldowns: localCooldowns, limiter: localLimiter },
      );
      this.metrics.stateBackendUp.set({ backend: 'redis' }, 0);
      this.cooldowns = this.shared.cooldowns;
      this.limiter = this.shared.limiter;
    } else {
      this.metrics.stateBackendUp.set({ backend: 'local' }, 1);
      this.cooldowns = localCooldowns;
      this.limiter = localLimiter;
    }
    this.spend = this.shared ? new RedisSpend(this.shared) : new FileSpend(spendFileOf(loaded), options.logger);
    this.responses = responseStore(loaded.config, url, redis.keyPrefix, options.logger);
    this.readiness = new Readiness(this, loaded.config.server.readinessProbeSeconds * 1000);
  }

  get state(): RelayState {
    return this.current;
  }

  /** Swaps in a new config; the old pools close once the requests holding them are done. */
  replace(loaded: LoadedConfig): void {
    const old = this.current;
    this.current = new RelayState(loaded, this.lookup, this.metrics.modelLabels);
    old.retire();
  }

  async start(): Promise<void> {
    this.readiness.start();
    await Promise.all([this.shared?.start(), this.responses?.start(), this.spend.start()]);
  }

  async close(): Promise<void> {
    this.readiness.stop();
    await Promise.all([this.shared?.close(), this.responses?.close(), this.spend.close()]);
    await this.current.close();
  }
}

/** In Redis when replicas share it (the in-process store covers while Redis is away), else in process. */
function responseStore(config: Config, redisUrl: string | undefined, keyPrefix: string, logger: Logger | undefined): ResponseStore | undefined {
  const settings = config.state.responses;
  if (!settings.enabled) return undefined;
  const ttlMs = settings.ttlSeconds * 1000;
  const shared = Boolean(redisUrl && logger);
  // With Redis the local store only covers its absences: no snapshot of it.
  const local = new EmbeddedResponseStore({ ttlMs, maxBytes: settings.maxBytes, maxEntryBytes: settings.maxEntryBytes, snapshotFile: shared ? undefined : settings.snapshotFile, logger });
  if (!shared) return local;
  return new RedisResponseStore({ url: redisUrl!, keyPrefix, ttlMs, maxEntryBytes: settings.maxEntryBytes, logger: logger! }, local);
}

/** What the access line and the request counter say of a request beyond its route and status. */
export interface RelayInfo {
  /** The model asked for, then the ref that answered (the one asked for when none did). */
  model?: string;
  provider?: string;
  attempts?: number;
  stream?: boolean;
  /** Why an answer already under way ended early (a stream cut mid-way). */
  failureKind?: FailureKind;
  /** A stream's time to its first event from the upstream. */
  firstTokenMs?: number;
  /** What the answer cost in dollars, when the answering model has a `cost`. */
  costUsd?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    relay: RelayServices;
  }
  interface FastifyRequest {
    /** The inbound key's name when it has rate limits (tokens are counted against it). */
    rateKey?: string;
    /** The inbound key's owner id (InboundKey.owner) on a guarded route when keys are configured: stored state is scoped by it. */
    keyOwner?: string;
    /** The inbound key (its name labels spend; its budget caps it), when keys are configured. */
    spendKey?: BudgetedKey;
    /** Filled by routes for the one-line request log and the request counter. */
    relayInfo?: RelayInfo;
  }
}
