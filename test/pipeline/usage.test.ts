/**
 * Token usage is counted once per answer, whatever the surface (chat, responses), the upstream's
 * API and plain or streamed; the usage chunk lmrelay asked a Chat upstream for reaches the client
 * only when it asked for it too.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  mock = await startMock('openai');
  relay = await startRelay({
    models: {
      providers: {
        chat: { baseUrl: mock.baseUrl, models: [{ id: 'm' }] },
        resp: { baseUrl: mock.baseUrl, api: 'openai-responses', models: [{ id: 'm' }] },
        claude: { baseUrl: mock.baseUrl, api: 'anthropic-messages', apiKey: 'sk-ant-test-0123456789', models: [{ id: 'm' }] },
      },
    },
  });
});
t.teardown(async () => {
  await relay.close();
  await mock.close();
});

/** lmrelay_tokens_total of one provider and direction, from /metrics. */
async function tokens(provider: string, direction: 'input' | 'output'): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('lmrelay_tokens_total{') && line.includes(`provider="${provider}"`) && line.includes(`direction="${direction}"`)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Input tokens each mock API reports per answer (Anthropic's cache reads and writes count as input). */
const INPUT = { chat: 7, resp: 9, claude: 11 + 4 + 2 };
const messages = [{ role: 'user' as const, content: 'hi' }];

for (const provider of ['chat', 'resp', 'claude'] as const) {
  t.test(`${provider}: counted once per answer on every surface, plain and streamed`, async (t) => {
    const model = `${provider}/m`;
    const ask: Record<string, () => Promise<unknown>> = {
      'chat, plain': () => relay.client.chat.completions.create({ model, messages }),
      'chat, streamed': async () => {
        for await (const _ of await relay.client.chat.completions.create({ model, messages, stream: true }));
      },
      'responses, plain': () => relay.client.responses.create({ model, input: 'hi' }),
      'responses, streamed': async () => {
        for await (const _ of await relay.client.responses.create({ model, input: 'hi', stream: true }));
      },
    };
    for (const [what, request] of Object.entries(ask)) {
      const before = await tokens(provider, 'input');
      const outBefore = await tokens(provider, 'output');
      await request();
      t.equal((await tokens(provider, 'input')) - before, INPUT[provider], `${what}: input tokens once`);
      t.ok((await tokens(provider, 'output')) > outBefore, `${what}: output tokens too`);
    }
  });
}

t.test('the usage chunk goes to a Chat client only when it asked for it', async (t) => {
  for (const provider of ['chat', 'resp', 'claude'] as const) {
    const chunks = async (include_usage?: boolean) => {
      const out = [];
      const options = include_usage === undefined ? {} : { stream_options: { include_usage } };
      for await (const c of await relay.client.chat.completions.create({ model: `${provider}/m`, messages, stream: true, ...options })) out.push(c);
      return out;
    };
    const before = await tokens(provider, 'input');
    const silent = await chunks();
    t.notOk(silent.some((c) => c.usage), `${provider}: no usage when not asked`);
    t.ok(silent.some((c) => c.choices[0]?.finish_reason), `${provider}: the finish chunk still comes`);
    t.notOk(silent.some((c) => c.choices.length === 0), `${provider}: no empty chunk left behind`);
    t.equal((await tokens(provider, 'input')) - before, INPUT[provider], `${provider}: counted all the same`);
    const asked = await chunks(true);
    t.match(asked.at(-1), { choices: [], usage: { prompt_tokens: INPUT[provider] } }, `${provider}: the usage chunk, last, when asked`);
  }
});
