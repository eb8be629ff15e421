/** The openai-completions transport and probe, on llama.cpp's recorded answers. */
import t from 'tap';
import { Frame } from '../../../core/frame.js';
import { openaiCompletions } from '../../../dialects/openai-completions/index.js';
import { fixtureFrames, fixtureJson } from '../fixtures.js';

const { transport, probe } = openaiCompletions;
const target = { upstreamModel: 'tiny', reasoning: false };

t.test('path and auth', async (t) => {
  t.equal(transport.path(target, false), '/chat/completions');
  t.equal(transport.path(target, true), '/chat/completions');
  t.same(transport.headers('sk-1'), { authorization: 'Bearer sk-1' });
  t.same(transport.headers(undefined), {}, 'no key, no header');
});

t.test('a stream that ended without [DONE] finished if a choice said why it stopped', async (t) => {
  const frames = fixtureFrames('openai-completions/llama-stream.sse');
  t.equal(transport.streamFinished(frames.slice(-2)), true, 'the last chunk has finish_reason');
  t.equal(transport.streamFinished(frames.slice(1, 3)), false, 'cut in the middle');
  t.equal(transport.streamFinished([new Frame('not json')]), false, 'a frame of another shape');
});

t.test('what a valid answer is', async (t) => {
  t.equal(transport.invalidAnswer(fixtureJson('openai-completions/llama-completion.json')), undefined);
  t.match(transport.invalidAnswer(fixtureJson('openai-responses/llama-response.json')), /not a chat\.completion/);
});

t.test("llama.cpp's model list: its n_ctx, and the file's name as an alias", async (t) => {
  t.same(probe.parseModels(fixtureJson('openai-completions/llama-models.json')), [
    { id: '/work/shared/llama/tiny.gguf', contextWindow: 2048, aliases: ['tiny.gguf', 'tiny'] },
  ]);
  t.same(probe.parseModels({ data: [{ id: 'Qwen/Qwen3-8B', max_model_len: 32768 }, { nope: 1 }] }), [{ id: 'Qwen/Qwen3-8B', contextWindow: 32768, aliases: undefined }], "vLLM's max_model_len; entries without an id skipped");
  t.same(probe.parseModels('<html>'), [], 'anything else: no models');
  t.equal(probe.discoverByDefault, true);
});

t.test("doctor's one-token call", async (t) => {
  t.same(probe.probeBody('m', false), { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say OK.' }] }], max_tokens: 1, stream: false });
  t.same(probe.probeBody('m', true).messages[0].content, 'Say OK.');
  t.equal(probe.alternative, 'openai-responses');
});
