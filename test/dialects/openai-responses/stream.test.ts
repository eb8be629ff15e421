/** Responses stream events -> chat.completion.chunks (dialects/openai-responses/stream.ts), on recorded streams. */
import t from 'tap';
import { Frame } from '../../../core/frame.js';
import { responsesEventsToChatChunks } from '../../../dialects/openai-responses/stream.js';
import { fixtureFrames, fixtureJson, run, assemble } from '../fixtures.js';

t.test("llama.cpp's /v1/responses stream: the same text as its plain answer", async (t) => {
  const chunks = await run(fixtureFrames('openai-responses/llama-stream.sse'), responsesEventsToChatChunks('tiny'));
  const got = assemble(chunks);
  t.equal(got.content, fixtureJson('openai-responses/llama-response.json').output[0].content[0].text);
  t.equal(got.finish, 'stop');
  t.equal(got.ids.size, 1, 'one id for the whole stream');
  t.equal(chunks[0].choices[0].delta.role, 'assistant', 'the first chunk names the role');
  t.same(chunks.at(-1).choices, [], 'usage comes last, in a chunk of its own');
  t.match(got.usage, { prompt_tokens: 30, completion_tokens: 16, total_tokens: 46, prompt_tokens_details: { cached_tokens: 29 } });
});

t.test('a function call streamed as its arguments (mock)', async (t) => {
  const got = assemble(await run(fixtureFrames('openai-responses/mock-tool-stream.sse'), responsesEventsToChatChunks('tool')));
  t.same(got.calls, [{ id: 'call_mock1', name: 'weather', arguments: '{"city":"Paris"}' }]);
  t.equal(got.finish, 'tool_calls');
  t.equal(got.content, '');
});

t.test('reasoning text becomes reasoning_content (mock)', async (t) => {
  const got = assemble(await run(fixtureFrames('openai-responses/mock-reasoning-stream.sse'), responsesEventsToChatChunks('reasoning')));
  t.equal(got.reasoning, 'Let me think.');
  t.equal(got.content, 'Hello from openai reasoning');
});

t.test('response.failed fails the stream as an upstream failure', async (t) => {
  const failed = Frame.of({ type: 'response.failed', response: { status: 'failed', error: { message: 'model crashed' } } }, 'response.failed');
  await t.rejects(run([failed], responsesEventsToChatChunks('m')), { code: 'upstream_error', failureKind: 'bad_response', message: /model crashed/ });
});
