/**
 * Inbound auth: with `server.apiKeys` set, every /v1/* request (and /metrics when asked) needs
 * `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are compared as SHA-256 digests
 * with timingSafeEqual, against every key, so timing says nothing about how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RelayError } from './errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();
const digestCache = new WeakMap<readonly string[], Buffer[]>();

export function keyMatches(given: string, keys: readonly string[]): boolean {
  let digests = digestCache.get(keys);
  if (!digests) digestCache.set(keys, (digests = keys.map(digest)));
  const candidate = digest(given);
  let match = false;
  for (const d of digests) match = timingSafeEqual(candidate, d) || match;
  return match;
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const x = request.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

/** The 401 to answer, or undefined when the request may pass. */
export function checkInboundAuth(app: FastifyInstance, request: FastifyRequest): RelayError | undefined {
  const server = app.relay.state.config.server;
  const keys = server.apiKeys;
  if (!keys?.length) return undefined;
  const path = request.url;
  const guarded = path.startsWith('/v1/') || (server.metricsRequireAuth && path.startsWith('/metrics'));
  if (!guarded) return undefined;
  const given = presentedKey(request);
  if (given && keyMatches(given, keys)) return undefined;
  return new RelayError(given ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key> or x-api-key.', {
    status: 401,
    code: 'invalid_api_key',
    type: 'invalid_request_error',
  });
}
