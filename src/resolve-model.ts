/** From the client's `model` field to the chain of targets to try. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelTarget } from './catalog.js';
import type { RelayState } from './relay-state.js';
import { RelayError } from '../core/errors.js';

/** Synchronous when the catalog knows the name (the usual case): no promise on the hot path. */
export function resolveModel(state: RelayState, name: string | undefined): ModelTarget | Promise<ModelTarget> {
  return state.catalog.resolve(name) ?? resolveSlow(state, name);
}

async function resolveSlow(state: RelayState, name: string | undefined): Promise<ModelTarget> {
  if (!name || name === 'default') {
    // No primary configured (zero-config): the first model a running server reports.
    for (const provider of state.catalog.providers.values()) {
      if (!provider.discover) continue;
      const [first] = await state.discovery.models(provider);
      const target = first && state.catalog.resolve(`${provider.id}/${first.id}`);
      if (target) return target;
    }
    throw new RelayError('no model given and no default model: set agents.defaults.model.primary, or start a model server', {
      code: 'model_not_found',
      param: 'model',
    });
  }
  throw new RelayError(`The model \`${name}\` does not exist or is not configured in lmrelay (GET /v1/models lists them)`, {
    code: 'model_not_found',
    param: 'model',
  });
}

/** `x-lmrelay-fallbacks: none` asks for the requested model alone. */
export function chainFor(state: RelayState, target: ModelTarget, headers: IncomingHttpHeaders): readonly ModelTarget[] {
  if (headers['x-lmrelay-fallbacks'] === 'none') return [target];
  return state.catalog.chainFor(target);
}
