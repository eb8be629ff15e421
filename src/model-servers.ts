/**
 * Where lmrelay looks for models by itself (providers that list what their server reports), in
 * the words of the messages that tell a user nothing was found there.
 */
import type { Catalog } from './catalog.js';
import type { RelayState } from './relay-state.js';
import { BUILTIN_SOURCE } from './config/load.js';

/** `lmstudio (http://127.0.0.1:1234/v1), ollama (...)`, or undefined when no provider discovers. */
export function whereLmrelayLooks(catalog: Catalog): string | undefined {
  const places = [...catalog.providers.values()].filter((p) => p.discover).map((p) => `${p.id} (${p.origin}${p.basePath})`);
  return places.length ? places.join(', ') : undefined;
}

/** Said once at start when there is nothing to serve: no configured model and no server reports one. */
export async function noModelsWarning(state: RelayState): Promise<string | undefined> {
  const { catalog, discovery } = state;
  if (catalog.list().length) return undefined;
  const discovering = [...catalog.providers.values()].filter((p) => p.discover);
  const reported = await Promise.all(discovering.map((p) => discovery.models(p)));
  if (reported.some((models) => models.length)) return undefined;
  const looked = whereLmrelayLooks(catalog);
  return (
    `no models to serve: ${state.loaded.source === BUILTIN_SOURCE ? 'no config file names one' : `${state.loaded.source} configures none`}` +
    (looked ? `, and no model server reports one at ${looked}` : '') +
    ': start a model server there, or add models.providers to the config file (lmrelay check validates it)'
  );
}
