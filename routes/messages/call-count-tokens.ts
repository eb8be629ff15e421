/**
 * The ways a model server counts a prompt's tokens itself, tried in order until one answers;
 * the one that did is remembered per provider (per loaded config), so later counts ask once.
 *
 *   messages/count_tokens   Anthropic, and llama.cpp (its count runs the chat template)
 *   /apply-template + /tokenize   llama.cpp builds without the former
 *   /tokenize with messages       vLLM
 *
 * A server that has no such route (a 4xx, or an answer of another shape) moves on to the next
 * way; one that fails otherwise (down, timeout, 5xx) gives no count this time. The routes outside
 * the API's path are self-hosted servers' own: a hosted provider (a public host) is only asked
 * under its API path, never sent a prompt at its root.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelTarget, ResolvedProvider } from '../../src/catalog.js';
import type { CallContext } from '../../src/context.js';
import { CallDeadline } from '../../src/upstream/deadline.js';
import { readBody, sendJson } from '../../src/upstream/http.js';
import { RelayError } from '../../core/errors.js';
import type { ChatRequest, Json } from '../../adapters/types.js';
import { headersFor, passesThrough } from './call-passthrough.js';
import { isPrivateHostname } from '../../src/net/policy.js';

interface CountRequest {
  /** The client's Messages body. */
  messages: Json;
  /** The same, as the canonical Chat request. */
  chat: ChatRequest;
  clientHeaders: IncomingHttpHeaders;
}

type Post = (path: string, payload: unknown, opts?: { fromRoot?: boolean; headers?: Record<string, string> }) => Promise<Json | undefined>;

/** A count, or undefined when the server has no such way. */
type Counter = (post: Post, target: ModelTarget, request: CountRequest) => Promise<number | undefined>;

const anthropicCount: Counter = async (post, target, request) => {
  const headers = passesThrough(target) ? headersFor(target.provider, request.clientHeaders, false) : undefined;
  const answer = await post('/messages/count_tokens', { ...request.messages, model: target.upstreamModel }, { headers });
  return countIn(answer?.input_tokens);
};

const llamaTemplateCount: Counter = async (post, _target, request) => {
  const { messages, tools } = request.chat;
  const templated = await post('/apply-template', { messages, ...(tools ? { tools } : {}) }, { fromRoot: true });
  if (typeof templated?.prompt !== 'string') return undefined;
  const tokenized = await post('/tokenize', { content: templated.prompt, add_special: true }, { fromRoot: true });
  return Array.isArray(tokenized?.tokens) ? tokenized.tokens.length : undefined;
};

const vllmCount: Counter = async (post, target, request) => {
  const { messages, tools } = request.chat;
  const answer = await post('/tokenize', { model: target.upstreamModel, messages, ...(tools ? { tools } : {}), add_generation_prompt: true }, { fromRoot: true });
  return countIn(answer?.count);
};

const countIn = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

const ANTHROPIC_COUNTERS: readonly Counter[] = [anthropicCount];
const OPENAI_STYLE_COUNTERS: readonly Counter[] = [anthropicCount, llamaTemplateCount, vllmCount];

/** Per provider: the counter that answered, or null when none did. */
const learned = new WeakMap<ResolvedProvider, Counter | null>();

/** The server's own count, or undefined when it has none (or could not give it now). */
export async function upstreamTokenCount(ctx: CallContext, target: ModelTarget, request: CountRequest): Promise<number | undefined> {
  const known = learned.get(target.provider);
  if (known === null) return undefined;
  const counters = known ? [known] : passesThrough(target) || !isPrivateHostname(target.provider.hostname) ? ANTHROPIC_COUNTERS : OPENAI_STYLE_COUNTERS;
  const deadline = new CallDeadline(target.ref, target.provider.timeouts, ctx.signal);
  const post: Post = async (path, payload, opts = {}) => {
    const res = await sendJson({ provider: target.provider, pools: ctx.pools, path, payload: JSON.stringify(payload), deadline, label: target.ref, ...opts });
    try {
      return JSON.parse(await readBody(res, deadline, target.ref));
    } catch (err) {
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  };
  try {
    // Only a missing route (404, 405) says a server lacks a way to count; a body it refused
    // (400, 422) says nothing of the next request's, so it is not remembered.
    let refusedBody = false;
    for (const counter of counters) {
      const tokens = await counter(post, target, request).catch((err: unknown) => {
        if (isRefusedBody(err)) refusedBody = true;
        return absentRoute(err);
      });
      if (tokens === undefined) continue;
      learned.set(target.provider, counter);
      return tokens;
    }
    // A way that worked before and no longer does is forgotten: the next count looks again.
    if (known) learned.delete(target.provider);
    else if (!refusedBody) learned.set(target.provider, null);
    return undefined;
  } catch (err) {
    ctx.log.warn({ model: target.ref, err: (err as Error).message }, 'the model server could not count tokens; answered with an estimate');
    return undefined;
  } finally {
    deadline.dispose();
  }
}

/** Statuses that say the server has no such route, or wants another body there: try the next way. */
const ABSENT = new Set([400, 404, 405, 422]);

const isRefusedBody = (err: unknown) => err instanceof RelayError && err.failureKind === 'http_4xx' && (err.status === 400 || err.status === 422);

function absentRoute(err: unknown): undefined {
  if (err instanceof RelayError && err.failureKind === 'http_4xx' && ABSENT.has(err.status)) return undefined;
  throw err;
}
