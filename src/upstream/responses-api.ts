/** The `openai-responses` transport: POST {baseUrl}/responses, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import type { Frame } from '../stream/frame.js';
import type { CallDeadline } from './deadline.js';
import { readJson, sendJson } from './http.js';
import { openSseStream, type OpenedStream } from './sse-stream.js';
import { badResponse } from './classify.js';

export type ResponsesResult = { kind: 'json'; body: any; text: string } | ({ kind: 'stream' } & OpenedStream);

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export async function callResponsesApi(ctx: CallContext, target: ModelTarget, payload: Json, deadline: CallDeadline): Promise<ResponsesResult> {
  const label = target.ref;
  const res = await sendJson({ provider: target.provider, pools: ctx.pools, path: '/responses', payload: JSON.stringify(payload), deadline, label, stream: payload.stream === true });
  if (payload.stream) {
    const opened = await openSseStream(res, deadline, { label, isComplete: (last) => last.some(isTerminal) });
    ctx.metrics.timeToFirstToken.observe({ provider: target.provider.id }, (performance.now() - ctx.startedAt) / 1000);
    return { kind: 'stream', ...opened };
  }
  try {
    const { json, text } = await readJson(res, deadline, label);
    if (!json || typeof json !== 'object' || !Array.isArray(json.output)) throw badResponse(label, 'response is not a Response object (no output)');
    return { kind: 'json', body: json, text };
  } finally {
    deadline.dispose();
  }
}

function isTerminal(frame: Frame): boolean {
  try {
    return TERMINAL.has(frame.event ?? frame.json?.type);
  } catch {
    return false;
  }
}
