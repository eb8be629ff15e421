/**
 * The embeddings surface's model call: POST {baseUrl}/embeddings through the target's dialect.
 * The answer goes back as the upstream wrote it (vectors, base64 or float, byte for byte).
 */
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { JsonAnswer } from '../../src/upstream/json-answer.js';
import { applyParams } from '../../adapters/apply-params.js';
import type { Json } from '../../adapters/types.js';
import { RelayError } from '../../core/errors.js';

export async function callEmbeddings(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<JsonAnswer> {
  const transport = target.provider.dialect.embeddings;
  if (!transport) {
    // Refused before anything is sent: the chain moves on to a model that has embeddings.
    throw new RelayError(`${target.ref}: an ${target.provider.api} provider serves no embeddings`, { code: 'invalid_value', param: 'model', preflight: true, retryable: true });
  }
  const payload = applyParams(client, target.params);
  payload.model = target.upstreamModel;
  return (await callUpstream(ctx, target, transport, payload, false, deadline)) as JsonAnswer;
}
