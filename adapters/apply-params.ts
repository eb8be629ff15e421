/**
 * Per-model `params` from `agents.defaults.models["p/m"]`: plain params are defaults the client
 * may override; `params.extra_body` is merged last and wins (e.g. `tool_choice: "required"`).
 * Works in place on the per-attempt copy of the body (no copy of a large body per request).
 */
import type { Json } from './types.js';

export function applyParams<T extends Json>(body: T, params: Json | undefined): T {
  if (!params) return body;
  const target = body as Json;
  for (const key in params) {
    if (key !== 'extra_body' && target[key] === undefined) target[key] = params[key];
  }
  const extraBody = params.extra_body;
  if (extraBody && typeof extraBody === 'object') Object.assign(target, extraBody);
  return body;
}
