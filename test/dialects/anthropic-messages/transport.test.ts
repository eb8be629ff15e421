/** The anthropic-messages transport and probe, on recorded answers. */
import t from 'tap';
import { anthropicMessages } from '../../../dialects/anthropic-messages/index.js';
import { fixtureFrames, fixtureJson } from '../fixtures.js';

const { transport, probe } = anthropicMessages;
const target = { upstreamModel: 'claude-x', reasoning: false };

t.test('path, x-api-key and anthropic-version', async (t) => {
  t.equal(transport.path(target, true), '/messages');
  t.same(transport.headers('sk-ant-1'), { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-1' });
  t.same(transport.headers(undefined), { 'anthropic-version': '2023-06-01' }, 'the version even without a key');
});

t.test('a stream ended properly once message_delta or message_stop came', async (t) => {
  const frames = fixtureFrames('anthropic-messages/llama-stream.sse');
  t.equal(transport.streamFinished(frames.slice(-2)), true);
  t.equal(transport.streamFinished(frames.slice(-3, -2)), false, 'the last text block, without the end');
});

t.test('what a valid answer is', async (t) => {
  t.equal(transport.invalidAnswer(fixtureJson('anthropic-messages/llama-message.json')), undefined);
  t.match(transport.invalidAnswer(fixtureJson('openai-completions/llama-completion.json')), /not an Anthropic message/);
});

t.test('models are listed in the config unless discover is set; the list parses', async (t) => {
  t.equal(probe.discoverByDefault, false);
  t.same(probe.parseModels(fixtureJson('anthropic-messages/llama-models.json')).map((m) => m.id), ['/work/shared/llama/tiny.gguf']);
  t.same(probe.probeBody('m', false), { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say OK.' }] }], max_tokens: 1 });
  t.equal(probe.alternative, undefined);
});
