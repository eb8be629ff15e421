/** The `openai-responses` transport: POST {baseUrl}/responses, plain or SSE. */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { Json } from '../../adapters/types.js';
import type { CallDeadline } from './deadline.js';
import { callUpstream, frameMatches, type ApiShape, type TransportResult } from './transport.js';

export type ResponsesResult = TransportResult;

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

const RESPONSES: ApiShape = {
  path: '/responses',
  streamFinished: (last) => last.some((f) => frameMatches(f, (event, json) => TERMINAL.has(event ?? json?.type))),
  invalidAnswer: (json) => (Array.isArray(json.output) ? undefined : 'response is not a Response object (no output)'),
};

export function callResponsesApi(ctx: CallContext, target: ModelTarget, payload: Json, deadline: CallDeadline): Promise<ResponsesResult> {
  return callUpstream(ctx, target, RESPONSES, payload, deadline);
}
