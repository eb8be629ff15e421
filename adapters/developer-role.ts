/** `compat.supportsDeveloperRole: false`: the `developer` role is sent as `system`. */
import type { ChatRequest } from './types.js';

export function developerToSystem(body: ChatRequest): ChatRequest {
  if (!body.messages.some((m) => m.role === 'developer')) return body;
  return { ...body, messages: body.messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m)) };
}
