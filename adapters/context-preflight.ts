/**
 * Refuses, before anything is sent, a request that cannot fit the model's context window: a
 * window too small for agents at all, or an estimated prompt plus max tokens over the window.
 * The error is a preflight one: the chain moves on to a model with a larger window.
 */
import { RelayError } from '../core/errors.js';
import type { Json } from './types.js';

export const CHARS_PER_TOKEN = 4;

/** A deliberately low estimate (chars / 4, data URLs skipped): a false refusal is worse than a server's own 400. */
export function estimatePromptTokens(body: Json): number {
  let chars = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth > 12) return;
    if (typeof v === 'string') {
      if (!v.startsWith('data:')) chars += v.length;
    } else if (Array.isArray(v)) for (const x of v) walk(x, depth + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(body.messages, 0);
  walk(body.input, 0);
  walk(body.instructions, 0);
  walk(body.tools, 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** `agents.defaults.contextGuard` (its defaults are the config's): below `refuseBelow` a model's requests are refused, below `warnBelow` it is warned about. */
export interface ContextGuard {
  readonly refuseBelow: number;
  readonly warnBelow: number;
}

/** What lmrelay does with a model of this window: the one verdict that `check`, `doctor` and requests share. */
export function contextVerdict(contextWindow: number | undefined, guard: ContextGuard): 'ok' | 'warn' | 'refuse' {
  if (!contextWindow) return 'ok';
  if (contextWindow < guard.refuseBelow) return 'refuse';
  return contextWindow < guard.warnBelow ? 'warn' : 'ok';
}

/** The words of that verdict, with the way out. */
export function contextVerdictText(ref: string, contextWindow: number, guard: ContextGuard): string {
  if (contextWindow < guard.refuseBelow) {
    return (
      `${ref} has a context window of ${contextWindow} tokens, too small for this kind of request (agents.defaults.contextGuard.refuseBelow: ${guard.refuseBelow}): ` +
      `raise the model server's context limit (and contextWindow in the config), pick a larger model, or lower refuseBelow`
    );
  }
  return `${ref} has a context window of ${contextWindow} tokens, small for agents (agents.defaults.contextGuard.warnBelow: ${guard.warnBelow})`;
}

/** `bodyBytes`, the request's size, bounds the prompt: when even that fits, nothing is walked. */
export function checkContextWindow(body: Json, ref: string, contextWindow: number | undefined, guard: ContextGuard, bodyBytes?: number): void {
  if (!contextWindow) return;
  if (contextWindow < guard.refuseBelow) {
    throw new RelayError(contextVerdictText(ref, contextWindow, guard), {
      code: 'context_window_too_small',
      param: 'model',
      preflight: true,
      retryable: true,
    });
  }
  const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens ?? 0) || 0;
  if (bodyBytes !== undefined && Math.ceil(bodyBytes / CHARS_PER_TOKEN) + maxTokens <= contextWindow) return;
  const prompt = estimatePromptTokens(body);
  if (prompt + maxTokens > contextWindow) {
    throw new RelayError(
      `${ref}: this request needs about ${prompt} prompt tokens${maxTokens ? ` + ${maxTokens} max tokens` : ''}, more than its context window of ${contextWindow}; shorten the conversation or pick a model with a larger window`,
      { code: 'context_length_exceeded', param: 'messages', preflight: true, retryable: true },
    );
  }
}
