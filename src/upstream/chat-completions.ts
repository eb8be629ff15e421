/** The `openai-completions` transport: POST {baseUrl}/chat/completions, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { ChatRequest } from '../../adapters/types.js';
import type { Frame } from '../stream/frame.js';
import type { CallDeadline } from './deadline.js';
import { readJson, sendJson } from './http.js';
import { openSseStream, type OpenedStream } from './sse-stream.js';
import { badResponse } from './classify.js';

export type ChatResult = { kind: 'json'; body: any; text: string } | ({ kind: 'stream' } & OpenedStream);

export async function callChatCompletions(ctx: CallContext, target: ModelTarget, payload: ChatRequest, deadline: CallDeadline): Promise<ChatResult> {
  const label = target.ref;
  const res = await sendJson({
    provider: target.provider,
    pools: ctx.pools,
    path: '/chat/completions',
    payload: JSON.stringify(payload),
    deadline,
    label,
    stream: payload.stream === true,
  });
  if (payload.stream) {
    const opened = await openSseStream(res, deadline, { label, isComplete: chatStreamFinished });
    ctx.metrics.timeToFirstToken.observe({ provider: target.provider.id }, (performance.now() - ctx.startedAt) / 1000);
    return { kind: 'stream', ...opened };
  }
  try {
    const { json, text } = await readJson(res, deadline, label);
    if (!json || typeof json !== 'object' || !Array.isArray(json.choices)) {
      throw badResponse(label, 'response is not a chat.completion (no choices)');
    }
    return { kind: 'json', body: json, text };
  } finally {
    deadline.dispose();
  }
}

/** A chat stream that ended without [DONE] still counts as finished if a choice said why it stopped. */
function chatStreamFinished(last: Frame[]): boolean {
  return last.some((f) => {
    try {
      return f.json?.choices?.some((c: any) => c?.finish_reason != null) ?? false;
    } catch {
      return false;
    }
  });
}
