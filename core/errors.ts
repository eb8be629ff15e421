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

/**
 * Every code lmrelay answers with, and the HTTP status and OpenAI error type it gets, in one
 * table (as undici and Fastify keep theirs). An error may carry another status only where the
 * status is the upstream's own (`upstream_rejected` passes the upstream's 4xx on).
 */
export const ERROR_CODES = {
  // The client's request
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request_body: { status: 400, type: 'invalid_request_error' },
  invalid_type: { status: 400, type: 'invalid_request_error' },
  invalid_value: { status: 400, type: 'invalid_request_error' },
  unsupported_content: { status: 400, type: 'invalid_request_error' },
  unsupported_input: { status: 400, type: 'invalid_request_error' },
  unsupported_tool: { status: 400, type: 'invalid_request_error' },
  unsupported_parameter: { status: 400, type: 'invalid_request_error' },
  unsupported_response_format: { status: 400, type: 'invalid_request_error' },
  invalid_encrypted_content: { status: 400, type: 'invalid_request_error' },
  model_ambiguous: { status: 400, type: 'invalid_request_error' },
  context_window_too_small: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  /** A stored response or item that is unknown, expired, deleted or another key's (OpenAI: 404). */
  not_found: { status: 404, type: 'invalid_request_error' },
  /** OpenAI answers an unknown previous_response_id with 400, this code and param `previous_response_id`. */
  previous_response_not_found: { status: 400, type: 'invalid_request_error' },
  unknown_url: { status: 404, type: 'not_found_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  /** Every model of the chain is past a spending budget (the key's or its provider's). */
  budget_exceeded: { status: 429, type: 'rate_limit_error' },
  // WebSocket mode of the Responses API (the status goes in the error envelope)
  websocket_connection_limit_reached: { status: 400, type: 'invalid_request_error' },
  websocket_busy: { status: 429, type: 'rate_limit_error' },
  upgrade_required: { status: 426, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  client_closed_request: { status: 499, type: 'invalid_request_error' },
  // lmrelay itself
  internal_error: { status: 500, type: 'server_error' },
  compaction_key_unavailable: { status: 500, type: 'server_error' },
  // The upstream
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  upstream_unavailable: { status: 502, type: 'upstream_error' },
  upstream_blocked: { status: 502, type: 'upstream_error' },
  upstream_redirect: { status: 502, type: 'upstream_error' },
  bad_upstream_response: { status: 502, type: 'upstream_error' },
  upstream_timeout: { status: 504, type: 'timeout_error' },
} as const satisfies Record<string, { status: number; type: ErrorType }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RelayErrorInit {
  code: ErrorCode;
  /** Only where the status is an upstream's own; otherwise the table's. */
  status?: number;
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
  readonly code: ErrorCode;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly failureKind?: FailureKind;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  readonly preflight: boolean;

  constructor(message: string, init: RelayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RelayError';
    const entry = ERROR_CODES[init.code];
    this.status = init.status ?? entry.status;
    this.code = init.code;
    this.type = init.type ?? (this.status === entry.status ? entry.type : typeOfStatus(this.status));
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

/** The type of a status lmrelay passes on from an upstream. */
function typeOfStatus(status: number): ErrorType {
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
  new RelayError(`internal error in lmrelay (request ${requestId}; see its log)`, { code: 'internal_error', cause });

/** An upstream stream that reported a failure in one of its events (after it started). */
export const upstreamStreamFailure = (message: string) =>
  new RelayError(`upstream stream error: ${message}`, { code: 'upstream_error', failureKind: 'bad_response', retryable: true });
