/**
 * One Messages call to one target of the chain: passed through to an Anthropic upstream, else
 * translated to the canonical Chat request (which reaches Chat, Responses and Anthropic
 * dialects alike) and its answer or stream translated back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import { RelayError } from '../../core/errors.js';
import type { Json } from '../../adapters/types.js';
import { inputKindsOf, messagesToChat } from './request-to-chat.js';
import { chatToAnthropicMessage } from './answer-from-chat.js';
import { chatStreamToAnthropicEvents } from './stream-from-chat.js';
import { passesThrough, passThroughMessages } from './call-passthrough.js';

export async function callMessages(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline, headers: IncomingHttpHeaders): Promise<RelayAnswer> {
  refuseUnlistedInputs(client, target);
  const body = capMaxTokens(client, target.model?.maxTokens);
  if (passesThrough(target)) return passThroughMessages(ctx, target, body, headers, deadline);
  // Usage is counted by the pipeline from the Anthropic-shaped answer (message_delta in a stream).
  const answer = await callChat(ctx, target, messagesToChat(body, { reasoning: target.reasoning }), deadline);
  if (answer.kind === 'json') return { kind: 'json', body: chatToAnthropicMessage(answer.body, body.model) };
  return { kind: 'stream', frames: answer.frames, transforms: [...answer.transforms, chatStreamToAnthropicEvents(body.model)] };
}

/**
 * Anthropic clients must send max_tokens and send a ceiling (Claude Code: 32000): a model's
 * configured `maxTokens` caps it, so the context preflight weighs what the model can write.
 */
function capMaxTokens(body: Json, maxTokens: number | undefined): Json {
  return maxTokens !== undefined && body.max_tokens > maxTokens ? { ...body, max_tokens: maxTokens } : body;
}

/**
 * Images and documents go only to a model whose `input` lists them (a model that declares no
 * `input` is not judged). Refused before sending: the chain may try a model that takes them.
 */
function refuseUnlistedInputs(body: Json, target: ModelTarget): void {
  if (!target.inputs) return;
  for (const kind of inputKindsOf(body)) {
    if (target.inputs.includes(kind)) continue;
    throw new RelayError(`${target.ref} takes ${target.inputs.join(', ')} only: this request holds ${kind === 'file' ? 'a document' : 'an image'} (list "${kind}" in the model's input to allow it)`, {
      code: 'unsupported_content',
      param: 'messages',
      preflight: true,
      retryable: true,
    });
  }
}
