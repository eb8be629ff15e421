/** `compat.supportsStrictTools: false`: `strict` is dropped from function tools. */
import type { ChatRequest, Json } from './types.js';

export function dropStrictTools(body: ChatRequest): ChatRequest {
  if (!Array.isArray(body.tools) || !body.tools.some((t: Json) => t?.function && 'strict' in t.function)) return body;
  return {
    ...body,
    tools: body.tools.map((t: Json) => {
      if (!t?.function || !('strict' in t.function)) return t;
      const { strict: _s, ...fn } = t.function;
      return { ...t, function: fn };
    }),
  };
}
