/** The rerank surface's model call: POST {baseUrl}/rerank through the target's dialect. */
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { JsonAnswer } from '../../src/upstream/json-answer.js';
import { badResponse } from '../../src/upstream/classify.js';
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { applyParams } from '../../adapters/apply-params.js';
import type { Json } from '../../adapters/types.js';
import { RelayError } from '../../core/errors.js';
import { normalizeRerankAnswer, rerankRequestFor } from './answer.js';

export async function callRerank(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<RelayAnswer> {
  const transport = target.provider.dialect.rerank;
  if (!transport) {
    // Refused before anything is sent: the chain moves on to a model that can rerank.
    throw new RelayError(`${target.ref}: an ${target.provider.api} provider serves no rerank API`, { code: 'invalid_value', param: 'model', preflight: true, retryable: true });
  }
  const request = applyParams(client, target.params);
  const answer = (await callUpstream(ctx, target, transport, rerankRequestFor(request, target.upstreamModel), false, deadline)) as JsonAnswer;
  const normal = normalizeRerankAnswer(answer.body, request, target.upstreamModel);
  // A garbled answer is the upstream's failure: the next model of the chain is tried.
  if ('problem' in normal) throw badResponse(target.ref, normal.problem);
  return { kind: 'json', body: normal.body };
}
