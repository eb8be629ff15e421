/** With tools present and nobody choosing, say `"auto"`: some servers default to `none`. */
import type { ChatRequest } from './types.js';

export function defaultToolChoice(body: ChatRequest): ChatRequest {
  if (body.tool_choice === undefined && Array.isArray(body.tools) && body.tools.length > 0) body.tool_choice = 'auto';
  return body;
}
