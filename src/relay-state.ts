/**
 * The part of the app that a config reload replaces as one unit: the validated config, its
 * model catalog, its upstream pools and discovery cache. In-flight requests keep the state they
 * started with: each one holds it until its reply ends, and a replaced state closes its pools
 * only once nobody holds it (or after a bound, should a hold never be let go).
 */
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import type { Catalog } from './catalog.js';
import { UpstreamPools } from './upstream/pools.js';
import { ModelDiscovery } from './discovery.js';
import type { ModelLabels } from './model-labels.js';

/** A retired state is closed at the latest after this, even if something still holds it. */
export const RETIRED_STATE_MAX_MS = 60 * 60_000;

export class RelayState {
  readonly pools: UpstreamPools;
  readonly discovery: ModelDiscovery;
  private holders = 0;
  private retired = false;
  private closing?: Promise<void>;
  private retireTimer?: NodeJS.Timeout;

  /** `labels`: the metrics' model labels, which learn this config's refs and what servers report. */
  constructor(readonly loaded: LoadedConfig, lookup?: LookupFunction, labels?: ModelLabels) {
    this.pools = new UpstreamPools(loaded.catalog.providers.values(), lookup);
    labels?.addConfigured(loaded.catalog.list().map((target) => target.ref));
    this.discovery = new ModelDiscovery(this.pools, undefined, labels && ((provider, models) => models.forEach((m) => labels.addReported(`${provider.id}/${m.id}`))));
  }

  get catalog(): Catalog {
    return this.loaded.catalog;
  }

  get config() {
    return this.loaded.config;
  }

  /** Taken by a request (or probe) for as long as it may still dial an upstream. */
  hold(): this {
    this.holders++;
    return this;
  }

  release(): void {
    if (--this.holders === 0 && this.retired) void this.close();
  }

  /**
   * Replaced by a reload: closes once the last holder lets go. The bound is the longest a
   * request may walk a chain: every provider's whole timeout in turn (capped).
   */
  retire(): void {
    this.retired = true;
    if (this.holders === 0) {
      void this.close();
      return;
    }
    let longestChainMs = 0;
    for (const provider of this.catalog.providers.values()) longestChainMs += provider.timeouts.totalMs;
    this.retireTimer = setTimeout(() => void this.close(), Math.min(longestChainMs + 1000, RETIRED_STATE_MAX_MS));
    this.retireTimer.unref();
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  close(): Promise<void> {
    clearTimeout(this.retireTimer);
    this.closing ??= this.pools.close();
    return this.closing;
  }
}
