/** The openai-responses transport and probe, on llama.cpp's recorded answers. */
import t from 'tap';
import { openaiResponses } from '../../../dialects/openai-responses/index.js';
import { fixtureFrames, fixtureJson } from '../fixtures.js';

const { transport, probe } = openaiResponses;
const target = { upstreamModel: 'tiny', reasoning: false };

t.test('path and auth', async (t) => {
  t.equal(transport.path(target, true), '/responses');
  t.same(transport.headers('sk-1'), { authorization: 'Bearer sk-1' });
});

t.test('a stream ended properly once a terminal event came', async (t) => {
  const frames = fixtureFrames('openai-responses/llama-stream.sse');
  t.equal(transport.streamFinished(frames.slice(-2)), true, 'response.completed');
  t.equal(transport.streamFinished(frames.slice(2, 4)), false, 'cut in the middle');
});

t.test('what a valid answer is', async (t) => {
  t.equal(transport.invalidAnswer(fixtureJson('openai-responses/llama-response.json')), undefined);
  t.match(transport.invalidAnswer(fixtureJson('openai-completions/llama-completion.json')), /not a Response object/);
});

t.test("doctor's one-token call, and the API it tries instead", async (t) => {
  t.same(probe.probeBody('m', false), { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say OK.' }] }], max_output_tokens: 16 });
  t.equal(probe.probeBody('m', true).input[0].content, 'Say OK.');
  t.equal(probe.alternative, 'openai-completions');
});
