/**
 * Per-model `params` from `agents.defaults.models["p/m"]`: plain params are defaults the client
 * may override; `params.extra_body` is merged last and wins (e.g. `tool_choice: "required"`).
 * Returns a new body (the copy each attempt needs anyway), built by Object.assign in one go:
 * adding keys to a copy one at a time costs far more on V8 than assigning them together.
 */
import type { Json } from './types.js';

const split = new WeakMap<Json, { defaults: Json; extraBody?: Json }>();

export function applyParams<T extends Json>(body: T, params: Json | undefined): T {
  if (!params) return { ...body };
  let parts = split.get(params);
  if (!parts) {
    const { extra_body: extraBody, ...defaults } = params;
    parts = { defaults, extraBody: extraBody && typeof extraBody === 'object' ? (extraBody as Json) : undefined };
    split.set(params, parts);
  }
  const out = Object.assign({}, parts.defaults, body);
  return (parts.extraBody ? Object.assign(out, parts.extraBody) : out) as T;
}
