/**
 * Every request body is read as JSON, whatever its content-type (curl -d sends form-encoded by
 * default): answered with a 400 that says what is wrong and where, never Fastify's generic text.
 * Keys that would reach an object's prototype (`__proto__`, `constructor.prototype`) are refused
 * by secure-json-parse, which only walks the parsed body when its text could hold them.
 */
import sjson from 'secure-json-parse';
import { RelayError } from '../../core/errors.js';
import { formatPath } from '../config/path.js';

const FORBIDDEN = { protoAction: 'error', constructorAction: 'error' } as const;

export function parseJsonBody(text: string, contentType: string | undefined): unknown {
  if (text.trim() === '') throw new RelayError('request body is empty; send a JSON object', { code: 'invalid_json' });
  try {
    return sjson.parse(text, undefined, FORBIDDEN);
  } catch (err) {
    const message = (err as Error).message;
    if (/forbidden (prototype|constructor)/.test(message)) {
      const param = forbiddenKeyPath(JSON.parse(text)) ?? null;
      throw new RelayError(`request body has a forbidden key${param ? ` at ${param}` : ''}: __proto__ and constructor.prototype are refused`, {
        code: 'invalid_json',
        param,
      });
    }
    const sent = contentType && !/json/i.test(contentType) ? ` (it was sent as ${contentType.split(';')[0]}; lmrelay reads every body as JSON)` : '';
    throw new RelayError(`request body is not valid JSON${sent}: ${message}`, { code: 'invalid_json' });
  }
}

/** Where the first forbidden key sits, for the message (runs only on a refused body). */
function forbiddenKeyPath(value: unknown, path: Array<string | number> = []): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKeyPath(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return formatPath([...path, key]);
    if (key === 'constructor' && child && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return formatPath([...path, key, 'prototype']);
    const found = forbiddenKeyPath(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
