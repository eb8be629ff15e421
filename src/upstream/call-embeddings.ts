/**
 * One embeddings call to one target: POST {baseUrl}/embeddings on an OpenAI-style server. The
 * answer goes back as the upstream wrote it (vectors, base64 or float, byte for byte).
 */
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import type { CallDeadline } from './deadline.js';
import { callUpstream, type ApiShape } from './transport.js';
import type { JsonAnswer } from './json-answer.js';
import { applyParams } from '../../adapters/apply-params.js';
import type { Json } from '../../adapters/types.js';
import { RelayError } from '../../core/errors.js';

const EMBEDDINGS: ApiShape = {
  path: '/embeddings',
  streamFinished: () => true, // never streamed
  invalidAnswer: (json) => (Array.isArray(json.data) ? undefined : 'response is not an embedding list (no data)'),
};

export async function callEmbeddings(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<JsonAnswer> {
  if (target.provider.api === 'anthropic-messages') {
    // Refused before anything is sent: the chain moves on to a model that has embeddings.
    throw new RelayError(`${target.ref}: an anthropic-messages provider serves no embeddings`, { code: 'invalid_value', param: 'model', preflight: true, retryable: true });
  }
  const payload = applyParams(client, target.params);
  payload.model = target.upstreamModel;
  return (await callUpstream(ctx, target, EMBEDDINGS, payload, deadline)) as JsonAnswer;
}
