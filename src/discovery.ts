/**
 * Asks local servers which models they have (`GET {baseUrl}/models`, as the provider's dialect
 * says), briefly cached, so that `/v1/models` lists what is really loaded and a server that is
 * down is simply absent.
 */
import type { ResolvedProvider } from './catalog.js';
import type { DiscoveredModel, ModelDescription } from '../dialects/types.js';
import type { UpstreamPools } from './upstream/pools.js';
import { PROBE_BODY_LIMIT, readBounded } from './upstream/read-bounded.js';

export type { DiscoveredModel } from '../dialects/types.js';

export const DISCOVERY_TIMEOUT_MS = 1500;
export const DISCOVERY_TTL_MS = 5000;
/** A model's description is asked again after this (sooner when the server reports a new version of it). */
export const DESCRIPTION_TTL_MS = 60_000;
/** At most this many models of one list are described (each is one request to the server, once per version). */
export const MAX_DESCRIBED = 64;

interface Description {
  /** When the server last answered (0: never). */
  at: number;
  version?: string;
  value?: ModelDescription;
  /** The question on its way. */
  pending?: Promise<ModelDescription | undefined>;
}

/** Told of each list a server reported (metrics give those models labels of their own). */
export type OnReported = (provider: ResolvedProvider, models: DiscoveredModel[]) => void;

export class ModelDiscovery {
  private readonly cache = new Map<string, { at: number; models: Promise<DiscoveredModel[]> }>();
  /** The last list each provider answered, for callers that must not wait. */
  private readonly last = new Map<string, DiscoveredModel[]>();
  /** What the server said of each model (probe.describe), by provider and model. */
  private readonly descriptions = new Map<string, Description>();

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

  /**
   * A model as its server describes it (the dialect's probe.describe: Ollama's /api/show), or
   * undefined when the API has no such call or the server did not answer. Kept per model and
   * version: at once when known (asked again in the background when old).
   */
  describe(provider: ResolvedProvider, model: string, version?: string): ModelDescription | undefined | Promise<ModelDescription | undefined> {
    const how = provider.dialect.probe.describe;
    if (!how) return undefined;
    const key = `${provider.id}\0${model}`;
    let entry = this.descriptions.get(key);
    if (!entry || (version !== undefined && entry.version !== version)) this.descriptions.set(key, (entry = { at: 0, version }));
    if (!entry.pending && Date.now() - entry.at >= DESCRIPTION_TTL_MS) {
      const asking = entry;
      asking.pending = this.post(provider, how.path, how.body(model)).then((json) => {
        const found = describedIn(how, json);
        asking.pending = undefined;
        if (found) {
          asking.value = found;
          asking.at = Date.now();
        } else if (!asking.value && this.descriptions.get(key) === asking) {
          // No such model (or no answer): nothing kept, so names clients make up cannot pile up.
          this.descriptions.delete(key);
        }
        return found ?? asking.value;
      });
    }
    return entry.value ?? entry.pending;
  }

  private async fetch(provider: ResolvedProvider): Promise<DiscoveredModel[]> {
    const json = await this.get(provider);
    const listed = json === undefined ? [] : provider.dialect.probe.parseModels(json);
    const models = provider.dialect.probe.describe ? await this.describeAll(provider, listed) : listed;
    this.onReported?.(provider, models);
    this.last.set(provider.id, models);
    return models;
  }

  /** The list with what the server says of each model (its window, what it can do). */
  private describeAll(provider: ResolvedProvider, listed: DiscoveredModel[]): Promise<DiscoveredModel[]> {
    return Promise.all(
      listed.map(async (m, i) => {
        const found = i < MAX_DESCRIBED ? await this.describe(provider, m.id, m.version) : undefined;
        return found ? { ...m, contextWindow: m.contextWindow ?? found.contextWindow, capabilities: found.capabilities } : m;
      }),
    );
  }

  private get(provider: ResolvedProvider): Promise<unknown> {
    return this.ask(provider, 'GET', provider.dialect.probe.modelsPath);
  }

  private post(provider: ResolvedProvider, path: string, body: unknown): Promise<unknown> {
    return this.ask(provider, 'POST', path, body);
  }

  private async ask(provider: ResolvedProvider, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    if (provider.refusal) return undefined;
    try {
      const res = await this.pools.forProvider(provider).request({
        method,
        path: provider.basePath + path,
        headers: body === undefined ? { accept: 'application/json', ...provider.headers } : { accept: 'application/json', 'content-type': 'application/json', ...provider.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
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

/** The description in a server's answer; undefined for none, or for an answer of another shape. */
function describedIn(how: NonNullable<ResolvedProvider['dialect']['probe']['describe']>, json: unknown): ModelDescription | undefined {
  if (json === undefined) return undefined;
  try {
    return how.parse(json);
  } catch {
    return undefined;
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
