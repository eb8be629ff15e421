/**
 * No spelling of a path reaches a guarded handler without a key: percent-encoding, case,
 * doubled and trailing slashes, dot segments, double encoding, semicolons, absolute-form
 * targets, very long and non-ASCII paths. Every route the app has is guarded except the open
 * probes, so a route added later is covered by this test without being named in it.
 */
import t from 'tap';
import WebSocket from 'ws';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';
import { rawRequest } from '../helpers/raw-http.js';

const KEY = 'lmr-encoded-path-key-42';
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/']);
let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('openai');
  relay = await startRelay({
    server: { apiKeys: [KEY, { key: `${KEY}-limited`, name: 'limited', rpm: 2 }], metricsRequireAuth: true },
    models: { providers: { vllm: { baseUrl: mock.baseUrl, apiKey: 'vllm-local', models: [] } } },
    agents: { defaults: { model: { primary: 'vllm/m' } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

/** Whether a WebSocket upgrade of `url` with `key` succeeds. */
function opensWebSocket(url: string, key: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers: { authorization: `Bearer ${key}` } });
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('error', () => resolve(false));
  });
}

/** A body every POST route takes: the fields of each surface together. */
const ANY_ROUTE_BODY = JSON.stringify({ model: 'vllm/m', input: 'hi', messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', query: 'hi', documents: ['hi'], max_tokens: 5 });

function raw(method: string, path: string, headers: Record<string, string> = {}) {
  const body = method === 'POST' ? ANY_ROUTE_BODY : undefined;
  return rawRequest(relay.url, method, path, headers, body);
}

const encodeChar = (c: string, upper: boolean) => {
  const hex = c.charCodeAt(0).toString(16);
  return `%${upper ? hex.toUpperCase() : hex}`;
};

/** Other spellings of one canonical path. */
function spellings(path: string): string[] {
  const out = new Set<string>();
  const chars = [...path];
  for (let i = 0; i < chars.length; i++) {
    for (const upper of [false, true]) out.add(chars.map((c, j) => (j === i ? encodeChar(c, upper) : c)).join(''));
  }
  out.add(chars.map((c) => (c === '/' ? c : encodeChar(c, true))).join('')); // every letter encoded
  out.add(path.replaceAll('/', '%2F'));
  out.add(path.replaceAll('/', '%2f'));
  out.add(`/${path}`);
  out.add(path.replace(/\/(?=[^/]*$)/, '//'));
  out.add(path.replaceAll('/', '//'));
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(path.toUpperCase());
  out.add(path[0] + path[1].toUpperCase() + path.slice(2));
  out.add(`/v1/..${path}`);
  out.add(`/x/..${path}`);
  out.add(`/.${path}`);
  out.add(path.replace(/\/(?=[^/]*$)/, '/./'));
  out.add(`/%2e%2e${path}`);
  out.add(`/v1/%2e%2e${path}`);
  out.add(path.replace(/^\/(.)/, (_m, c: string) => `/%25${c.charCodeAt(0).toString(16)}`)); // double encoding
  out.add(`${path};x=1`);
  out.add(`${path}%3Bx=1`);
  out.add(`${path}%00`);
  out.add(`${path}%20`);
  out.add(`${path}?x=1`);
  out.add(`${path}#frag`);
  out.add(`${path}\\`);
  out.add(path.replaceAll('/', '\\'));
  out.add(`${path}/é`);
  out.add(`${path}/${encodeURIComponent('模型')}`);
  out.add(`${path}/${'a'.repeat(8000)}`);
  out.add(`http://127.0.0.1${path}`);
  out.add(`http://evil.example${path}`);
  out.delete(path);
  return [...out];
}

async function guardedRoutes(): Promise<Array<{ method: string; path: string }>> {
  const listing = relay.app.printRoutes({ commonPrefix: false });
  const routes: Array<{ method: string; path: string }> = [];
  // A route under another is printed one level in, with its path from its parent's end (under
  // `/`, without its leading slash). Wildcard children (`*`) are left out.
  const parents: string[] = [];
  for (const m of listing.matchAll(/^([│ ]*)[├└]── ([^\s(]+) \(([^)]+)\)/gm)) {
    const depth = m[1].length / 4;
    const path = (parents[depth - 1] ?? '') + m[2];
    parents[depth] = path;
    if (OPEN_ROUTES.has(path) || path.includes('*')) continue;
    for (const method of m[3].split(',').map((s) => s.trim())) if (method === 'GET' || method === 'POST') routes.push({ method, path });
  }
  return routes;
}

t.test('every route but the probes is guarded, whatever the spelling', async (t) => {
  const routes = await guardedRoutes();
  const paths = routes.map((r) => r.path);
  for (const expected of ['/v1/models', '/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/messages/count_tokens', '/metrics']) t.ok(paths.includes(expected), `${expected} is a route`);
  const upstreamBefore = (await mock.requests()).length;
  let tried = 0;
  for (const { method, path } of routes) {
    const canonical = await raw(method, path);
    t.equal(canonical.status, 401, `${method} ${path} without a key`);
    // In the route's own API: Anthropic's for Anthropic's Messages routes, OpenAI's elsewhere.
    const refusal = path.startsWith('/v1/messages') ? { type: 'error', error: { type: 'authentication_error' } } : { error: { code: 'invalid_api_key' } };
    t.match(JSON.parse(canonical.body), refusal);
    for (const spelled of spellings(path)) {
      const res = await raw(method, spelled);
      tried++;
      // 401: it matched the guarded route and was checked. 404/400/414/431: it matched nothing.
      if (res.status < 400 || res.status >= 500) t.fail(`${method} ${spelled.slice(0, 80)} answered ${res.status} without a key`);
      if (res.status !== 401) t.match(res.json, { error: { code: String } }, `${spelled.slice(0, 60)}: an OpenAI-shaped ${res.status}`);
    }
  }
  t.ok(tried > 150, `${tried} spellings tried`);
  t.equal((await mock.requests()).length, upstreamBefore, 'nothing reached the upstream without a key');
  // A route with an id in its path is reached with the id of something that exists.
  const stored = await raw('POST', '/v1/responses', { authorization: `Bearer ${KEY}` });
  const withIds = (path: string) => path.replace(':id', stored.json.id);
  for (const { method, path } of routes) {
    // Cancelling is for background responses, which lmrelay does not run: the route's own refusal.
    if (method === 'GET' && path === '/v1/responses') {
      t.ok(await opensWebSocket(relay.url + path, KEY), 'GET /v1/responses with the key opens a WebSocket');
      continue;
    }
    // fetch stops at the head: a live feed (the status page's /ui/events) never ends by itself.
    const body = method === 'POST' ? ANY_ROUTE_BODY : undefined;
    const ok = await fetch(relay.url + withIds(path), { method, body, redirect: 'manual', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });
    if (path.endsWith('/cancel')) {
      t.match({ status: ok.status, json: await ok.json() }, { status: 400, json: { error: { message: /background=true/ } } }, `${method} ${path} with the key`);
      continue;
    }
    await ok.body?.cancel();
    // 302: /ui sends the browser on to /ui/.
    t.ok(ok.status === 200 || (ok.status === 302 && path === '/ui'), `${method} ${path} with the key: ${ok.status}`);
  }
});

t.test('the spellings that reach a route with a key are exactly the ones refused without it', async (t) => {
  const path = '/v1/models';
  for (const spelled of spellings(path)) {
    const withKey = await raw('GET', spelled, { authorization: `Bearer ${KEY}` });
    if (withKey.status !== 200) continue;
    const without = await raw('GET', spelled);
    t.equal(without.status, 401, `GET ${spelled.slice(0, 80)} serves with a key, so it is refused without`);
  }
});

t.test('per-key limits count every spelling that reaches the route', async (t) => {
  const auth = { authorization: `Bearer ${KEY}-limited` };
  const served: string[] = [];
  for (const spelled of ['/v1/models', '/v%31/models', '/%76%31/models', '/v1/models?x=1', '/v1/%6Dodels']) {
    const res = await raw('GET', spelled, auth);
    if (res.status === 200) served.push(spelled);
    else t.equal(res.status, 429, `${spelled}: over the key's 2 requests a minute`);
  }
  t.equal(served.length, 2, `two served: ${served.join(', ')}`);
});
