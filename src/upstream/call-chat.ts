/**
 * One Chat Completions call to one target, whatever API that target speaks. The answer is
 * always Chat-shaped: a chat.completion object or a stream of chat.completion.chunk frames.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import { shapeChatRequest } from '../../adapters/chat-request.js';
import type { FrameTransform } from '../stream/frame.js';
import type { CallDeadline } from './deadline.js';
import { callChatCompletions, type ChatResult } from './chat-completions.js';
import { RelayError } from '../errors.js';

export type ChatAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<import('../stream/frame.js').Frame>; transforms: FrameTransform[] };

export async function callChat(ctx: CallContext, target: ModelTarget, client: ChatRequest, deadline: CallDeadline): Promise<ChatAnswer> {
  if (target.provider.api !== 'openai-completions') {
    throw new RelayError(`${target.ref}: api "${target.provider.api}" is not supported yet`, { status: 501, code: 'unsupported_api' });
  }
  const payload = shapeChatRequest(client, { upstreamModel: target.upstreamModel, params: target.settings?.params, compat: target.compat });
  const result: ChatResult = await callChatCompletions(ctx, target, payload, deadline);
  if (result.kind === 'json') return result;
  return { kind: 'stream', frames: result.frames, transforms: [] };
}
