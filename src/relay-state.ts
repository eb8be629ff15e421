/**
 * The part of the app that a config reload replaces as one unit: the validated config, its
 * model catalog, its upstream pools and discovery cache. In-flight requests keep the state they
 * started with.
 */
import type { LookupFunction } from 'node:net';
import type { LoadedConfig } from './config/load.js';
import type { Catalog } from './catalog.js';
import { UpstreamPools } from './upstream/pools.js';
import { ModelDiscovery } from './discovery.js';
import type { ModelLabels } from './model-labels.js';

export class RelayState {
  readonly pools: UpstreamPools;
  readonly discovery: ModelDiscovery;

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

  close(): Promise<void> {
    return this.pools.close();
  }
}
