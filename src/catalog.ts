/**
 * Everything derivable from config about models, computed once at load: which provider and
 * upstream id a ref names, its compat flags, params, and its fallback chain.
 */
import type { Api, Compat, Config, ModelConfig, ModelKind, ModelSettings, ProviderConfig } from './config/schema.js';
import { contextVerdict, contextVerdictText, type ContextGuard } from '../adapters/context-preflight.js';
import { deepFreeze } from './config/deep-freeze.js';
import { DIALECTS, type Dialect } from '../dialects/index.js';
import { isGroupSettings, resolveDeployments, type Deployment, type GroupHost } from './balance/deployment-groups.js';

export interface ProviderTimeouts {
  totalMs: number;
  connectMs: number;
  firstTokenMs: number;
  idleMs: number;
}

export interface ResolvedProvider {
  id: string;
  config: ProviderConfig;
  api: Api;
  /** The API's converters, transport and probe, looked up here once rather than per request. */
  dialect: Dialect;
  origin: string;
  /** Path prefix of baseUrl without trailing slash, e.g. `/v1`. */
  basePath: string;
  hostname: string;
  timeouts: ProviderTimeouts;
  /** Headers sent on every call: auth plus the provider's `headers`. */
  headers: Record<string, string>;
  /** The whole header set of a model call, made once here rather than per request. */
  callHeaders: { json: Record<string, string>; stream: Record<string, string> };
  /** List `/models` of the server in `/v1/models`. */
  discover: boolean;
  /** Accept any model id under this provider, not only the listed ones. */
  open: boolean;
  /** Set when the security audit refuses this provider (placeholder key on a public host). */
  refusal?: string;
  /** OpenAI's own API: OpenAI-only fields (store, service_tier, prompt cache) are passed, not stripped. */
  nativeOpenAI: boolean;
  /** One of the local servers lmrelay looks for by itself (models.mode "merge"), not in the file. */
  builtin: boolean;
}

export const OPENAI_API_HOST = 'api.openai.com';

export interface ModelTarget {
  ref: string;
  provider: ResolvedProvider;
  upstreamModel: string;
  model?: ModelConfig;
  settings?: ModelSettings;
  /** Its first alias (`settings.alias` may list several). */
  alias?: string;
  compat: Compat;
  reasoning: boolean;
  /** Tool names dropped from requests (localModelLean), or undefined. */
  leanDropTools?: readonly string[];
  contextWindow?: number;
  /** agents.defaults.models[ref].params */
  params?: Record<string, unknown>;
  /** Input kinds the model takes (model `input`). */
  inputs?: readonly string[];
  /** agents.defaults.contextGuard. */
  contextGuard: ContextGuard;
  /** The model's `kind`: undefined serves every kind of request. */
  kind?: ModelKind;
  /** Its provider's timeouts, with the model's own first-token timeout where it has one. */
  timeouts: ProviderTimeouts;
  /** Set on a model with deployments: the servers its requests are balanced over. */
  deployments?: readonly Deployment<ModelTarget>[];
}

/** The kinds of model whose requests have a chain of their own (`agents.defaults.<kind>Model`). */
type OwnChainKind = Exclude<ModelKind, 'chat'>;
const OWN_CHAIN_KINDS: readonly OwnChainKind[] = ['embedding', 'rerank'];

const aliasesOf = (settings: ModelSettings | undefined): string[] => (settings?.alias === undefined ? [] : [settings.alias].flat());

export function resolveProvider(id: string, config: ProviderConfig, builtin = false): ResolvedProvider {
  const url = new URL(config.baseUrl);
  const totalMs = config.timeoutSeconds * 1000;
  const dialect = DIALECTS[config.api];
  const headers: Record<string, string> = { ...dialect.transport.headers(config.apiKey) };
  // The provider's own headers (OpenRouter's HTTP-Referer / X-Title, a pinned anthropic-version) win.
  for (const [k, v] of Object.entries(config.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    id,
    config,
    api: config.api,
    dialect,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    timeouts: {
      totalMs,
      connectMs: Math.min(config.connectTimeoutSeconds * 1000, totalMs),
      firstTokenMs: Math.min((config.firstTokenTimeoutSeconds ?? Infinity) * 1000, totalMs),
      idleMs: Math.min((config.idleTimeoutSeconds ?? Infinity) * 1000, totalMs),
    },
    headers,
    callHeaders: {
      json: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      stream: { 'content-type': 'application/json', accept: dialect.transport.framing === 'ndjson' ? 'application/x-ndjson' : 'text/event-stream', ...headers },
    },
    discover: config.discover ?? (config.models.length === 0 && dialect.probe.discoverByDefault),
    open: config.models.length === 0,
    nativeOpenAI: url.hostname === OPENAI_API_HOST,
    builtin,
  };
}

/** A model's own first-token timeout replaces its provider's (still capped by the total). */
function modelTimeouts(timeouts: ProviderTimeouts, model: ModelConfig | undefined): ProviderTimeouts {
  const seconds = model?.firstTokenTimeoutSeconds;
  return seconds === undefined ? timeouts : { ...timeouts, firstTokenMs: Math.min(seconds * 1000, timeouts.totalMs) };
}

export interface CatalogOptions {
  /** Local servers looked for beside the configured providers (models.mode "merge"). */
  builtin?: Readonly<Record<string, ProviderConfig>>;
  /** Why a provider's requests are refused (the security audit's verdict), if they are. */
  refusalOf?: (provider: ResolvedProvider) => string | undefined;
}

/** Frozen once built (its providers and targets too): a reload builds a new one, nothing edits it. */
export class Catalog {
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly primary?: string;
  /** The model of `/v1/embeddings` (`/v1/rerank`) requests that name none (or `default`). */
  readonly kindPrimary: Readonly<Record<OwnChainKind, string | undefined>> = { embedding: undefined, rerank: undefined };
  private readonly targets = new Map<string, ModelTarget>();
  private readonly aliases = new Map<string, string>();
  private readonly chains = new Map<string, readonly ModelTarget[]>();
  private readonly defaultFallbacks: readonly string[];
  private readonly kindChains: Record<OwnChainKind, Map<string, readonly ModelTarget[]>> = { embedding: new Map(), rerank: new Map() };
  private readonly kindFallbacks: Record<OwnChainKind, readonly string[]> = { embedding: [], rerank: [] };
  private readonly settings: Record<string, ModelSettings>;
  private readonly lean: { all: boolean; tools: readonly string[] };
  /** Things worth saying at load that do not make the config invalid. */
  readonly warnings: string[] = [];
  /** Models whose requests will be refused (context too small): `check` fails, the server still starts. */
  readonly errors: string[] = [];
  readonly contextGuard: ContextGuard;

  constructor(config: Config, readonly problems: string[] = [], options: CatalogOptions = {}) {
    const providers = new Map<string, ResolvedProvider>();
    const add = (id: string, p: ProviderConfig, builtin: boolean) => {
      const provider = resolveProvider(id, p, builtin);
      const refusal = options.refusalOf?.(provider);
      if (refusal) provider.refusal = refusal;
      providers.set(id, deepFreeze(provider));
    };
    for (const [id, p] of Object.entries(config.models.providers)) add(id, p, false);
    for (const [id, p] of Object.entries(options.builtin ?? {})) add(id, p, true);
    this.providers = providers;
    this.settings = config.agents.defaults.models;
    const experimental = config.agents.defaults.experimental;
    this.lean = { all: experimental.localModelLean, tools: experimental.leanDropTools };
    const defaults = config.agents.defaults.model;
    this.contextGuard = config.agents.defaults.contextGuard;

    for (const provider of providers.values()) {
      provider.config.models.forEach((model, i) => {
        this.addTarget(`${provider.id}/${model.id}`, provider, model.id, model);
        // The guard bounds chat prompts; an embedding or rerank model's small window is its nature.
        if (model.kind === 'embedding' || model.kind === 'rerank') return;
        const window = model.contextWindow;
        const verdict = contextVerdict(window, this.contextGuard);
        if (verdict !== 'ok') {
          const text = `models.providers.${provider.id}.models[${i}].contextWindow: ${contextVerdictText(`${provider.id}/${model.id}`, window!, this.contextGuard)}`;
          (verdict === 'refuse' ? this.errors : this.warnings).push(verdict === 'refuse' ? `${text} (its requests are refused)` : text);
        }
      });
    }
    for (const [ref, settings] of Object.entries(this.settings)) {
      if (isGroupSettings(settings)) continue;
      const target = this.targetForRef(ref, `agents.defaults.models["${ref}"]`);
      if (!target) continue;
      for (const alias of aliasesOf(settings)) {
        if (this.aliases.has(alias) && this.aliases.get(alias) !== ref) {
          problems.push(`agents.defaults.models["${ref}"].alias: "${alias}" is already the alias of ${this.aliases.get(alias)}`);
        } else this.aliases.set(alias, ref);
      }
    }
    this.addDeploymentGroups();
    if (defaults.primary) {
      const primary = this.resolveName(defaults.primary) ?? this.targetForRef(defaults.primary, 'agents.defaults.model.primary');
      this.primary = primary?.ref;
    }
    this.defaultFallbacks = defaults.fallbacks;
    defaults.fallbacks.forEach((ref, i) => this.resolveName(ref) ?? this.targetForRef(ref, `agents.defaults.model.fallbacks[${i}]`));
    for (const [ref, settings] of Object.entries(this.settings)) {
      settings.fallbacks?.forEach((f, i) => this.resolveName(f) ?? this.targetForRef(f, `agents.defaults.models["${ref}"].fallbacks[${i}]`));
    }
    // Embeddings and rerank have their own chains: agents.defaults.<kind>Model, else the models of that kind.
    const kindPrimary = this.kindPrimary as Record<OwnChainKind, string | undefined>;
    for (const kind of OWN_CHAIN_KINDS) {
      const where = `agents.defaults.${kind}Model`;
      const own = config.agents.defaults[`${kind}Model`];
      const marked = this.list().filter((t) => t.kind === kind).map((t) => t.ref);
      kindPrimary[kind] = own?.primary ? (this.resolveName(own.primary) ?? this.targetForRef(own.primary, `${where}.primary`))?.ref : marked[0];
      this.kindFallbacks[kind] = own?.fallbacks ?? marked;
      own?.fallbacks?.forEach((ref, i) => this.resolveName(ref) ?? this.targetForRef(ref, `${where}.fallbacks[${i}]`));
    }
    for (const target of this.targets.values()) {
      this.chains.set(target.ref, this.buildChain(target, 'chat'));
      for (const kind of OWN_CHAIN_KINDS) this.kindChains[kind].set(target.ref, this.buildChain(target, kind));
    }
    this.warnOfKindMismatches();
    for (const target of this.targets.values()) deepFreeze(target);
    Object.freeze(this.warnings);
    Object.freeze(this.errors);
    Object.freeze(this);
  }

  /** Every configured model, in config order. */
  list(): ModelTarget[] {
    return [...this.targets.values()];
  }

  aliasEntries(): [alias: string, ref: string][] {
    return [...this.aliases.entries()];
  }

  /**
   * Resolves what a client wrote in `model`: an alias, `default` (or nothing) for the
   * primary, `provider/model-id`, or a bare model id that one provider lists.
   */
  resolve(name: string | undefined | null, kind: ModelKind = 'chat'): ModelTarget | undefined {
    if (!name || name === 'default') {
      const primary = kind === 'chat' ? this.primary : this.kindPrimary[kind];
      return primary ? this.targets.get(primary) : undefined;
    }
    return this.resolveName(name) ?? this.adHoc(name);
  }

  /** Configured models listed under this bare id (or display name): more than one is ambiguous. */
  bareMatches(name: string): ModelTarget[] {
    return this.list().filter((t) => !t.deployments && (t.upstreamModel === name || t.model?.name === name));
  }

  /** The requested model, then its fallbacks (its own, else the defaults of its kind), duplicates dropped. */
  chainFor(target: ModelTarget, kind: ModelKind = 'chat'): readonly ModelTarget[] {
    return (kind === 'chat' ? this.chains : this.kindChains[kind]).get(target.ref) ?? this.buildChain(target, kind);
  }

  private resolveName(name: string): ModelTarget | undefined {
    const aliased = this.aliases.get(name);
    if (aliased) return this.targets.get(aliased);
    const exact = this.targets.get(name);
    if (exact) return exact;
    let found: ModelTarget | undefined;
    for (const target of this.targets.values()) {
      if (target.deployments) continue; // a bare id names a server's model, not a group of them
      if (target.upstreamModel === name || target.model?.name === name) {
        if (found) return undefined; // ambiguous bare id
        found = target;
      }
    }
    return found;
  }

  /** `provider/any-id` under a provider that accepts any model (local servers with discovery). */
  private adHoc(name: string): ModelTarget | undefined {
    const slash = name.indexOf('/');
    if (slash <= 0) return undefined;
    const provider = this.providers.get(name.slice(0, slash));
    if (!provider?.open || slash === name.length - 1) return undefined;
    return this.makeTarget(name, provider, name.slice(slash + 1));
  }

  private targetForRef(ref: string, where: string): ModelTarget | undefined {
    const existing = this.targets.get(ref);
    if (existing) return existing;
    const slash = ref.indexOf('/');
    const provider = slash > 0 ? this.providers.get(ref.slice(0, slash)) : undefined;
    if (!provider) {
      this.problems.push(`${where}: "${ref}" names no configured provider (write provider/model-id)`);
      return undefined;
    }
    if (!provider.open) {
      this.problems.push(`${where}: "${ref}" is not among models.providers.${provider.id}.models`);
      return undefined;
    }
    return this.addTarget(ref, provider, ref.slice(slash + 1));
  }

  private addTarget(ref: string, provider: ResolvedProvider, upstreamModel: string, model?: ModelConfig): ModelTarget {
    const target = this.makeTarget(ref, provider, upstreamModel, model);
    this.targets.set(ref, target);
    return target;
  }

  private makeTarget(ref: string, provider: ResolvedProvider, upstreamModel: string, model?: ModelConfig): ModelTarget {
    const settings = this.settings[ref];
    return {
      ref,
      provider,
      upstreamModel,
      model,
      settings,
      alias: aliasesOf(settings)[0],
      compat: model?.compat ?? {},
      reasoning: model?.reasoning ?? false,
      leanDropTools: (settings?.localModelLean ?? this.lean.all) ? this.lean.tools : undefined,
      contextWindow: model?.contextWindow,
      params: settings?.params,
      inputs: model?.input,
      contextGuard: this.contextGuard,
      kind: model?.kind,
      timeouts: modelTimeouts(provider.timeouts, model),
    };
  }

  private buildChain(target: ModelTarget, kind: ModelKind): readonly ModelTarget[] {
    const refs = target.settings?.fallbacks ?? (kind === 'chat' ? this.defaultFallbacks : this.kindFallbacks[kind]);
    const chain: ModelTarget[] = [];
    // A model with deployments stands for its deployments (first: the balancer reorders them per request).
    const add = (t: ModelTarget) => {
      for (const model of t.deployments?.map((d) => d.target) ?? [t]) if (!chain.some((c) => c.ref === model.ref)) chain.push(model);
    };
    add(target);
    for (const ref of refs) {
      const next = this.resolveName(ref) ?? this.adHoc(ref);
      if (next) add(next);
    }
    return Object.freeze(chain);
  }

  /** The entries of agents.defaults.models that list deployments: names of their own, checked here. */
  private addDeploymentGroups(): void {
    const names = Object.keys(this.settings).filter((name) => isGroupSettings(this.settings[name]));
    if (names.length === 0) return;
    const host: GroupHost<ModelTarget> = {
      targetOf: (ref) => this.targets.get(ref) ?? this.openTarget(ref),
      isConfiguredRef: (ref) => this.targets.has(ref),
      refs: () => [...this.targets.keys()],
      providerIds: () => [...this.providers.keys()],
      aliasOf: (name) => this.aliases.get(name),
    };
    const groups = new Set(names);
    for (const name of names) {
      const settings = this.settings[name];
      const deployments = resolveDeployments(name, settings, groups, host, this.problems);
      if (!deployments) continue;
      // The group's own target: the first deployment's model data (one target where one is needed) under its name.
      const kind = deployments.find((d) => d.target.kind !== undefined)?.target.kind;
      const alias = aliasesOf(settings)[0];
      this.targets.set(name, { ...deployments[0].target, ref: name, settings, alias, params: undefined, kind, deployments: Object.freeze(deployments) });
      for (const alias of aliasesOf(settings)) {
        if (this.aliases.has(alias) && this.aliases.get(alias) !== name) {
          this.problems.push(`agents.defaults.models["${name}"].alias: "${alias}" is already the alias of ${this.aliases.get(alias)}`);
        } else this.aliases.set(alias, name);
      }
    }
  }

  /** A provider/model ref under a provider that accepts any id, kept as a configured target; undefined otherwise. */
  private openTarget(ref: string): ModelTarget | undefined {
    const slash = ref.indexOf('/');
    const provider = slash > 0 ? this.providers.get(ref.slice(0, slash)) : undefined;
    if (!provider?.open || slash === ref.length - 1) return undefined;
    return this.addTarget(ref, provider, ref.slice(slash + 1));
  }

  /** A chain that names a model of the other kind would send it requests it cannot serve. */
  private warnOfKindMismatches(): void {
    const check = (kind: ModelKind, where: string, refs: readonly (string | undefined)[]) => {
      for (const ref of refs) {
        const target = ref ? this.resolveName(ref) : undefined;
        if (target?.kind && target.kind !== kind) this.warnings.push(`${where}: ${target.ref} is of kind "${target.kind}", so it cannot serve ${kind} requests`);
      }
    };
    check('chat', 'agents.defaults.model', [this.primary, ...this.defaultFallbacks]);
    for (const kind of OWN_CHAIN_KINDS) check(kind, `agents.defaults.${kind}Model`, [this.kindPrimary[kind], ...this.kindFallbacks[kind]]);
  }
}
