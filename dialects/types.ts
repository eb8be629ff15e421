/**
 * What one upstream API (a dialect) is to lmrelay: how to reach it (transport), how a Chat
 * Completions request and its answer cross to and from it (the canonical form is Chat
 * Completions), which inbound APIs it takes as they are, and how to ask its server what it
 * has (probe). The pipeline (src/pipeline/) only calls these; it names no dialect.
 * Dialects are pure: they import core/, adapters/ and each other, never src/, fastify or undici.
 */
import type { Frame, FrameTransform } from '../core/frame.js';
import type { ErrorCode } from '../core/errors.js';
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
  /** The provider's settings a dialect may read (Ollama's keepAlive). */
  provider?: { config: { keepAlive?: string | number } };
}

/** What a server says a model can do (Ollama's /api/show `capabilities`). */
export interface ModelCapabilities {
  tools: boolean;
  vision: boolean;
  thinking: boolean;
}

/** What lmrelay knows of a model as its server serves it, at request time. */
export interface ServedModel {
  /** Configured, else what the server reports. */
  contextWindow?: number;
  /** What the server says the model can do; undefined when it says nothing. */
  capabilities?: ModelCapabilities;
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
  /** How a stream is framed: server-sent events (the default) or one JSON object a line (Ollama). */
  framing?: 'sse' | 'ndjson';
  /**
   * The code of lmrelay's error table an HTTP error of this API stands for, where its status
   * alone does not say (Ollama's 404 for a model it has not pulled); undefined: by status.
   */
  errorCode?(status: number, message: string): ErrorCode | undefined;
  /** `path` is from the server's root, not under baseUrl's path (llama.cpp's /infill). */
  fromRoot?: boolean;
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
  /** What the server says the model can do (from its description, where the API has one). */
  capabilities?: ModelCapabilities;
  /** The server's version of the model (Ollama's digest): a description is kept as long as it holds. */
  version?: string;
}

/** One model as the server describes it (DialectProbe.describe). */
export interface ModelDescription {
  contextWindow?: number;
  capabilities?: ModelCapabilities;
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
  /**
   * How to ask the server about one model (Ollama's POST /api/show), for what its list leaves
   * out: the context window and what the model can do. Discovery and doctor ask it.
   */
  describe?: { path: string; body(model: string): Json; parse(json: unknown): ModelDescription };
  /** doctor's advice when the server says it has no such model (`ollama pull <model>`). */
  missingModelFix?(model: string): string;
}

export interface Dialect<Name extends ApiName = ApiName> {
  readonly name: Name;
  /** Inbound APIs passed through as they are (requests shaped, answers untranslated). */
  readonly nativeSurfaces: readonly Surface[];
  readonly transport: DialectTransport;
  /**
   * A Chat Completions request in this API's terms; absent when the API is Chat Completions
   * itself. `served`: the model's window and capabilities as known at request time.
   */
  readonly fromChat?: (payload: ChatRequest, target: DialectTarget, served: ServedModel) => ChatExchange;
  readonly repairs: AnswerRepairs;
  /** Unknown request fields reach the upstream: OpenAI-only ones are stripped for hosts other than OpenAI's. */
  readonly forwardsUnknownFields: boolean;
  readonly probe: DialectProbe;
  /** The transport of `/v1/embeddings` calls; absent when the API's servers have no embeddings. */
  readonly embeddings?: DialectTransport;
  /** The transport of `/v1/completions` (legacy text completions); absent when the API's servers have none. */
  readonly completions?: DialectTransport;
  /** llama.cpp's fill-in-the-middle `/infill`, for models with `compat.infill`. */
  readonly infill?: DialectTransport;
  /** The transport of `/v1/rerank` (Jina/Cohere shape); absent when the API's servers have none. */
  readonly rerank?: DialectTransport;
}
