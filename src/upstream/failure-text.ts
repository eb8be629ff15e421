/**
 * The words of an upstream failure: which model, which request (method and full URL), what the
 * server answered, and, for a 404 on the API path, the likely baseUrl fix. The classification
 * (status, code, fallback) stays classify.ts's; this only says it so a user sees the culprit.
 */
import type { ResolvedProvider } from '../catalog.js';
import type { RelayError } from '../../core/errors.js';

/** `POST http://127.0.0.1:8080/v1/chat/completions` */
export function requestLine(provider: ResolvedProvider, path: string, method = 'POST'): string {
  return `${method} ${provider.origin}${provider.basePath}${path}`;
}

/** `llamacpp/tiny: POST http://…/api/chat/completions answered 404 File Not Found — is baseUrl missing /v1? …` */
export function httpFailureText(label: string, provider: ResolvedProvider, path: string, status: number, upstreamMessage: string): string {
  const hint = baseUrlHint(provider, path, status, upstreamMessage);
  // error-body.ts words a body with no message as "upstream answered HTTP 404 with an empty body".
  const said = upstreamMessage.replace(/^upstream answered HTTP \d+ /, '');
  return `${label}: ${requestLine(provider, path)} answered ${status} ${said}${hint ? ` — ${hint}` : ''}`;
}

/** Puts the request into a failure said before any answer came (`label: POST url: connection refused`). */
export function nameRequest(err: RelayError, label: string, provider: ResolvedProvider, path: string): RelayError {
  if (err.failureKind !== 'client_abort' && err.message.startsWith(`${label}: `)) {
    // The error object is this call's own (made by the classifier or this call's deadline).
    err.message = `${label}: ${requestLine(provider, path)}: ${err.message.slice(label.length + 2)}`;
  }
  return err;
}

const API_PATHS = /\/(chat\/completions|completions|responses|messages|models)$/;

/** What a 404 (or 405) on the API path most likely means about baseUrl. */
export function baseUrlHint(provider: ResolvedProvider, path: string, status: number, upstreamMessage: string): string | undefined {
  if (status !== 404 && status !== 405) return undefined;
  const base = provider.basePath;
  const extra = API_PATHS.exec(base);
  if (extra) return `baseUrl should stop before ${extra[0]}: try ${provider.origin}${base.slice(0, -extra[0].length) || '/v1'}`;
  // A server that says which model it lacks found the API path: no baseUrl advice (Ollama's has no /v1).
  if (/model/i.test(upstreamMessage)) return undefined;
  if (!/\/v1$/.test(base)) return `is baseUrl missing /v1? (most servers: ${provider.origin}${base.replace(/\/api$/, '')}/v1)`;
  return `does the server speak ${provider.api} at ${provider.origin}${base}${path}? (check baseUrl and api)`;
}
