/** Builds lmrelay through buildApp on 127.0.0.1 with a config object, capturing its log lines. */
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LookupFunction } from 'node:net';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { buildApp } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { Cooldowns } from '../../src/upstream/cooldown.js';
import { checkedFetch, checkCompactionBody, checkResponsesBody } from './open-responses.js';

export interface RelayUnderTest {
  app: FastifyInstance;
  url: string;
  logs: any[];
  logText: () => string;
  client: OpenAI;
  close(): Promise<void>;
}

export interface RelayOptions {
  env?: NodeJS.ProcessEnv;
  cooldowns?: Cooldowns;
  lookup?: LookupFunction;
  /** Adds test-only routes to the app before it listens. */
  extend?: (app: FastifyInstance) => void;
}

export async function startRelay(config: unknown, options: RelayOptions = {}): Promise<RelayUnderTest> {
  const logs: any[] = [];
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        lines.push(line);
        logs.push(JSON.parse(line));
      }
      cb();
    },
  });
  const loaded = validateConfig(withTestCompactionKey(config), 'test', options.env ?? process.env);
  const app = await buildApp(loaded, { logger: createLogger({ level: 'debug', destination }), cooldowns: options.cooldowns, lookup: options.lookup });
  options.extend?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    logs,
    logText: () => lines.join('\n'),
    // Its /v1/responses answers are checked against the Open Responses schemas.
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 20_000, fetch: checkedFetch }),
    close: () => app.close(),
  };
}

/** Test relays keep a compaction key they make in a temporary folder, never in the home folder. */
const TEST_KEY_FILE = join(mkdtempSync(join(tmpdir(), 'lmrelay-test-key-')), 'compaction.key');

function withTestCompactionKey(config: unknown): unknown {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return config;
  const state = (config as { state?: unknown }).state;
  if (state !== undefined && (typeof state !== 'object' || state === null || 'compaction' in state)) return config;
  return { ...config, state: { ...(state as object | undefined), compaction: { keyFile: TEST_KEY_FILE } } };
}

/** A one-provider config around a mock's base URL. */
export function providerConfig(id: string, baseUrl: string, extra: Record<string, unknown> = {}, agents: Record<string, unknown> = {}) {
  return {
    models: { providers: { [id]: { baseUrl, apiKey: `${id}-secret-key`, models: [], ...extra } } },
    agents: { defaults: agents },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status === 200 && /\/v1\/responses$/.test(new URL(url).pathname)) checkResponsesBody(res.headers.get('content-type'), text);
  if (res.status === 200 && /\/v1\/responses\/compact$/.test(new URL(url).pathname)) checkCompactionBody(text);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A DNS stand-in: names map to addresses, or to an error code such as ENOTFOUND. */
export function staticLookup(table: Record<string, string>): LookupFunction {
  return ((hostname: string, options: any, callback: any) => {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options?.all;
    const value = table[hostname];
    if (!value || /^E[A-Z_]+$/.test(value)) {
      const err = Object.assign(new Error(`getaddrinfo ${value ?? 'ENOTFOUND'} ${hostname}`), { code: value ?? 'ENOTFOUND', hostname });
      return process.nextTick(cb, err);
    }
    const family = value.includes(':') ? 6 : 4;
    if (all) process.nextTick(cb, null, [{ address: value, family }]);
    else process.nextTick(cb, null, value, family);
  }) as LookupFunction;
}
