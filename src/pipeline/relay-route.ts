/**
 * The shape every model route shares: validate, resolve the model, walk the chain, then answer
 * JSON (the upstream's own text when nothing changed it) or a committed stream. Usage is counted
 * here for every surface (./usage.ts); a surface says only how its answers and errors are framed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestSchema } from '../requests/compiled-schema.js';
import type { ModelTarget } from '../catalog.js';
import type { CallContext } from '../context.js';
import { RelayError } from '../../core/errors.js';
import type { ModelKind } from '../config/schema.js';
import type { Json } from '../../adapters/types.js';
import { validateBody } from '../requests/validate.js';
import { createCallContext } from '../request-context.js';
import type { CallDeadline } from '../upstream/deadline.js';
import { applyTransforms, type FrameTransform } from '../../core/frame.js';
import { closeIfStalled } from '../stream/write-stall.js';
import { headerValue } from '../header-value.js';
import type { RelayState } from '../relay-state.js';
import type { RelayInfo } from '../services.js';
import { discoverModel, chainFor, knownModel } from './resolve-model.js';
import { runChain, type ChainOutcome } from './chain.js';
import { sendStream } from './send-stream.js';
import { countJsonUsage, usageCounter } from './usage.js';
import { formatUsd } from '../spend/price.js';
import { hasBudgets } from '../spend/budgets.js';
import type { RelayAnswer, StreamErrorFrames } from './answer.js';
import { balancedRoute } from '../balance/route.js';

export type { RelayAnswer } from './answer.js';

export interface RelayRouteSpec<Prepared = undefined> {
  schema: RequestSchema<unknown>;
  /**
   * Work a surface does once per request, before the chain, whatever model answers (the
   * Responses API reads its stored conversation here); its result goes to every call.
   */
  prepare?: (request: FastifyRequest, body: Json) => Promise<Prepared>;
  /** `headers`: the client's, for a surface that passes some on (Anthropic's anthropic-beta). */
  call: (ctx: CallContext, target: ModelTarget, body: Json, deadline: CallDeadline, headers: IncomingHttpHeaders, prepared: Prepared) => Promise<RelayAnswer>;
  /**
   * Whether a stream's usage chunk, which lmrelay asks upstreams for to count tokens, also goes
   * to the client (Chat: only when it set stream_options.include_usage). Default: it does.
   */
  usageChunkWanted?: (body: Json) => boolean;
  /** The provider that answered the conversation this request continues (a model with deployments stays on it). */
  affinity?: (prepared: Prepared) => string | undefined;
  /** The kind of model the route serves: its default model and fallbacks (default `chat`). */
  kind?: ModelKind;
  /** Last transforms of a stream, which may depend on what the client asked. */
  streamTransforms?: (ctx: CallContext, target: ModelTarget, body: Json) => FrameTransform[];
  /** Written after the last frame (`data: [DONE]` on Chat Completions). */
  trailer?: string;
  /** The frames that tell the client its stream failed, in its API's terms. */
  errorFrames: StreamErrorFrames;
}

export function relayHandler<Prepared = undefined>(app: FastifyInstance, spec: RelayRouteSpec<Prepared>) {
  const kind = spec.kind ?? 'chat';
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = validateBody(spec.schema, request.body) as Json;
    // Filled as the request goes: a request that fails is still logged and counted with what it asked for.
    const info: RelayInfo = (request.relayInfo = { model: body.model, provider: undefined, attempts: undefined, stream: undefined, failureKind: undefined });
    const state = app.relay.state;
    // The context holds this state until the reply ends: a reload meanwhile leaves its pools open.
    const ctx = createCallContext(app, request, reply, state);
    const prepared = (spec.prepare ? await spec.prepare(request, body) : undefined) as Prepared;
    const requested = knownModel(state, body.model, kind) ?? (await discoverModel(state, body.model, kind));
    if (requested.kind !== undefined && requested.kind !== kind) throw wrongKind(requested, kind);
    info.model = requested.ref;
    info.provider = requested.provider.id;
    ctx.trace?.requested(requested.ref, body, kind === 'embedding' ? 'embeddings' : 'chat');
    learnModelLabel(app, state, requested);
    let tried = requested;
    let outcome: ChainOutcome<RelayAnswer>;
    // Replicas sharing spend: read it once, before the chain's budget checks (which read it locally).
    if (hasBudgets(state.config)) await app.relay.spend.refresh();
    const chain = chainFor(state, requested, request.headers, kind);
    // A model with deployments: one picked for this request, the others its first fallbacks.
    const balanced = requested.deployments && balancedRoute(app, request, reply, requested, chain, spec.affinity?.(prepared));
    try {
      outcome = await runChain(ctx, balanced ? balanced.chain : chain, (t, deadline) => {
        tried = t;
        const answer = spec.call(ctx, t, body, deadline, request.headers, prepared);
        return balanced ? balanced.track(t, answer) : answer;
      });
    } catch (err) {
      // An error answer names the model whose error it is, as a success names the model that answered.
      reply.header('x-lmrelay-model', headerValue(tried.ref)).header('x-lmrelay-attempts', String(ctx.attempts));
      info.attempts = ctx.attempts;
      throw err;
    }
    const { target, attempts, value } = outcome;
    balanced?.answered(target);
    info.model = target.ref;
    info.provider = target.provider.id;
    info.attempts = attempts;
    info.stream = value.kind === 'stream';
    if (value.kind === 'json') {
      const usd = countJsonUsage(ctx, target, value.body);
      ctx.trace?.answer(value.body);
      reply.header('x-lmrelay-model', headerValue(target.ref)).header('x-lmrelay-attempts', String(attempts));
      if (usd !== undefined) reply.header('x-lmrelay-cost', formatUsd(usd));
      reply.type('application/json; charset=utf-8').send(value.text ?? JSON.stringify(value.body));
      closeIfStalled(reply.raw, ctx.writeStallMs);
      return reply;
    }
    // Usage is counted once the answer is in the surface's shape, before the surface's own last steps.
    const usageWanted = spec.usageChunkWanted?.(body);
    const usage = usageCounter(ctx, target, usageWanted === false);
    const transforms: FrameTransform[] = [...value.transforms, usage];
    if (ctx.trace) transforms.push(ctx.trace.streamObserver());
    transforms.push(...(spec.streamTransforms?.(ctx, target, body) ?? []));
    // A stream's head is gone before its usage is known: a client that asked for usage (Chat's
    // include_usage) reads the cost in a last SSE comment.
    const trailer = usageWanted === true ? () => costComment(usage.usd) + (spec.trailer ?? '') : spec.trailer;
    await sendStream(ctx, reply, applyTransforms(value.frames, transforms), { target, attempts, trailer, errorFrames: value.errorFrames ?? spec.errorFrames });
  };
}

/**
 * A name no config lists, under a provider whose server is asked what it has: ask it now (at
 * most once per discovery TTL), so a name it reports is counted under its own metric label.
 */
function learnModelLabel(app: FastifyInstance, state: RelayState, target: ModelTarget): void {
  if (target.provider.discover && !app.relay.metrics.modelLabels.has(target.ref)) void state.discovery.models(target.provider);
}

const costComment = (usd: number | undefined): string => (usd === undefined ? '' : `: x-lmrelay-cost=${formatUsd(usd)}\n\n`);

function wrongKind(target: ModelTarget, kind: ModelKind): RelayError {
  const use = target.kind === 'embedding' ? 'POST /v1/embeddings' : target.kind === 'rerank' ? 'POST /v1/rerank' : 'a chat route (/v1/chat/completions, /v1/responses, /v1/completions)';
  return new RelayError(`${target.ref} is a model of kind "${target.kind}", not ${kind}: send its requests to ${use}`, { code: 'invalid_value', param: 'model' });
}
