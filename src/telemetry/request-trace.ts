/**
 * The spans of one inbound request: a SERVER span for the request, and a CLIENT span per
 * upstream attempt under it, with OpenTelemetry's GenAI attributes. The client's `traceparent`
 * is the request span's parent; each attempt's own context goes to its upstream. The attempt
 * that answered stays open until the answer ends (a stream's last event), then both close.
 */
import { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace, defaultTextMapGetter, defaultTextMapSetter, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import type { FastifyRequest } from 'fastify';
import { RelayError } from '../../core/errors.js';
import type { ModelTarget } from '../catalog.js';
import type { FrameTransform } from '../../core/frame.js';
import type { RelayInfo } from '../services.js';
import { classifyError } from '../upstream/classify.js';
import { AnswerFacts } from './answer-facts.js';
import type { GenAiOperation, RequestTrace, TracedAttempt } from './types.js';

/** Captured content is cut to this many characters per attribute. */
const CONTENT_LIMIT = 32 * 1024;

export interface TraceTools {
  tracer: Tracer;
  propagator: W3CTraceContextPropagator;
  captureContent: boolean;
}

export class SpanRequestTrace implements RequestTrace {
  private readonly span: Span;
  private readonly context: Context;
  private operation?: GenAiOperation;
  private attemptCount = 0;
  private previousRef?: string;
  /** The attempt under way; once one answered, the one that did. */
  private current?: Span;
  private answered = false;
  private lastFailure?: string;
  private readonly facts: AnswerFacts;
  private tokens?: { input: number; output: number };

  constructor(
    private readonly tools: TraceTools,
    request: FastifyRequest,
    private readonly scrub: (text: string) => string,
  ) {
    const parent = tools.propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const route = request.routeOptions.url ?? '';
    this.span = tools.tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route, 'lmrelay.request_id': String(request.id) } },
      parent,
    );
    this.context = trace.setSpan(parent, this.span);
    this.facts = new AnswerFacts(tools.captureContent);
  }

  requested(ref: string, body: any, operation: GenAiOperation): void {
    this.operation = operation;
    const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_REQUEST_MODEL]: ref };
    const maxTokens = body?.max_tokens ?? body?.max_completion_tokens ?? body?.max_output_tokens;
    if (typeof maxTokens === 'number') attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
    if (typeof body?.temperature === 'number') attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = body.temperature;
    if (typeof body?.top_p === 'number') attributes[ATTR_GEN_AI_REQUEST_TOP_P] = body.top_p;
    attributes['lmrelay.stream'] = body?.stream === true;
    if (this.tools.captureContent) {
      const input = body?.messages ?? body?.input;
      const system = body?.system ?? body?.instructions;
      if (input !== undefined) attributes[ATTR_GEN_AI_INPUT_MESSAGES] = capped(input);
      if (system !== undefined) attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = capped(system);
    }
    this.span.setAttributes(attributes);
  }

  attempts<T>(attempt: TracedAttempt<T>): TracedAttempt<T> {
    return async (target, deadline) => {
      const span = this.startAttempt(target);
      try {
        const value = await attempt(target, deadline);
        this.answered = true;
        return value;
      } catch (err) {
        // Classified as the chain will (a pure function); an exception of lmrelay's own is not the upstream's.
        const failure = err instanceof RelayError || deadline.reason ? classifyError(err, target.ref, deadline.reason) : undefined;
        this.endFailed(span, failure?.preflight ? 'preflight' : (failure?.failureKind ?? 'internal_error'), failure ?? err);
        if (this.current === span) this.current = undefined;
        throw err;
      }
    };
  }

  propagate(headers: Readonly<Record<string, string>>): Record<string, string> {
    const carrier = { ...headers };
    if (this.current) this.tools.propagator.inject(trace.setSpan(this.context, this.current), carrier, defaultTextMapSetter);
    return carrier;
  }

  answer(body: unknown): void {
    this.facts.observe(body);
  }

  streamObserver(): FrameTransform {
    const facts = this.facts;
    return {
      transform(frame) {
        // Frames arrive parsed: reading one costs no parse.
        facts.observe(frame.json);
        return frame;
      },
    };
  }

  usage(input: number, output: number): void {
    this.tokens = { input, output };
  }

  end(status: number, info: RelayInfo, endedEarly: string | undefined): void {
    const answer = this.answerAttributes();
    if (this.current) {
      const span = this.current;
      span.setAttributes(answer);
      if (endedEarly) this.markFailed(span, endedEarly, `the answer ended early: ${endedEarly}`);
      span.end();
    }
    const attributes: Attributes = { ...answer, [ATTR_HTTP_RESPONSE_STATUS_CODE]: status };
    if (info.provider) attributes[ATTR_GEN_AI_PROVIDER_NAME] = info.provider;
    if (info.attempts !== undefined || this.attemptCount) attributes['lmrelay.attempts'] = info.attempts ?? this.attemptCount;
    attributes['lmrelay.fallback'] = this.attemptCount > 1;
    const failureKind = endedEarly ?? (this.answered ? undefined : this.lastFailure);
    if (failureKind) attributes['lmrelay.failure_kind'] = failureKind;
    if (this.tools.captureContent && this.facts.outputText !== undefined) {
      attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = capped([{ role: 'assistant', parts: [{ type: 'text', content: this.facts.outputText }], finish_reason: this.facts.finishReasons[0] ?? null }]);
    }
    this.span.setAttributes(attributes);
    // HTTP semantics: a server span is an error for 5xx (and here for a cut answer), not for the client's 4xx.
    if (status >= 500 || endedEarly) {
      this.span.setAttribute(ATTR_ERROR_TYPE, failureKind ?? String(status));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }

  private startAttempt(target: ModelTarget): Span {
    this.attemptCount++;
    const provider = target.provider;
    const operation = this.operation ?? 'chat';
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: provider.id,
      [ATTR_GEN_AI_REQUEST_MODEL]: target.upstreamModel,
      'lmrelay.model_ref': target.ref,
      'lmrelay.api': provider.api,
      'lmrelay.attempt': this.attemptCount,
      ...serverOf(provider.origin),
    };
    if (this.previousRef !== undefined) attributes['lmrelay.fallback_from'] = this.previousRef;
    this.previousRef = target.ref;
    const span = this.tools.tracer.startSpan(`${operation} ${target.upstreamModel}`, { kind: SpanKind.CLIENT, attributes }, this.context);
    this.current = span;
    return span;
  }

  private answerAttributes(): Attributes {
    const attributes: Attributes = {};
    if (this.facts.model) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = this.facts.model;
    if (this.facts.finishReasons.length) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = this.facts.finishReasons;
    if (this.tokens) {
      attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = this.tokens.input;
      attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = this.tokens.output;
    }
    return attributes;
  }

  private endFailed(span: Span, kind: string, err: unknown): void {
    this.lastFailure = kind;
    this.markFailed(span, kind, (err as Error)?.message ?? String(err));
    span.end();
  }

  private markFailed(span: Span, kind: string, message: string): void {
    span.setAttributes({ [ATTR_ERROR_TYPE]: kind, 'lmrelay.failure_kind': kind });
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.scrub(message) });
  }
}

function capped(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > CONTENT_LIMIT ? text.slice(0, CONTENT_LIMIT) : text;
}

const servers = new Map<string, Attributes>();

/** server.address and server.port of a provider (worked out once per origin). */
function serverOf(origin: string): Attributes {
  let found = servers.get(origin);
  if (!found) {
    const url = new URL(origin);
    found = { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
    if (servers.size < 1000) servers.set(origin, found);
  }
  return found;
}
