/** `localModelLean`: heavyweight tools a small local model cannot use well are dropped by name. */
import type { ChatRequest, Json } from './types.js';

export const DEFAULT_LEAN_DROP = ['browser', 'cron', 'message'];

export function dropLeanTools(body: ChatRequest, names: readonly string[] = DEFAULT_LEAN_DROP): ChatRequest {
  if (!Array.isArray(body.tools)) return body;
  const tools = body.tools.filter((t: Json) => !names.includes(t?.function?.name ?? t?.name));
  if (tools.length === body.tools.length) return body;
  const out: ChatRequest = { ...body, tools };
  if (tools.length === 0) {
    delete out.tools;
    delete out.tool_choice;
    delete out.parallel_tool_calls;
  }
  return out;
}
