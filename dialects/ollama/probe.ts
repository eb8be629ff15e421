/**
 * Asking an Ollama server what it has: GET /api/tags lists the pulled models, POST /api/show
 * describes one (its trained context length in `model_info`, and `capabilities`), so that no
 * window or capability needs writing in the config.
 */
import type { DialectProbe, DiscoveredModel, ModelDescription } from '../types.js';

/** `{models: [{name: "llama3.2:latest", digest}]}` -> the models, each also under its name without `:latest`. */
export function parseTags(json: any): DiscoveredModel[] {
  const out: DiscoveredModel[] = [];
  for (const m of Array.isArray(json?.models) ? json.models : []) {
    const id = typeof m?.name === 'string' && m.name ? m.name : typeof m?.model === 'string' ? m.model : undefined;
    if (!id) continue;
    const short = id.endsWith(':latest') ? id.slice(0, -':latest'.length) : undefined;
    out.push({ id, aliases: short ? [short] : undefined, version: typeof m.digest === 'string' ? m.digest : undefined });
  }
  return out;
}

/** /api/show -> the window (`<architecture>.context_length`) and what the model can do. */
export function parseShow(json: any): ModelDescription {
  const info = json?.model_info && typeof json.model_info === 'object' ? json.model_info : {};
  const arch = info['general.architecture'];
  let window = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  // A server that names no architecture: the one context length it gives.
  if (typeof window !== 'number') window = Object.entries(info).find(([k, v]) => k.endsWith('.context_length') && typeof v === 'number')?.[1];
  const caps = Array.isArray(json?.capabilities) ? (json.capabilities as unknown[]) : undefined;
  return {
    contextWindow: typeof window === 'number' && Number.isInteger(window) && window > 0 ? window : undefined,
    capabilities: caps && { tools: caps.includes('tools'), vision: caps.includes('vision'), thinking: caps.includes('thinking') },
  };
}

export const ollamaProbe: DialectProbe = {
  modelsPath: '/api/tags',
  parseModels: parseTags,
  discoverByDefault: true,
  probeBody: (model) => ({ model, messages: [{ role: 'user', content: 'Say OK.' }], stream: false, options: { num_predict: 1 } }),
  describe: { path: '/api/show', body: (model) => ({ model }), parse: parseShow },
  missingModelFix: (model) => `the server has no model "${model}": pull it (ollama pull ${model}) or fix the model id`,
};
