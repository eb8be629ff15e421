/**
 * POST {baseUrl}/completions: the legacy text completions API (prompt, suffix for fill-in-the-middle),
 * which OpenAI-style servers (vLLM, llama.cpp, LM Studio, SGLang) serve beside Chat Completions.
 */
import type { DialectTransport } from '../types.js';
import { frameMatches } from '../frame-matches.js';
import { bearerHeaders } from '../bearer.js';

export const textCompletionsTransport: DialectTransport = {
  path: () => '/completions',
  headers: bearerHeaders,
  // A stream that ended without [DONE] still finished if a choice said why it stopped.
  streamFinished: (last) => last.some((f) => frameMatches(f, (_, json) => json?.choices?.some((c: any) => c?.finish_reason != null) ?? false)),
  invalidAnswer: (json) => (Array.isArray(json.choices) ? undefined : 'response is not a text_completion (no choices)'),
};
