/**
 * The text completions surface's model call: POST {baseUrl}/completions through the target's
 * dialect, answered as the upstream wrote it; or, for a model with `compat.infill`, llama.cpp's
 * /infill, its answer made a text_completion. A model whose API has neither (a Chat-only one,
 * such as Anthropic's) is refused before anything is sent: the chain moves on to the next model,
 * and a chain with none that can answer gets a 400 naming the requested model.
 */
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { applyParams } from '../../adapters/apply-params.js';
import type { Json } from '../../adapters/types.js';
import { RelayError } from '../../core/errors.js';
import { completionToInfill } from './infill-request.js';
import { infillChunksToCompletionChunks, infillToCompletion } from './infill-answer.js';

export async function callCompletions(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<RelayAnswer> {
  const { dialect, api } = target.provider;
  const payload = applyParams(client, target.params);
  const stream = payload.stream === true;
  if (target.compat.infill) {
    if (!dialect.infill) throw refused(`${target.ref} has compat.infill, but an ${api} provider serves no /infill (llama.cpp's, with api "openai-completions")`);
    const infill = completionToInfill(payload, target.upstreamModel);
    if ('problem' in infill) throw refused(`${target.ref} completes through llama.cpp's /infill (compat.infill): ${infill.problem}`);
    const result = await callUpstream(ctx, target, dialect.infill, infill.request, stream, deadline);
    if (result.kind === 'json') return { kind: 'json', body: infillToCompletion(result.body, target.upstreamModel) };
    return { kind: 'stream', frames: result.frames, transforms: [infillChunksToCompletionChunks(target.upstreamModel)] };
  }
  if (!dialect.completions) {
    throw refused(`${target.ref} has no completions API (an ${api} provider serves chat only): send its requests to POST /v1/chat/completions, or use a model of an OpenAI-style or Ollama provider`);
  }
  payload.model = target.upstreamModel;
  // Asked for to count tokens; the client gets the usage chunk only if it asked too.
  if (stream && target.compat.supportsUsageInStreaming !== false) payload.stream_options = { ...payload.stream_options, include_usage: true };
  const result = await callUpstream(ctx, target, dialect.completions, payload, stream, deadline);
  if (result.kind === 'json') return result;
  return { kind: 'stream', frames: result.frames, transforms: [] };
}

/** Refused before anything is sent: the chain moves on to a model that can answer. */
function refused(message: string): RelayError {
  return new RelayError(message, { code: 'invalid_value', param: 'model', preflight: true, retryable: true });
}
