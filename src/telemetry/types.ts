/**
 * What the request pipeline asks of a trace. Only types: with tracing off the pipeline finds no
 * trace on its context and OpenTelemetry is never loaded (src/telemetry/tracing.ts is imported
 * only when an endpoint is configured).
 */
import type { FastifyRequest } from 'fastify';
import type { ModelTarget } from '../catalog.js';
import type { CallDeadline } from '../upstream/deadline.js';
import type { FrameTransform } from '../../core/frame.js';
import type { RelayInfo } from '../services.js';

export type GenAiOperation = 'chat' | 'embeddings';

/** One attempt of the chain (the chain's `Attempt`, said here again: the chain imports this module's types). */
export type TracedAttempt<T> = (target: ModelTarget, deadline: CallDeadline) => Promise<T>;

export interface RequestTrace {
  /** The model the client asked for (its ref) and the request's parameters (and, with capture on, its content). */
  requested(ref: string, body: any, operation: GenAiOperation): void;
  /** The chain's attempt, each call in a child span of the request's. */
  attempts<T>(attempt: TracedAttempt<T>): TracedAttempt<T>;
  /** The upstream call's headers plus the current attempt's `traceparent` (and `tracestate`). */
  propagate(headers: Readonly<Record<string, string>>): Record<string, string>;
  /** A JSON answer, in the client's API. */
  answer(body: unknown): void;
  /** Reads a streamed answer's events as they pass (model, finish reasons, with capture on the text). */
  streamObserver(): FrameTransform;
  /** The answer's token usage, as counted for metrics. */
  usage(input: number, output: number): void;
  /** The response closed: its status and what the access line says of it (`failureKind`: why it ended early). */
  end(status: number, info: RelayInfo, failureKind: string | undefined): void;
}

/** Starts the trace of an inbound request (one per /v1 request, only with tracing on). */
export interface Tracing {
  startRequest(request: FastifyRequest, scrub: (text: string) => string): RequestTrace;
  /** Sends what is still queued, then stops. */
  shutdown(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set with tracing on: the span of this request and its attempts. */
    trace?: RequestTrace;
  }
}
