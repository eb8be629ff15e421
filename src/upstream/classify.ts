/**
 * Turns whatever an upstream call threw, or an HTTP error status, into a RelayError with a
 * failureKind and the fallback decision. The rule (documented in the README): fall back on
 * connection failures, timeouts, 3xx, 408, 409, 429 and 5xx; pass every other 4xx to the client.
 */
import { RelayError, type ErrorCode, type FailureKind } from '../../core/errors.js';

const CODE_KINDS: Record<string, FailureKind> = {
  ECONNREFUSED: 'connect_refused',
  EHOSTUNREACH: 'connect_refused',
  ENETUNREACH: 'connect_refused',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ETIMEDOUT: 'connect_timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_HEADERS_TIMEOUT: 'first_token_timeout',
  UND_ERR_BODY_TIMEOUT: 'idle_timeout',
};

const KIND_TEXT: Partial<Record<FailureKind, string>> = {
  connect_refused: 'connection refused',
  connect_timeout: 'connect timeout',
  dns: 'DNS lookup failed',
  reset: 'connection reset',
};

export function classifyError(err: unknown, label: string, abortReason?: RelayError): RelayError {
  if (abortReason) return abortReason;
  if (err instanceof RelayError) return err;
  const code = findCode(err);
  if (code === 'ELMRELAY_POLICY') {
    // The network policy refused the address: answered at once, the chain may move on.
    return new RelayError(`${label}: ${(err as Error).message}`, { code: 'upstream_blocked', failureKind: 'policy', retryable: true, cause: err });
  }
  const kind = code ? CODE_KINDS[code] : undefined;
  if (kind) {
    const timeout = kind.endsWith('timeout');
    return new RelayError(`${label}: ${KIND_TEXT[kind] ?? kind.replace('_', ' ')}${code ? ` (${code})` : ''}`, {
      code: timeout ? 'upstream_timeout' : 'upstream_unavailable',
      failureKind: kind,
      retryable: true,
      cause: err,
    });
  }
  return new RelayError(`${label}: ${(err as Error)?.message ?? String(err)}`, {
    code: 'upstream_error',
    failureKind: 'bad_response',
    retryable: true,
    cause: err,
  });
}

/** @param code the dialect's reading of the error (Ollama's `model_not_found`), in place of the status's. */
export function classifyStatus(status: number, message: string, label: string, retryAfterSeconds?: number, code?: ErrorCode): RelayError {
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  const kind: FailureKind = status === 429 ? 'http_429' : status >= 500 ? 'http_5xx' : 'http_4xx';
  return new RelayError(retryable ? `${label}: HTTP ${status}: ${message}` : message, {
    code: code ?? (status === 429 ? 'rate_limit_exceeded' : retryable ? 'upstream_error' : 'upstream_rejected'),
    // A 5xx from upstream is a bad gateway from the client's point of view (the table's 502); a 4xx is passed on.
    status: status >= 500 ? undefined : status,
    failureKind: kind,
    retryable,
    retryAfterSeconds,
  });
}

/**
 * A 3xx: lmrelay never follows redirects (the dialled address is what the network policy
 * checked), so the provider cannot answer here. Usually a baseUrl that needs fixing, not a
 * passing fault: no cooldown, but the chain falls back, as it does for a refused connection.
 */
export function classifyRedirect(status: number, location: string | string[] | undefined, label: string): RelayError {
  const where = Array.isArray(location) ? location[0] : location;
  // Credentials in a redirect URL are none of the client's business.
  const shown = where ? `redirect to ${JSON.stringify(where.replace(/\/\/[^/@]*@/, '//').slice(0, 200))}` : 'redirect without a Location';
  return new RelayError(`${label}: upstream answered HTTP ${status} (${shown}); lmrelay does not follow redirects: set the provider's baseUrl to the final address`, {
    code: 'upstream_redirect',
    failureKind: 'http_3xx',
    retryable: true,
  });
}

export function badResponse(label: string, what: string): RelayError {
  return new RelayError(`${label}: ${what}`, { code: 'bad_upstream_response', failureKind: 'bad_response', retryable: true });
}

function findCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') return e.code;
    e = (e.cause ?? e.errors?.[0]) as typeof e;
  }
  return undefined;
}
