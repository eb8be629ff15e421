/**
 * Inbound auth: with `server.apiKeys` set, every /v1/* request (and /metrics when asked) needs
 * `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are compared as SHA-256 digests
 * with timingSafeEqual, against every key, so timing says nothing about how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RelayError } from './errors.js';
import type { ApiKeyConfig } from './config/schema.js';

export interface InboundKey {
  /** Name used for rate limits and logs (never the key itself). */
  name: string;
  rpm?: number;
  tpm?: number;
  digest: Buffer;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const prepared = new WeakMap<readonly ApiKeyConfig[], InboundKey[]>();

export function inboundKeys(config: readonly ApiKeyConfig[]): InboundKey[] {
  let keys = prepared.get(config);
  if (!keys) {
    keys = config.map((k, i) =>
      typeof k === 'string' ? { name: `key${i + 1}`, digest: digest(k) } : { name: k.name ?? `key${i + 1}`, rpm: k.rpm, tpm: k.tpm, digest: digest(k.key) },
    );
    prepared.set(config, keys);
  }
  return keys;
}

/** The matching key, compared against all of them in constant time. */
export function findKey(given: string, keys: readonly InboundKey[]): InboundKey | undefined {
  const candidate = digest(given);
  let found: InboundKey | undefined;
  for (const k of keys) if (timingSafeEqual(candidate, k.digest) && !found) found = k;
  return found;
}

export function keyMatches(given: string, keys: readonly string[]): boolean {
  return findKey(given, inboundKeys(keys)) !== undefined;
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const x = request.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

export type AuthOutcome = { denied: RelayError } | { key?: InboundKey };

export function checkInboundAuth(app: FastifyInstance, request: FastifyRequest): AuthOutcome {
  const server = app.relay.state.config.server;
  if (!server.apiKeys?.length) return {};
  const path = request.url;
  const guarded = path.startsWith('/v1/') || (server.metricsRequireAuth && path.startsWith('/metrics'));
  if (!guarded) return {};
  const given = presentedKey(request);
  const key = given ? findKey(given, inboundKeys(server.apiKeys)) : undefined;
  if (key) return { key };
  return {
    denied: new RelayError(given ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key> or x-api-key.', {
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    }),
  };
}
