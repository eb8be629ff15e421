/** `compat.maxTokensField`: the output-token limit goes in the field the server reads. */
import type { ChatRequest } from './types.js';

export function renameMaxTokens(body: ChatRequest, field: 'max_tokens' | 'max_completion_tokens'): ChatRequest {
  const other = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] === undefined) return body;
  const { [other]: value, ...rest } = body;
  return { ...rest, [field]: rest[field] ?? value } as ChatRequest;
}
