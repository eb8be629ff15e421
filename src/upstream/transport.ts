/**
 * What every API transport does alike: POST a JSON body to `{baseUrl}{path}`; for a stream,
 * open it (first event awaited, so the chain can still fall back) and record time to first
 * token; otherwise read the JSON answer (parsed once: garbage never passes as a success) and
 * check it is the kind of object the API returns.
 * Each dialect's transport (dialects/<api>/transport.ts) only says its path, how a stream ends,
 * and what a valid answer looks like.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { DialectTransport } from '../../dialects/types.js';
import type { CallDeadline } from './deadline.js';
import { readBody, sendJson } from './http.js';
import { JsonAnswer } from './json-answer.js';
import { openSseStream, type OpenedStream } from './sse-stream.js';
import { badResponse } from './classify.js';
import { errorInAnswer } from './error-body.js';

export type TransportResult = JsonAnswer | ({ kind: 'stream' } & OpenedStream);

/**
 * `stream` is said apart from the payload: an API may ask for a stream by path rather than by a
 * field. `headers`: this call's own, in place of the provider's set (a client's anthropic-beta).
 */
export async function callUpstream(
  ctx: CallContext,
  target: ModelTarget,
  api: DialectTransport,
  payload: object,
  stream: boolean,
  deadline: CallDeadline,
  headers?: Record<string, string>,
): Promise<TransportResult> {
  const label = target.ref;
  // With tracing on, the attempt's traceparent goes along with the provider's headers.
  const sent = ctx.trace ? ctx.trace.propagate(headers ?? (stream ? target.provider.callHeaders.stream : target.provider.callHeaders.json)) : headers;
  const res = await sendJson({ provider: target.provider, pools: ctx.pools, path: api.path(target, stream), payload: JSON.stringify(payload), deadline, label, stream, headers: sent, errorCode: api.errorCode, fromRoot: api.fromRoot });
  if (stream) {
    const opened = await openSseStream(res, deadline, { label, isComplete: api.streamFinished, framing: api.framing });
    ctx.recordFirstToken(target.provider.id, (performance.now() - ctx.startedAt) / 1000);
    return { kind: 'stream', ...opened };
  }
  try {
    const answer = new JsonAnswer(await readBody(res, deadline, label), label);
    const json = answer.body;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badResponse(label, 'the answer is not a JSON object');
    const error = errorInAnswer(json);
    if (error !== undefined) throw badResponse(label, `upstream answered HTTP ${res.status} with an error: ${error}`);
    const problem = api.invalidAnswer(json);
    if (problem) throw badResponse(label, problem);
    return answer;
  } finally {
    deadline.dispose();
  }
}
