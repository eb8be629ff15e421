/** The `anthropic-messages` transport: POST {baseUrl}/messages, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import type { Frame } from '../stream/frame.js';
import type { CallDeadline } from './deadline.js';
import { readJson, sendJson } from './http.js';
import { openSseStream, type OpenedStream } from './sse-stream.js';
import { badResponse } from './classify.js';

export type AnthropicResult = { kind: 'json'; body: any } | ({ kind: 'stream' } & OpenedStream);

export async function callAnthropicMessages(ctx: CallContext, target: ModelTarget, payload: Json, deadline: CallDeadline): Promise<AnthropicResult> {
  const label = target.ref;
  const res = await sendJson({ provider: target.provider, pools: ctx.pools, path: '/messages', payload: JSON.stringify(payload), deadline, label, stream: payload.stream === true });
  if (payload.stream) {
    const opened = await openSseStream(res, deadline, { label, isComplete: (last) => last.some(isEnd) });
    ctx.metrics.timeToFirstToken.observe({ provider: target.provider.id }, (performance.now() - ctx.startedAt) / 1000);
    return { kind: 'stream', ...opened };
  }
  try {
    const { json } = await readJson(res, deadline, label);
    if (!json || json.type !== 'message' || !Array.isArray(json.content)) throw badResponse(label, 'response is not an Anthropic message');
    return { kind: 'json', body: json };
  } finally {
    deadline.dispose();
  }
}

function isEnd(frame: Frame): boolean {
  try {
    const type = frame.event ?? frame.json?.type;
    return type === 'message_stop' || type === 'message_delta';
  } catch {
    return false;
  }
}
