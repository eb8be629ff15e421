/**
 * The shape every model route shares: validate, resolve the model, walk the chain, then answer
 * JSON (the upstream's own text when nothing changed it) or a committed stream.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestSchema } from './requests/compiled-schema.js';
import type { ModelTarget } from './catalog.js';
import type { CallContext } from './context.js';
import type { RelayError } from '../core/errors.js';
import type { Json } from '../adapters/types.js';
import { validateBody } from './requests/validate.js';
import { chainFor, resolveModel } from './resolve-model.js';
import { createCallContext } from './request-context.js';
import { runChain } from './upstream/chain.js';
import type { CallDeadline } from './upstream/deadline.js';
import { applyTransforms, type Frame, type FrameTransform } from '../core/frame.js';
import { sendStream } from './stream/send-stream.js';
import { closeIfStalled } from './stream/write-stall.js';
import { headerValue } from './header-value.js';
import type { RelayState } from './relay-state.js';
import type { RelayInfo } from './services.js';

/** A stream may bring its own ending for a failure (one that knows what it already sent). */
export type StreamErrorFrames = (err: RelayError) => Array<{ data: string; event?: string }>;

export type RelayAnswer =
  | { kind: 'json'; body: any; text?: string }
  | { kind: 'stream'; frames: AsyncIterable<Frame[]>; transforms: FrameTransform[]; errorFrames?: StreamErrorFrames };

export interface RelayRouteSpec {
  schema: RequestSchema<unknown>;
  call: (ctx: CallContext, target: ModelTarget, body: Json, deadline: CallDeadline) => Promise<RelayAnswer>;
  /** After a JSON answer (e.g. count its usage). */
  onJson?: (ctx: CallContext, target: ModelTarget, body: Json, answer: RelayAnswer & { kind: 'json' }) => void;
  /** Last transforms of a stream, which may depend on what the client asked. */
  streamTransforms?: (ctx: CallContext, target: ModelTarget, body: Json) => FrameTransform[];
  /** Written after the last frame (`data: [DONE]` on Chat Completions). */
  trailer?: string;
  /** The frames that tell the client its stream failed, in its API's terms. */
  errorFrames: StreamErrorFrames;
}

export function relayHandler(app: FastifyInstance, spec: RelayRouteSpec) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = validateBody(spec.schema, request.body) as Json;
    // Filled as the request goes: a request that fails is still logged and counted with what it asked for.
    const info: RelayInfo = (request.relayInfo = { model: body.model, provider: undefined, attempts: undefined, stream: undefined, failureKind: undefined });
    const state = app.relay.state;
    // The context holds this state until the reply ends: a reload meanwhile leaves its pools open.
    const ctx = createCallContext(app, request, reply, state);
    const resolved = resolveModel(state, body.model);
    const requested = resolved instanceof Promise ? await resolved : resolved;
    info.model = requested.ref;
    info.provider = requested.provider.id;
    learnModelLabel(app, state, requested);
    let tried = requested;
    let outcome: Awaited<ReturnType<typeof runChain<RelayAnswer>>>;
    try {
      outcome = await runChain(ctx, chainFor(state, requested, request.headers), (t, deadline) => {
        tried = t;
        return spec.call(ctx, t, body, deadline);
      });
    } catch (err) {
      // An error answer names the model whose error it is, as a success names the model that answered.
      reply.header('x-lmrelay-model', headerValue(tried.ref));
      throw err;
    }
    const { target, attempts, value } = outcome;
    info.model = target.ref;
    info.provider = target.provider.id;
    info.attempts = attempts;
    info.stream = value.kind === 'stream';
    if (value.kind === 'json') {
      spec.onJson?.(ctx, target, body, value);
      reply.header('x-lmrelay-model', headerValue(target.ref)).header('x-lmrelay-attempts', String(attempts));
      reply.type('application/json; charset=utf-8').send(value.text ?? JSON.stringify(value.body));
      closeIfStalled(reply.raw, ctx.writeStallMs);
      return reply;
    }
    const transforms = [...value.transforms, ...(spec.streamTransforms?.(ctx, target, body) ?? [])];
    await sendStream(ctx, reply, applyTransforms(value.frames, transforms), { target, attempts, trailer: spec.trailer, errorFrames: value.errorFrames ?? spec.errorFrames });
  };
}

/**
 * A name no config lists, under a provider whose server is asked what it has: ask it now (at
 * most once per discovery TTL), so a name it reports is counted under its own metric label.
 */
function learnModelLabel(app: FastifyInstance, state: RelayState, target: ModelTarget): void {
  if (target.provider.discover && !app.relay.metrics.modelLabels.has(target.ref)) void state.discovery.models(target.provider);
}
