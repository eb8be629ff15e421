/** Chat ids lmrelay makes (the upstream gave none) are unique, also for calls in the same millisecond. */
import t from 'tap';
import { Frame } from '../../core/frame.js';
import { responsesEventsToChatChunks } from '../../dialects/openai-responses/stream.js';
import { responseToChatCompletion } from '../../dialects/openai-responses/answer.js';
import { anthropicToChatCompletion } from '../../dialects/anthropic-messages/answer.js';
import { anthropicEventsToChatChunks } from '../../dialects/anthropic-messages/stream.js';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay } from '../helpers/relay.js';

const firstId = (transform: ReturnType<typeof responsesEventsToChatChunks>, event: unknown): string => {
  const out = transform.transform(Frame.of(event));
  const frames = Array.isArray(out) ? out : [out];
  return (frames[0] as Frame).json.id;
};

t.test('a thousand streams started at once get a thousand ids', async (t) => {
  const responses = new Set<string>();
  const anthropic = new Set<string>();
  const whole = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    responses.add(firstId(responsesEventsToChatChunks('m'), { type: 'response.output_text.delta', delta: 'hi' }));
    anthropic.add(firstId(anthropicEventsToChatChunks('m'), { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }));
    whole.add(responseToChatCompletion({ output: [] }, 'm').id);
    whole.add(anthropicToChatCompletion({ content: [] }).id);
  }
  t.equal(responses.size, 1000, 'Responses stream -> chat chunks');
  t.equal(anthropic.size, 1000, 'Anthropic stream -> chat chunks');
  t.equal(whole.size, 2000, 'whole answers without an upstream id');
  t.match([...responses][0], /^chatcmpl-[0-9a-f]{24}$/);
});

t.test('concurrent streams through a Responses upstream never share an id', async (t) => {
  const mock: MockUpstream = await startMock('lmstudio', ['--only', 'responses']);
  const relay = await startRelay({ models: { providers: { r: { baseUrl: mock.baseUrl, api: 'openai-responses', models: [] } } } });
  t.teardown(async () => {
    await relay.close();
    await mock.close();
  });
  const idsOf = async () => {
    const stream = await relay.client.chat.completions.create({ model: 'r/m', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const ids = new Set<string>();
    for await (const chunk of stream) ids.add(chunk.id);
    return ids;
  };
  const all = await Promise.all(Array.from({ length: 20 }, idsOf));
  t.ok(all.every((ids) => ids.size === 1), 'one id per stream');
  t.equal(new Set(all.map((ids) => [...ids][0])).size, 20, 'twenty streams, twenty ids');
});
