/**
 * Asks local servers which models they have (`GET {baseUrl}/models`, as the provider's dialect
 * says), briefly cached, so that `/v1/models` lists what is really loaded and a server that is
 * down is simply absent.
 */
import type { ResolvedProvider } from './catalog.js';
import type { DiscoveredModel } from '../dialects/types.js';
import type { UpstreamPools } from './upstream/pools.js';
import { PROBE_BODY_LIMIT, readBounded } from './upstream/read-bounded.js';

export type { DiscoveredModel } from '../dialects/types.js';

export const DISCOVERY_TIMEOUT_MS = 1500;
export const DISCOVERY_TTL_MS = 5000;

/** Told of each list a server reported (metrics give those models labels of their own). */
export type OnReported = (provider: ResolvedProvider, models: DiscoveredModel[]) => void;

export class ModelDiscovery {
  private readonly cache = new Map<string, { at: number; models: Promise<DiscoveredModel[]> }>();
  /** The last list each provider answered, for callers that must not wait. */
  private readonly last = new Map<string, DiscoveredModel[]>();

  constructor(
    private readonly pools: UpstreamPools,
    private readonly ttlMs = DISCOVERY_TTL_MS,
    private readonly onReported?: OnReported,
  ) {}

  /** Models a provider reports; [] when it is down or answers nonsense (or more than 4 MiB). */
  models(provider: ResolvedProvider): Promise<DiscoveredModel[]> {
    const hit = this.cache.get(provider.id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.models;
    const models = this.fetch(provider);
    this.cache.set(provider.id, { at: Date.now(), models });
    return models;
  }

  /**
   * The last list a provider reported, at once (refreshed in the background when old); only
   * the first call for a provider waits for the server.
   */
  known(provider: ResolvedProvider): DiscoveredModel[] | Promise<DiscoveredModel[]> {
    const models = this.models(provider);
    return this.last.get(provider.id) ?? models;
  }

  /** A fresh models list request (no cache): did the server answer 200 in time? */
  async reachable(provider: ResolvedProvider): Promise<boolean> {
    return (await this.get(provider)) !== undefined;
  }

  private async fetch(provider: ResolvedProvider): Promise<DiscoveredModel[]> {
    const json = await this.get(provider);
    const models = json === undefined ? [] : provider.dialect.probe.parseModels(json);
    this.onReported?.(provider, models);
    this.last.set(provider.id, models);
    return models;
  }

  private async get(provider: ResolvedProvider): Promise<unknown> {
    if (provider.refusal) return undefined;
    try {
      const res = await this.pools.forProvider(provider).request({
        method: 'GET',
        path: provider.basePath + provider.dialect.probe.modelsPath,
        headers: { accept: 'application/json', ...provider.headers },
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      return JSON.parse(await readBounded(res, PROBE_BODY_LIMIT));
    } catch {
      return undefined;
    }
  }
}

/**
 * The window the context guard goes by: the configured one, else, for a provider that lists
 * what its server reports, the server's own. `doctor` and requests both ask this.
 */
export function guardedWindow(provider: ResolvedProvider, configured: number | undefined, id: string, reported: readonly DiscoveredModel[]): number | undefined {
  if (configured !== undefined || !provider.discover) return configured;
  return findDiscovered(reported, id)?.contextWindow;
}

/** The model a list holds under this id or alias. */
export function findDiscovered(models: readonly DiscoveredModel[], name: string): DiscoveredModel | undefined {
  return models.find((m) => m.id === name) ?? models.find((m) => m.aliases?.includes(name));
}
