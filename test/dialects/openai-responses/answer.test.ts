/** Response object -> chat.completion (dialects/openai-responses/answer.ts), on recorded answers. */
import t from 'tap';
import { responseToChatCompletion } from '../../../dialects/openai-responses/answer.js';
import { fixtureJson } from '../fixtures.js';

t.test("llama.cpp's /v1/responses answer", async (t) => {
  const response = fixtureJson('openai-responses/llama-response.json');
  const out = responseToChatCompletion(response, 'tiny');
  t.equal(out.object, 'chat.completion');
  t.equal(out.model, response.model);
  t.equal(out.created, response.created_at);
  t.equal(out.choices[0].message.content, response.output[0].content[0].text);
  t.equal(out.choices[0].finish_reason, 'stop');
  t.equal(out.id, `chatcmpl-${response.id.slice('resp_'.length)}`);
  t.same(out.usage, { prompt_tokens: 30, completion_tokens: 16, total_tokens: 46, prompt_tokens_details: { cached_tokens: 29 }, completion_tokens_details: { reasoning_tokens: 0 } });
});

t.test('a function call (mock)', async (t) => {
  const out = responseToChatCompletion(fixtureJson('openai-responses/mock-tool-response.json'), 'tool');
  t.same(out.choices[0].message, { role: 'assistant', content: null, tool_calls: [{ id: 'call_mock1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] });
  t.equal(out.choices[0].finish_reason, 'tool_calls');
});

t.test('incomplete answers say why they stopped', async (t) => {
  const stopped = (reason: string) => responseToChatCompletion({ status: 'incomplete', incomplete_details: { reason }, output: [] }, 'm').choices[0].finish_reason;
  t.equal(stopped('max_output_tokens'), 'length');
  t.equal(stopped('content_filter'), 'content_filter');
});
