/**
 * Inbound keys: with `server.apiKeys` set, a guarded route needs `Authorization: Bearer <key>` or
 * `x-api-key: <key>`. Keys are compared as SHA-256 digests with timingSafeEqual, against every
 * key, so timing says nothing about how close a guess was. Which routes are guarded is decided by
 * the plugin scope they are registered in (src/guard-scope.ts), never by the URL's spelling.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RelayError } from '../core/errors.js';
import type { ApiKeyConfig, Budget } from './config/schema.js';

export interface InboundKey {
  /** Name used for rate limits and logs (never the key itself). */
  name: string;
  rpm?: number;
  tpm?: number;
  /** Spending cap of this key's answers from priced models. */
  budget?: Budget;
  digest: Buffer;
  /**
   * Who owns the state this key makes (stored responses): derived from the key itself, so it
   * survives renaming or reordering keys in the config, and a new key starts afresh. Not secret.
   */
  owner: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const ownerOf = (keyDigest: Buffer) => createHash('sha256').update('lmrelay-state-owner:').update(keyDigest).digest('hex').slice(0, 32);
const prepared = new WeakMap<readonly ApiKeyConfig[], InboundKey[]>();

export function inboundKeys(config: readonly ApiKeyConfig[]): InboundKey[] {
  let keys = prepared.get(config);
  if (!keys) {
    keys = config.map((k, i) => {
      const d = digest(typeof k === 'string' ? k : k.key);
      return typeof k === 'string' ? { name: `key${i + 1}`, digest: d, owner: ownerOf(d) } : { name: k.name ?? `key${i + 1}`, rpm: k.rpm, tpm: k.tpm, budget: k.budget, digest: d, owner: ownerOf(d) };
    });
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

/** `basic`: also the password of HTTP Basic credentials (a browser's login prompt; the user name is not read). */
export function presentedKey(request: FastifyRequest, basic = false): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  if (basic && typeof auth === 'string' && /^basic\s+/i.test(auth)) return basicPassword(auth);
  const x = request.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

function basicPassword(header: string): string | undefined {
  const decoded = Buffer.from(header.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

export type AuthOutcome = { denied: RelayError } | { key?: InboundKey };

/** The request's key when keys are configured; no key needed when none are. */
export function authenticate(apiKeys: readonly ApiKeyConfig[] | undefined, request: FastifyRequest, basic = false): AuthOutcome {
  if (!apiKeys?.length) return {};
  const given = presentedKey(request, basic);
  const key = given ? findKey(given, inboundKeys(apiKeys)) : undefined;
  if (key) return { key };
  return {
    denied: new RelayError(given ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key> or x-api-key.', {
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    }),
  };
}
