/** `localModelLean`: heavyweight tools a small local model cannot use well are dropped by name. */
import type { ChatRequest, Json } from './types.js';

/** `names`: agents.defaults.experimental.leanDropTools. */
export function dropLeanTools(body: ChatRequest, names: readonly string[]): ChatRequest {
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
