/**
 * One POST /v1/responses/compact call to one target. An upstream that compacts natively
 * (OpenAI's Responses API) gets the request as it is, and its answer goes back untouched. Any
 * other model is asked to summarise the conversation (through the shared Chat call, whatever
 * API it speaks), and lmrelay seals the summary into the compaction item.
 */
import type { ModelTarget } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import type { Json } from '../../adapters/types.js';
import type { DialectTransport } from '../../dialects/types.js';
import { RelayError } from '../../core/errors.js';
import { requestForTarget, type StoredTurn } from '../responses/call-stored.js';
import type { CallDeadline } from '../../src/upstream/deadline.js';
import { callUpstream } from '../../src/upstream/transport.js';
import type { RelayAnswer } from '../../src/pipeline/answer.js';
import { callChat } from '../../src/pipeline/call-chat.js';
import { openCompactionItems } from '../../src/compaction/open-input.js';
import { sealSummary } from '../../src/compaction/seal.js';
import { responsesRequestToChat } from '../responses/request-to-chat.js';
import { lowerRequest, planTools } from '../responses/tool-plan.js';
import { usageToResponses } from '../responses/response-shape.js';
import { summaryRequest, summaryText } from './summary-request.js';
import { compactionObject } from './compaction-object.js';

const NO_USAGE = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };

/** `turn`: the stored conversation a `previous_response_id` names, replayed into what is compacted. */
export async function callCompact(ctx: CallContext, target: ModelTarget, request: Json, deadline: CallDeadline, _headers?: unknown, turn?: StoredTurn): Promise<RelayAnswer> {
  const { dialect, nativeOpenAI } = target.provider;
  if (nativeOpenAI && dialect.nativeSurfaces.includes('responses')) return compactNatively(ctx, target, request, deadline);
  const client = requestForTarget(request, turn, { ref: target.ref, provider: target.provider.id, keepsItsOwn: false, openAI: false });
  const seal = ctx.compactionSeal(); // before the model call: a missing key costs no tokens
  const opened = openCompactionItems(client, () => seal, false);
  const lowered = lowerRequest({ input: opened.input }, planTools({}));
  const conversation = responsesRequestToChat({ input: lowered.input }, { reasoning: false }).messages;
  const answer = await callChat(ctx, target, summaryRequest(conversation, client.instructions), deadline);
  if (answer.kind !== 'json') throw new RelayError(`${target.ref} streamed an answer to a request that asked for none`, { code: 'bad_upstream_response', failureKind: 'bad_response', retryable: true });
  const summary = summaryText(answer.body);
  if (!summary) throw new RelayError(`${target.ref} wrote no summary (its answer holds no text)`, { code: 'bad_upstream_response', failureKind: 'bad_response', retryable: true });
  return { kind: 'json', body: compactionObject(client.input, sealSummary(seal, summary), usageToResponses(answer.body.usage) ?? NO_USAGE) };
}

/** The request as it came (lmrelay's own items opened: OpenAI cannot read them), the answer as it comes. */
async function compactNatively(ctx: CallContext, target: ModelTarget, client: Json, deadline: CallDeadline): Promise<RelayAnswer> {
  const { stream: _stream, ...request } = openCompactionItems(client, () => ctx.compactionSeal(), true);
  request.model = target.upstreamModel;
  return callUpstream(ctx, target, compactTransport(target.provider.dialect.transport), request, false, deadline) as Promise<RelayAnswer>;
}

const compactTransports = new WeakMap<DialectTransport, DialectTransport>();

/** The Responses transport, at `/responses/compact`, whose answers are response.compaction objects. */
function compactTransport(transport: DialectTransport): DialectTransport {
  let compact = compactTransports.get(transport);
  if (!compact) {
    compact = {
      ...transport,
      path: (target, stream) => `${transport.path(target, stream)}/compact`,
      invalidAnswer: (json) => (json.object === 'response.compaction' && Array.isArray(json.output) ? undefined : 'answer is not a response.compaction object'),
    };
    compactTransports.set(transport, compact);
  }
  return compact;
}
