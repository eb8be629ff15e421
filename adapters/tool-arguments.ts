/**
 * A tool call's arguments as a JSON object, for APIs that carry them as one (Anthropic's
 * `input`, Ollama's `arguments`) where Chat Completions carries a JSON string. Text that is not
 * an object is kept under `_raw` rather than lost.
 */
import type { Json } from './types.js';

export function argumentsObject(args: unknown): Json {
  if (args && typeof args === 'object' && !Array.isArray(args)) return args as Json;
  if (typeof args !== 'string' || !args.trim()) return {};
  try {
    const parsed = JSON.parse(args);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { _raw: args };
  } catch {
    return { _raw: args };
  }
}
