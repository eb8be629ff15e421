/** From the client's `model` field to the chain of targets to try. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelTarget } from '../catalog.js';
import type { ModelKind } from '../config/schema.js';
import type { RelayState } from '../relay-state.js';
import { RelayError } from '../../core/errors.js';
import { findDiscovered } from '../discovery.js';
import { whereLmrelayLooks } from '../model-servers.js';

/**
 * What the config alone resolves, at once (the usual case: no promise, no waiting on the hot
 * path); undefined when the servers must be asked (`discoverModel`).
 */
export function knownModel(state: RelayState, name: string | undefined, kind: ModelKind = 'chat'): ModelTarget | undefined {
  return state.catalog.resolve(name, kind);
}

/** A name the config does not resolve: the servers that report their models are asked. */
export async function discoverModel(state: RelayState, name: string | undefined, kind: ModelKind = 'chat'): Promise<ModelTarget> {
  if ((!name || name === 'default') && kind !== 'chat') {
    // The first model a server reports is most likely a chat model: no guess here.
    throw new RelayError(`no model given and no default ${kind} model: set agents.defaults.${kind}Model.primary, or give a model kind: "${kind}"`, {
      code: 'model_not_found',
      param: 'model',
    });
  }
  if (!name || name === 'default') {
    // No primary configured (zero-config): the first model a running server reports.
    for (const provider of state.catalog.providers.values()) {
      if (!provider.discover) continue;
      const [first] = await state.discovery.models(provider);
      const target = first && state.catalog.resolve(`${provider.id}/${first.id}`);
      if (target) return target;
    }
    const looked = whereLmrelayLooks(state.catalog);
    const message = looked
      ? `no model given, no agents.defaults.model.primary, and no model server was found: lmrelay looked at ${looked}; start a model server, or set a primary model`
      : 'no model given and no default model: set agents.defaults.model.primary';
    throw new RelayError(message, {
      code: 'model_not_found',
      param: 'model',
    });
  }
  const candidates = await bareIdCandidates(state, name);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    throw new RelayError(`The model \`${name}\` is offered by several providers: ${candidates.map((c) => c.ref).join(', ')}; send one of these refs`, {
      code: 'model_ambiguous',
      param: 'model',
    });
  }
  throw new RelayError(`The model \`${name}\` does not exist or is not configured in lmrelay (GET /v1/models lists them)`, {
    code: 'model_not_found',
    param: 'model',
  });
}

/** Every model listed (configured, or reported by a running server) under this bare id or alias. */
async function bareIdCandidates(state: RelayState, name: string): Promise<ModelTarget[]> {
  const found = new Map(state.catalog.bareMatches(name).map((t) => [t.ref, t]));
  const discovering = [...state.catalog.providers.values()].filter((p) => p.discover);
  const reported = await Promise.all(discovering.map(async (p) => ({ provider: p, model: findDiscovered(await state.discovery.models(p), name) })));
  for (const { provider, model } of reported) {
    // A provider with a models list serves only its list, whatever its server reports.
    const target = model && state.catalog.resolve(`${provider.id}/${model.id}`);
    if (target && !found.has(target.ref)) found.set(target.ref, target);
  }
  return [...found.values()];
}

/** `x-lmrelay-fallbacks: none` asks for the requested model alone (all its deployments, if it has them). */
export function chainFor(state: RelayState, target: ModelTarget, headers: IncomingHttpHeaders, kind: ModelKind = 'chat'): readonly ModelTarget[] {
  if (headers['x-lmrelay-fallbacks'] === 'none') return target.deployments ? target.deployments.map((d) => d.target) : [target];
  return state.catalog.chainFor(target, kind);
}
