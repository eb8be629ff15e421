/** The services the app decorates itself with; routes read them, never build them. */
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import { RelayMetrics } from './metrics.js';
import { Cooldowns } from './upstream/cooldown.js';
import { RelayState } from './state.js';
import { Readiness } from './readiness.js';

export interface ServiceOptions {
  metrics?: RelayMetrics;
  cooldowns?: Cooldowns;
  lookup?: LookupFunction;
}

export class RelayServices {
  private current: RelayState;
  readonly metrics: RelayMetrics;
  readonly cooldowns: Cooldowns;
  readonly readiness: Readiness;
  private readonly lookup?: LookupFunction;

  constructor(loaded: LoadedConfig, options: ServiceOptions = {}) {
    this.lookup = options.lookup;
    this.current = new RelayState(loaded, this.lookup);
    this.metrics = options.metrics ?? new RelayMetrics();
    this.cooldowns = options.cooldowns ?? new Cooldowns();
    this.readiness = new Readiness(this, loaded.config.server.readinessProbeSeconds * 1000);
  }

  get state(): RelayState {
    return this.current;
  }

  /** Swaps in a new config; the old pools close once their in-flight requests are done. */
  replace(loaded: LoadedConfig): void {
    const old = this.current;
    this.current = new RelayState(loaded, this.lookup);
    void old.close();
  }

  close(): Promise<void> {
    this.readiness.stop();
    return this.current.close();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    relay: RelayServices;
  }
  interface FastifyRequest {
    /** Filled by routes for the one-line request log and the request counter. */
    relayInfo?: { model?: string; provider?: string; attempts?: number; stream?: boolean };
  }
}
