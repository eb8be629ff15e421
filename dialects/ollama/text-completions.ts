/**
 * Text completions from an Ollama server: its OpenAI-compatible POST /v1/completions, which takes
 * `suffix` (fill-in-the-middle through the model's template) and answers in OpenAI's shape, so the
 * answer and its stream go back as they came, with no converter of ours in between.
 */
import type { DialectTransport } from '../types.js';
import { bearerHeaders } from '../bearer.js';
import { ollamaErrorCode } from './errors.js';
import { textCompletionsTransport } from '../openai-completions/text-completions.js';

export const ollamaTextCompletionsTransport: DialectTransport = {
  ...textCompletionsTransport,
  path: () => '/v1/completions',
  headers: bearerHeaders,
  errorCode: ollamaErrorCode,
};
