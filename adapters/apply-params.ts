/**
 * Per-model `params` from `agents.defaults.models["p/m"]`: plain params are defaults the client
 * may override; `params.extra_body` is merged last and wins (e.g. `tool_choice: "required"`).
 */
import type { Json } from './types.js';

export function applyParams<T extends Json>(body: T, params: Json | undefined): T {
  if (!params) return body;
  const { extra_body: extraBody, ...defaults } = params;
  const out: Json = { ...defaults, ...body };
  if (extraBody && typeof extraBody === 'object') Object.assign(out, extraBody);
  return out as T;
}
