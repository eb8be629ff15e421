/**
 * What every API transport does alike: POST a JSON body to `{baseUrl}{path}`; for a stream,
 * open it (first event awaited, so the chain can still fall back) and record time to first
 * token; otherwise read the JSON answer (parsed once: garbage never passes as a success) and
 * check it is the kind of object the API returns.
 * Each API file only says its path, how a stream ends, and what a valid answer looks like.
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Frame } from '../../core/frame.js';
import type { CallDeadline } from './deadline.js';
import { readBody, sendJson } from './http.js';
import { JsonAnswer } from './json-answer.js';
import { openSseStream, type OpenedStream } from './sse-stream.js';
import { badResponse } from './classify.js';
import { errorInAnswer } from './error-body.js';

export type TransportResult = JsonAnswer | ({ kind: 'stream' } & OpenedStream);

export interface ApiShape {
  path: string;
  /** Whether a stream that ended without [DONE] still ended properly, from its last frames. */
  streamFinished: (last: Frame[]) => boolean;
  /** undefined when the JSON answer is of the right kind, else what is wrong with it. */
  invalidAnswer: (json: any) => string | undefined;
}

/** `headers`: this call's own, in place of the provider's set. */
export async function callUpstream(ctx: CallContext, target: ModelTarget, api: ApiShape, payload: { stream?: unknown }, deadline: CallDeadline, headers?: Record<string, string>): Promise<TransportResult> {
  const label = target.ref;
  const stream = payload.stream === true;
  const res = await sendJson({ provider: target.provider, pools: ctx.pools, path: api.path, payload: JSON.stringify(payload), deadline, label, stream, headers });
  if (stream) {
    const opened = await openSseStream(res, deadline, { label, isComplete: api.streamFinished });
    ctx.metrics.timeToFirstToken.observe((performance.now() - ctx.startedAt) / 1000, target.provider.id);
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

/** True when a frame's JSON (or its SSE event name) passes `test`; a frame of some other shape does not. */
export function frameMatches(frame: Frame, test: (type: string | undefined, json: any) => boolean): boolean {
  try {
    return test(frame.event, frame.json);
  } catch {
    return false;
  }
}
