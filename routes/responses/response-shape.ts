/** Building blocks of Response objects shared by the plain and streamed translators. */
import type { Json } from '../../adapters/types.js';

/** The start of a Response; completeResponse() adds what it echoes of the request. */
export function responseSkeleton(id: string, createdAt: number, status: string): Json {
  return { id, object: 'response', created_at: createdAt, status, output: [] as Json[] };
}

export function usageToResponses(usage: Json | null | undefined): Json | null {
  if (!usage) return null;
  const input = usage.prompt_tokens ?? usage.input_tokens ?? 0;
  const output = usage.completion_tokens ?? usage.output_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens ?? input + output,
  };
}

export const reasoningItem = (id: string, text: string, status = 'completed'): Json => ({
  id,
  type: 'reasoning',
  status,
  summary: [],
  content: [{ type: 'reasoning_text', text }],
});

export const messageItem = (id: string, text: string, status = 'completed'): Json => ({
  id,
  type: 'message',
  status,
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});

export const functionCallItem = (id: string, callId: string, name: string, args: string, status = 'completed'): Json => ({
  id,
  type: 'function_call',
  status,
  call_id: callId,
  name,
  arguments: args,
});

/** finish_reason -> Response status and incomplete_details. */
export function statusOf(finishReason: string | null | undefined): { status: string; incomplete_details: Json | null } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}
