/**
 * Thousands of generated requests against a running lmrelay: only documented statuses come
 * back (never a 500), every error is OpenAI-shaped, the server stays up and RSS stays bounded.
 * Bounded in count (fast-check numRuns) and time (interruptAfterTimeLimit).
 */
import t from 'tap';
import fc from 'fast-check';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';

const ALLOWED = new Set([200, 400, 401, 404, 413, 415, 502, 504]);
let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('vllm');
  relay = await startRelay({
    server: { bodyLimitBytes: 256 * 1024 },
    models: { providers: { v: { baseUrl: mock.baseUrl, timeoutSeconds: 5, models: [] }, s: { baseUrl: mock.baseUrl, models: [{ id: 'm', compat: { requiresStringContent: true, supportsTools: false }, contextWindow: 40000 }] } } },
    agents: { defaults: { model: { primary: 'v/m' } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

/** Mostly valid values, sometimes anything at all: requests reach the upstream and the validators. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 40 }, { arbitrary: fc.anything(), weight: 1 });
const role = fc.oneof({ arbitrary: fc.constantFrom('system', 'user', 'user', 'user', 'assistant', 'developer'), weight: 30 }, { arbitrary: fc.constantFrom('tool', 'bogus'), weight: 1 });
const part = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('text'), text: fc.string() }), weight: 6 },
  { arbitrary: fc.record({ type: fc.constantFrom('image_url', 'input_audio', 'weird'), image_url: fc.record({ url: fc.webUrl() }) }), weight: 1 },
);
const message = fc.record(
  { role, content: mostly(fc.oneof({ arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }), weight: 5 }, { arbitrary: fc.array(part, { minLength: 1, maxLength: 4 }), weight: 2 })), name: fc.string() },
  { requiredKeys: ['role', 'content'] },
);
const model = fc.constantFrom('v/m', 's/m', 'v/echo', 'v/tool', 'v/think', 'v/bracket', 'v/status-400', 'v/status-500', 'v/garbage', 'v/truncated', 'nope/x', 'default', 'v/');
const chatBody = fc.record(
  {
    model: mostly(model),
    messages: mostly(fc.array(message, { minLength: 1, maxLength: 6 })),
    stream: mostly(fc.boolean()),
    max_tokens: mostly(fc.integer({ min: 1, max: 5000 })),
    temperature: mostly(fc.double({ min: 0, max: 2, noNaN: true })),
    tools: mostly(fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('weather', 'x', 'browser') }) }), { maxLength: 3 })),
    tool_choice: mostly(fc.constantFrom('auto', 'none', 'required')),
    stream_options: mostly(fc.record({ include_usage: fc.boolean() })),
    extra_field: fc.anything(),
  },
  { requiredKeys: ['messages'] },
);
const responsesBody = fc.record(
  {
    model: mostly(model),
    input: mostly(
      fc.oneof(
        fc.string(),
        fc.array(
          fc.oneof(
            fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: fc.oneof(fc.string(), fc.array(fc.record({ type: fc.constantFrom('input_text', 'output_text', 'input_image', 'x'), text: fc.string() }), { maxLength: 3 })) }),
            fc.record({ type: fc.constantFrom('function_call', 'function_call_output', 'reasoning', 'message', 'x'), call_id: fc.string(), name: fc.string(), arguments: fc.string(), output: fc.string() }),
          ),
          { minLength: 1, maxLength: 5 },
        ),
      ),
    ),
    instructions: mostly(fc.string()),
    stream: fc.boolean(),
    max_output_tokens: mostly(fc.integer({ min: 1, max: 5000 })),
    tools: mostly(fc.array(fc.record({ type: fc.constantFrom('function', 'web_search'), name: fc.string({ minLength: 1 }) }), { maxLength: 2 })),
    text: mostly(fc.record({ format: fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema'), name: fc.string(), schema: fc.object() }) })),
    previous_response_id: fc.option(fc.string(), { freq: 10 }),
  },
  { requiredKeys: ['input'] },
);
const rawBody = fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 300 }));

async function send(path: string, payload: string) {
  const res = await fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

const seen = new Map<number, number>();
function checkAnswer(answer: { status: number; text: string; type: string }) {
  seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
  if (!ALLOWED.has(answer.status)) throw new Error(`status ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (answer.status === 200) return;
  const json = JSON.parse(answer.text);
  if (typeof json?.error?.message !== 'string' || !('code' in json.error) || !('param' in json.error)) throw new Error(`not an OpenAI error: ${answer.text.slice(0, 300)}`);
}

t.test('generated requests get documented answers only', async (t) => {
  const rssStart = process.memoryUsage().rss;
  const settings = { numRuns: 700, interruptAfterTimeLimit: 60_000, seed: 20261125 };
  await fc.assert(fc.asyncProperty(chatBody, async (b) => checkAnswer(await send('/v1/chat/completions', JSON.stringify(b) ?? 'null'))), settings);
  await fc.assert(fc.asyncProperty(responsesBody, async (b) => checkAnswer(await send('/v1/responses', JSON.stringify(b) ?? 'null'))), settings);
  await fc.assert(fc.asyncProperty(rawBody, fc.constantFrom('/v1/chat/completions', '/v1/responses'), async (b, path) => checkAnswer(await send(path, b))), settings);
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
  t.ok((seen.get(200) ?? 0) > 50 && (seen.get(400) ?? 0) > 50, 'the generators reach both answers and rejections');
  t.equal((await fetch(`${relay.url}/healthz`)).status, 200, 'still up');
  const grown = (process.memoryUsage().rss - rssStart) / 1048576;
  t.ok(grown < 300, `RSS grew ${grown.toFixed(0)} MB over ~2,100 requests`);
  t.notOk(relay.logs.some((l) => l.msg === 'unexpected error'), 'no unexpected error was logged');
});
