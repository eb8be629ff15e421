/** Sends one JSON request to a provider under a CallDeadline and reads what comes back. */
import type { ResolvedProvider } from '../catalog.js';
import type { UpstreamPools } from './pools.js';
import type { CallDeadline } from './deadline.js';
import { classifyError, classifyRedirect, classifyStatus } from './classify.js';
import { upstreamErrorMessage } from './error-body.js';
import { RelayError, type ErrorCode } from '../../core/errors.js';
import { startExchange, type ExchangeHead } from './exchange.js';
import { httpFailureText, nameRequest } from './failure-text.js';

/** Error bodies are read up to this size; the rest is dropped (an HTML page can be huge). */
export const ERROR_BODY_LIMIT = 64 * 1024;
/** A JSON (non-streamed) answer larger than this is refused rather than buffered. */
export const JSON_BODY_LIMIT = 32 * 1024 * 1024;

export type UpstreamResponse = ExchangeHead;

export interface SendOptions {
  provider: ResolvedProvider;
  pools: UpstreamPools;
  path: string;
  payload: string;
  deadline: CallDeadline;
  label: string;
  /** Stream responses wait for their first chunk under the first-token timeout. */
  stream?: boolean;
  /** This call's headers in place of the provider's set (a client's header that must pass on). */
  headers?: Record<string, string>;
  /** `path` is from the server's root, not under baseUrl's path (llama.cpp's and vLLM's /tokenize). */
  fromRoot?: boolean;
  /** The dialect's reading of an HTTP error (DialectTransport.errorCode). */
  errorCode?: (status: number, message: string) => ErrorCode | undefined;
}

export async function sendJson(opts: SendOptions): Promise<UpstreamResponse> {
  const { provider, deadline, label } = opts;
  if (provider.refusal) {
    throw new RelayError(`${label}: refused by lmrelay: ${provider.refusal}`, { code: 'upstream_blocked', failureKind: 'policy', retryable: true });
  }
  let res: ExchangeHead;
  if (opts.stream) deadline.armFirstToken();
  try {
    res = await exchangeHead(opts);
  } catch (first) {
    const failure = classifyError(first, label, deadline.reason);
    // A connection reset before any answer is most often a kept-alive socket the server had just
    // closed (llama.cpp closes idle ones after 5 s): once, on a fresh try, before it counts.
    if (failure.failureKind !== 'reset' || deadline.reason !== undefined) throw nameRequest(failure, label, namedProvider(opts), opts.path);
    try {
      res = await exchangeHead(opts);
    } catch (err) {
      throw nameRequest(classifyError(err, label, deadline.reason), label, namedProvider(opts), opts.path);
    }
  }
  if (res.status >= 300) {
    const text = await res.body.text(ERROR_BODY_LIMIT, true).catch((err) => {
      throw classifyError(err, label, deadline.reason);
    });
    if (res.status < 400) throw classifyRedirect(res.status, res.headers.location, label);
    const message = upstreamErrorMessage(text, res.status);
    const failure = classifyStatus(res.status, message, label, retryAfter(res.headers['retry-after']), opts.errorCode?.(res.status, message));
    failure.message = httpFailureText(label, namedProvider(opts), opts.path, res.status, message);
    throw failure;
  }
  return res;
}

function exchangeHead(opts: SendOptions): Promise<ExchangeHead> {
  const { provider, deadline } = opts;
  const exchange = startExchange(opts.pools.forProvider(provider), {
    method: 'POST',
    path: opts.fromRoot ? opts.path : provider.basePath + opts.path,
    headers: opts.headers ?? (opts.stream ? provider.callHeaders.stream : provider.callHeaders.json),
    body: opts.payload,
  });
  deadline.watch(exchange);
  return exchange.head;
}

/** Reads a whole (non-streamed) body, touching the idle clock per chunk when it is watched. */
export async function readBody(res: UpstreamResponse, deadline: CallDeadline, label: string): Promise<string> {
  try {
    if (deadline.watchesIdle) {
      // The head was activity too: the idle clock runs from now, whatever already arrived.
      deadline.touch();
      res.body.onChunk = () => deadline.touch();
    }
    return await res.body.text(JSON_BODY_LIMIT);
  } catch (err) {
    throw classifyError(err, label, deadline.reason);
  }
}

/** The provider as a failure names its URL: a path from the root has no baseUrl path before it. */
function namedProvider(opts: SendOptions): ResolvedProvider {
  return opts.fromRoot ? { ...opts.provider, basePath: '' } : opts.provider;
}

function retryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}
