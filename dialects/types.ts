/**
 * What one upstream API (a dialect) is to lmrelay: how to reach it (transport), how a Chat
 * Completions request and its answer cross to and from it (the canonical form is Chat
 * Completions), which inbound APIs it takes as they are, and how to ask its server what it
 * has (probe). The pipeline (src/pipeline/) only calls these; it names no dialect.
 * Dialects are pure: they import core/, adapters/ and each other, never src/, fastify or undici.
 */
import type { Frame, FrameTransform } from '../core/frame.js';
import type { ChatRequest, Json } from '../adapters/types.js';
import type { ApiName } from './names.js';

/** The inbound APIs lmrelay serves (its surfaces), as a dialect can take them as they are. */
export type Surface = 'chat-completions' | 'responses' | 'messages';

/** What a dialect reads of the model it calls (the catalog's ModelTarget holds all of it). */
export interface DialectTarget {
  upstreamModel: string;
  /** The model reasons (its config says `reasoning: true`). */
  reasoning: boolean;
  model?: { maxTokens?: number };
}

export interface DialectTransport {
  /** The path under baseUrl of a model call: a function, as Gemini's names the model and differs when streaming. */
  path(target: DialectTarget, stream: boolean): string;
  /** Auth and fixed headers of every request to a provider of this API, from its apiKey (made once, at config load). */
  headers(apiKey: string | undefined): Record<string, string>;
  /** Whether a stream that ended without [DONE] still ended properly, from its last frames. */
  streamFinished(last: Frame[]): boolean;
  /** undefined when a JSON answer is of this API's kind, else what is wrong with it. */
  invalidAnswer(json: any): string | undefined;
}

/** One Chat Completions request in a dialect's terms, and the way back for its answer. */
export interface ChatExchange {
  /** The body the upstream gets. */
  request: Json;
  /** This API's JSON answer -> a chat.completion. */
  toChatCompletion(answer: Json): Json;
  /** This API's stream events -> chat.completion.chunk frames. */
  toChatChunks(): FrameTransform;
}

/** The repairs an answer of this API may still need once it is Chat-shaped. */
export interface AnswerRepairs {
  /** `reasoning` fields and think tags moved to reasoning_content (adapters/reasoning.ts). */
  reasoning: boolean;
  /** Bracketed text tool calls made real, empty tool_calls dropped, look-alikes reported (adapters/chat-answer.ts). */
  toolText: boolean;
}

/** A model a server reports in its list. */
export interface DiscoveredModel {
  id: string;
  contextWindow?: number;
  /** Other names it answers to: the base name of a model file the server reports by its path. */
  aliases?: string[];
}

export interface DialectProbe {
  /** The path under baseUrl that lists the server's models (discovery, readiness, doctor). */
  modelsPath: string;
  /** That list -> the models in it ([] for anything else). */
  parseModels(json: unknown): DiscoveredModel[];
  /** Whether a provider that lists no models asks its server (when its config says nothing of `discover`). */
  discoverByDefault: boolean;
  /** The body of doctor's one-token call; `stringContent` for servers that refuse content arrays. */
  probeBody(model: string, stringContent: boolean): Json;
  /** An API the same servers often speak instead: doctor tries it when this one's path is missing. */
  alternative?: ApiName;
}

export interface Dialect<Name extends ApiName = ApiName> {
  readonly name: Name;
  /** Inbound APIs passed through as they are (requests shaped, answers untranslated). */
  readonly nativeSurfaces: readonly Surface[];
  readonly transport: DialectTransport;
  /** A Chat Completions request in this API's terms; absent when the API is Chat Completions itself. */
  readonly fromChat?: (payload: ChatRequest, target: DialectTarget) => ChatExchange;
  readonly repairs: AnswerRepairs;
  /** Unknown request fields reach the upstream: OpenAI-only ones are stripped for hosts other than OpenAI's. */
  readonly forwardsUnknownFields: boolean;
  readonly probe: DialectProbe;
  /** The transport of `/v1/embeddings` calls; absent when the API's servers have no embeddings. */
  readonly embeddings?: DialectTransport;
}
