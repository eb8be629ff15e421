/**
 * One error class for everything lmrelay answers with. `code` is stable and low-cardinality
 * (like undici's UND_ERR_* codes); `failureKind` is set when the error came from an upstream
 * call and drives fallback and metrics.
 */
export type FailureKind =
  | 'connect_refused'
  | 'connect_timeout'
  | 'dns'
  | 'first_token_timeout'
  | 'idle_timeout'
  | 'total_timeout'
  | 'reset'
  | 'http_3xx'
  | 'http_4xx'
  | 'http_429'
  | 'http_5xx'
  | 'bad_response'
  | 'client_abort'
  | 'policy';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'timeout_error'
  | 'server_error';

export interface RelayErrorInit {
  status: number;
  code: string;
  type?: ErrorType;
  param?: string | null;
  failureKind?: FailureKind;
  /** Whether the next model of a fallback chain should be tried. */
  retryable?: boolean;
  /** Seconds an upstream asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** Refused before anything was sent (context preflight): try the next model, count no failure. */
  preflight?: boolean;
  cause?: unknown;
}

export class RelayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly failureKind?: FailureKind;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  readonly preflight: boolean;

  constructor(message: string, init: RelayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RelayError';
    this.status = init.status;
    this.code = init.code;
    this.type = init.type ?? defaultType(init.status);
    this.param = init.param ?? null;
    this.failureKind = init.failureKind;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.preflight = init.preflight ?? false;
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function defaultType(status: number): ErrorType {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status === 502 || status === 503) return 'upstream_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * A fault in lmrelay's own code (an exception that is no RelayError): the client gets a generic
 * 500 with its request id, the details go to the log. No upstream is blamed for it.
 */
export const internalError = (requestId: string, cause?: unknown) =>
  new RelayError(`internal error in lmrelay (request ${requestId}; see its log)`, { status: 500, code: 'internal_error', type: 'server_error', cause });

export const invalidRequest = (message: string, param: string | null = null, code = 'invalid_request') =>
  new RelayError(message, { status: 400, code, param });
