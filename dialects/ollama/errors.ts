/**
 * Ollama answers errors as `{"error": "<text>"}` with an HTTP status; the status says whether to
 * fall back (classify.ts), and the text, read here, which code of lmrelay's table it is where
 * the status alone would say less (a 404 that is a model not pulled, a 400 for tools).
 */
import type { ErrorCode } from '../../core/errors.js';

const BY_TEXT: ReadonlyArray<{ status: number; text: RegExp; code: ErrorCode }> = [
  // `model "llama3" not found, try pulling it first` (older servers: `model 'llama3' not found`)
  { status: 404, text: /\bmodel\b.*\bnot found\b/i, code: 'model_not_found' },
  // `registry.ollama.ai/library/gemma:2b does not support tools`
  { status: 400, text: /does not support tools/i, code: 'unsupported_tool' },
  // `"llama3.2" does not support thinking`, `... does not support insert`
  { status: 400, text: /does not support/i, code: 'unsupported_parameter' },
  // `input length exceeds the context length` (embeddings and some runners)
  { status: 400, text: /exceeds? (the |maximum )?context length/i, code: 'context_length_exceeded' },
];

export function ollamaErrorCode(status: number, message: string): ErrorCode | undefined {
  return BY_TEXT.find((e) => e.status === status && e.text.test(message))?.code;
}
