/** Ollama's NDJSON lines -> chat.completion.chunks (dialects/ollama/stream.ts). */
import t from 'tap';
import { Frame } from '../../../core/frame.js';
import { ollamaChunksToChatChunks } from '../../../dialects/ollama/stream.js';
import { assemble, fixtureLines, run } from '../fixtures.js';

t.test('thinking and answer apart, one id, role first, usage last', async (t) => {
  const chunks = await run(fixtureLines('ollama/thinking-stream.ndjson'), ollamaChunksToChatChunks('qwen3'));
  const got = assemble(chunks);
  t.equal(got.reasoning, 'Let me think.');
  t.equal(got.content, 'Hello there');
  t.equal(got.finish, 'stop');
  t.equal(got.ids.size, 1);
  t.same(chunks[0].choices[0].delta, { role: 'assistant', reasoning_content: 'Let me ' });
  t.equal(chunks.filter((c) => c.choices[0]?.delta?.role).length, 1, 'the role is said once');
  t.same(chunks.at(-1).choices, []);
  t.same(got.usage, { prompt_tokens: 26, completion_tokens: 4, total_tokens: 30, prompt_tokens_details: { cached_tokens: 0 } });
  t.equal(chunks[0].created, Date.parse('2025-09-01T10:00:01Z') / 1000);
});

t.test('tool calls: object arguments as JSON text, numbered across lines, ids made where missing', async (t) => {
  const got = assemble(await run(fixtureLines('ollama/tool-stream.ndjson'), ollamaChunksToChatChunks('llama3.2')));
  t.equal(got.calls.length, 2);
  t.match(got.calls[0], { name: 'get_weather', arguments: '{"city":"Paris","days":2}', id: /^call_[0-9a-f]{24}$/ });
  t.same(got.calls[1], { id: 'call_x', name: 'get_time', arguments: '{}' });
  t.equal(got.finish, 'tool_calls', 'done_reason "stop" with calls made is tool_calls');
  t.equal(got.content, '');
});

t.test('done_reason "length" is finish_reason "length"; a stream of only the done line still names the role', async (t) => {
  const done = new Frame('{"model":"m","created_at":"2025-09-01T10:00:02Z","message":{"role":"assistant","content":""},"done_reason":"length","done":true}');
  const chunks = await run([done], ollamaChunksToChatChunks('m'));
  t.equal(chunks[0].choices[0].delta.role, 'assistant');
  t.equal(assemble(chunks).finish, 'length');
  t.equal(chunks.at(-1).usage, null, 'no counts, no usage');
});

t.test('empty pieces make no chunks', async (t) => {
  const empty = new Frame('{"model":"m","message":{"role":"assistant","content":""},"done":false}');
  t.same(await run([empty], ollamaChunksToChatChunks('m')), []);
});
