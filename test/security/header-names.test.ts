/**
 * Model names that cannot go into an HTTP header as they are (non-Latin-1, control characters,
 * CR LF, `%`, very long) are answered like any other, streamed or not, on both routes:
 * `x-lmrelay-model` carries them percent-encoded, never a hang, a 500 or an injected header.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('vllm');
  relay = await startRelay({ models: { providers: { open: { baseUrl: mock.baseUrl, models: [] } } } });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

const NAMES: Array<[what: string, model: string, header: string]> = [
  ['CJK', 'open/ok-模型', 'open/ok-%E6%A8%A1%E5%9E%8B'],
  ['Latin-1 (Node would send it as a raw byte)', 'open/café', 'open/caf%C3%A9'],
  ['tab and space', 'open/a\tb c', 'open/a%09b%20c'],
  ['control character', 'open/a\u0001b', 'open/a%01b'],
  ['CR LF and a header after it', 'open/a\r\nx-injected: 1', 'open/a%0D%0Ax-injected:%201'],
  ['percent sign', 'open/100%25', 'open/100%2525'],
  ['emoji', 'open/\u{1F600}', 'open/%F0%9F%98%80'],
  ['lone surrogate', 'open/a\uD800', 'open/a%EF%BF%BD'],
  ['256 characters, non-ASCII', `open/${'模'.repeat(251)}`, `open/${'%E6%A8%A1'.repeat(251)}`],
];

const ROUTES = [
  { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }] }, streamEnd: 'data: [DONE]' },
  { path: '/v1/responses', body: { input: 'hi' }, streamEnd: 'event: response.completed' },
];

for (const route of ROUTES) {
  for (const stream of [false, true]) {
    t.test(`${route.path}, ${stream ? 'streamed' : 'plain'}`, async (t) => {
      for (const [what, model, header] of NAMES) {
        const res = await fetch(`${relay.url}${route.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, stream, ...route.body }),
          signal: AbortSignal.timeout(5000), // a hang fails here, not at the upstream timeout
        });
        const text = await res.text();
        t.equal(res.status, 200, `${what}: answered`);
        t.equal(res.headers.get('x-lmrelay-model'), header, `${what}: header percent-encoded`);
        if (!model.includes('\uD800')) t.equal(decodeURIComponent(res.headers.get('x-lmrelay-model')!), model, `${what}: decodes to the name`);
        t.equal(res.headers.get('x-injected'), null, `${what}: no header injected`);
        if (stream) t.ok(text.trimEnd().split('\n\n').at(-1)!.startsWith(route.streamEnd), `${what}: the stream ended properly`);
        else t.match(JSON.parse(text), { object: route.path.endsWith('responses') ? 'response' : 'chat.completion' }, `${what}: the answer`);
      }
    });
  }
}

t.test('the SDK streams such a model and sees its name', async (t) => {
  const { data, response } = await relay.client.chat.completions.create({ model: 'open/ok-模型', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
  t.equal(text, 'Hello from vllm ok-模型');
  t.equal(decodeURIComponent(response.headers.get('x-lmrelay-model')!), 'open/ok-模型');
  const line = relay.logs.findLast((l) => l.msg === 'request completed');
  t.match(line, { model: 'open/ok-模型', status: 200, stream: true }, 'the access line has the name as sent');
});
