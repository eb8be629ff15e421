/**
 * llama.cpp's native completion objects (what /infill answers) -> OpenAI text_completion objects:
 * `content` is the text, `stop_type` (or the older `stopped_*` flags) the finish reason,
 * `tokens_evaluated` / `tokens_predicted` the usage.
 */
import { Frame, type FrameTransform } from '../../core/frame.js';
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';

export const newCompletionId = (): string => newId('cmpl').replace('_', '-');

/** `limit`: max_tokens reached; `eos`, `word`: the model or a stop sequence ended it. */
export function finishReasonOf(answer: Json): 'stop' | 'length' {
  return answer.stop_type === 'limit' || answer.stopped_limit === true ? 'length' : 'stop';
}

export function infillUsage(answer: Json): Json | undefined {
  const prompt = answer.tokens_evaluated;
  const completion = answer.tokens_predicted;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  const p = typeof prompt === 'number' ? prompt : 0;
  const c = typeof completion === 'number' ? completion : 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function infillToCompletion(answer: Json, fallbackModel: string): Json {
  const out: Json = {
    id: newCompletionId(),
    object: 'text_completion',
    created: nowSeconds(),
    model: typeof answer.model === 'string' ? answer.model : fallbackModel,
    choices: [{ index: 0, text: answer.content, logprobs: null, finish_reason: finishReasonOf(answer) }],
  };
  const usage = infillUsage(answer);
  if (usage) out.usage = usage;
  return out;
}

/**
 * A streamed /infill (one object an event, the last with `stop: true`) -> text_completion chunks.
 * The usage goes in a chunk of its own with no choices, as OpenAI sends it (the pipeline counts
 * it, and drops it for a client that did not ask for it).
 */
export function infillChunksToCompletionChunks(fallbackModel: string): FrameTransform {
  const id = newCompletionId();
  const created = nowSeconds();
  let model = fallbackModel;
  const chunk = (choices: Json[], extra: Json = {}) => Frame.of({ id, object: 'text_completion', created, model, choices, ...extra });
  return {
    transform(frame) {
      const event = frame.json;
      if (typeof event.model === 'string') model = event.model;
      const text = typeof event.content === 'string' ? event.content : '';
      if (event.stop !== true) return text ? chunk([{ index: 0, text, logprobs: null, finish_reason: null }]) : null;
      const out = [chunk([{ index: 0, text, logprobs: null, finish_reason: finishReasonOf(event) }])];
      const usage = infillUsage(event);
      if (usage) out.push(chunk([], { usage }));
      return out;
    },
  };
}
