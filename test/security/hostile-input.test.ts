/** Bad requests get a 4xx OpenAI error and nothing else; upstream garbage gets a clear 502. */
import t from 'tap';
import { request as httpRequest } from 'node:http';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let relay: RelayUnderTest;
t.before(async () => {
  mock = await startMock('llamacpp');
  relay = await startRelay({
    server: { bodyLimitBytes: 64 * 1024 },
    models: { providers: { l: { baseUrl: mock.baseUrl, models: [] } } },
    agents: { defaults: { model: { primary: 'l/m' } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const url = () => `${relay.url}/v1/chat/completions`;
const isOpenAIError = (json: any) =>
  json && typeof json.error?.message === 'string' && typeof json.error?.type === 'string' && 'param' in json.error && 'code' in json.error;

t.test('each bad request: a 4xx OpenAI error', async (t) => {
  const cases: Array<[string, unknown, number, string?]> = [
    ['not JSON', 'hello there', 400],
    ['JSON array', '[1,2]', 400],
    ['empty body', '', 400],
    ['messages not array', { messages: 'hi' }, 400, 'messages'],
    ['no messages', { model: 'l/m' }, 400, 'messages'],
    ['empty messages', { messages: [] }, 400, 'messages'],
    ['unknown role', { messages: [{ role: 'god', content: 'x' }] }, 400, 'messages[0].role'],
    ['missing content', { messages: [{ role: 'user' }] }, 400, 'messages[0].content'],
    ['content a number', { messages: [{ role: 'user', content: 5 }] }, 400, 'messages[0].content'],
    ['stream a string', { stream: 'yes', messages: [{ role: 'user', content: 'x' }] }, 400, 'stream'],
    ['model a number', { model: 7, messages: [{ role: 'user', content: 'x' }] }, 400, 'model'],
    ['proto key', '{"__proto__":{"admin":true},"messages":[{"role":"user","content":"x"}]}', 400],
    ['constructor key', '{"constructor":{"prototype":{"x":1}},"messages":[{"role":"user","content":"x"}]}', 400],
    ['NUL in content', { messages: [{ role: 'user', content: 'a\u0000b' }] }, 400, 'messages[0].content'],
    ['raw NUL byte', '{"messages":[{"role":"user","content":"a\u0000b"}]}', 400],
    ['giant string', { messages: [{ role: 'user', content: 'x'.repeat(200_000) }] }, 413],
    ['10,000 messages', { messages: Array.from({ length: 10_000 }, () => ({ role: 'user', content: 'x' })) }, 413],
    ['unknown model', { model: 'zz/top', messages: [{ role: 'user', content: 'x' }] }, 404, 'model'],
  ];
  for (const [name, body, status, param] of cases) {
    const res = await postJson(url(), body);
    t.equal(res.status, status, name);
    t.ok(isOpenAIError(res.json), `${name}: OpenAI error shape`);
    if (param) t.equal(res.json.error.param, param, `${name}: param`);
    t.notMatch(res.text, /at [\w.<>]+ \(|node_modules|\.ts:\d+/, `${name}: no stack trace`);
  }
  const big = await startRelay({ models: { providers: { l: { baseUrl: mock.baseUrl, models: [] } } } });
  const many = await postJson(`${big.url}/v1/chat/completions`, { model: 'l/m', messages: Array.from({ length: 10_000 }, () => ({ role: 'user', content: 'x' })) });
  t.equal(many.status, 400, '10,000 messages under the default body limit');
  t.equal(many.json.error.param, 'messages');
  await big.close();
});

t.test('a lying content-length or a cut body is a 4xx, not a hang', async (t) => {
  const port = new URL(relay.url).port;
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'content-length': '10' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end('{"messages":[]}'); // longer than declared
  });
  t.ok(status >= 400 && status < 500, `answered ${status}`);
});

t.test('upstream garbage: 502 with a clear message, memory bounded', async (t) => {
  const html = await postJson(url(), { model: 'l/garbage', messages: [{ role: 'user', content: 'x' }] });
  t.equal(html.status, 502);
  t.match(html.json.error.message, /l\/garbage: invalid JSON in response \(an HTML page\)/);
  const html500 = await postJson(url(), { model: 'l/status-502', messages: [{ role: 'user', content: 'x' }] });
  t.equal(html500.status, 502);
  const rssBefore = process.memoryUsage().rss;
  const huge = await postJson(url(), { model: 'l/huge-line', stream: true, messages: [{ role: 'user', content: 'x' }] });
  t.equal(huge.status, 502, 'a 10 MB SSE line is refused before the stream commits');
  t.match(huge.json.error.message, /SSE event exceeded/);
  t.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'RSS did not grow by the line');
  const cut = await postJson(url(), { model: 'l/truncated', stream: true, messages: [{ role: 'user', content: 'x' }] });
  t.match(cut.text, /stream ended before it finished/);
});
