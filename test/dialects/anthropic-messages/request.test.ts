/** Chat request -> Anthropic Messages request (dialects/anthropic-messages/request.ts, response-format.ts). */
import t from 'tap';
import { chatToAnthropic } from '../../../dialects/anthropic-messages/request.js';
import { answerToolFor } from '../../../dialects/anthropic-messages/response-format.js';
import { RelayError } from '../../../core/errors.js';
import { fixtureJson } from '../fixtures.js';

const target = { upstreamModel: 'claude-x', reasoning: false };

t.test('an agent turn: system apart, alternating turns, tool use and results, images', async (t) => {
  const out = chatToAnthropic(fixtureJson('chat-request.json'), target);
  t.equal(out.model, 'claude-x');
  t.equal(out.system, 'Be brief.\n\nUse tools.\nMetric units.', 'system and developer turns, text parts on lines of their own');
  t.same(out.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } }] },
    // The tool result and the next user turn are one user turn: Anthropic wants turns to alternate.
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18 C' }, { type: 'text', text: 'And tomorrow?' }] },
  ]);
  t.same(out.tools, [{ name: 'weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]);
  t.same(out.tool_choice, { type: 'auto' });
  t.equal(out.max_tokens, 100);
  t.equal(out.temperature, 1, "Anthropic's temperature stops at 1");
  t.same(out.stop_sequences, ['END']);
  t.equal(out.stream, true);
  t.notOk('top_k' in out, 'unknown fields do not reach Anthropic');
});

t.test('max_tokens: the request, else the model, else the default', async (t) => {
  const bare = { messages: [{ role: 'user', content: 'hi' }] };
  t.equal(chatToAnthropic(bare, target).max_tokens, 4096);
  t.equal(chatToAnthropic(bare, { ...target, maxTokens: 20 }).max_tokens, 20);
  t.equal(chatToAnthropic({ ...bare, max_completion_tokens: 7 }, { ...target, maxTokens: 20 }).max_tokens, 7);
});

t.test('reasoning_effort becomes a thinking budget on a reasoning model, without temperature', async (t) => {
  const body = { messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'medium', temperature: 0.5, max_tokens: 8000 };
  const out = chatToAnthropic(body, { ...target, reasoning: true });
  t.same(out.thinking, { type: 'enabled', budget_tokens: 4096 });
  t.notOk('temperature' in out);
  t.notOk('thinking' in chatToAnthropic(body, target), 'not on a model without reasoning');
});

t.test('response_format: a forced answer tool, or a refusal the chain may pass on', async (t) => {
  const body = { messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } } } } } };
  const answerTool = answerToolFor(body);
  const out = chatToAnthropic(body, { ...target, answerTool });
  t.same(out.tools.map((tool: any) => tool.name), ['city']);
  t.same(out.tool_choice, { type: 'tool', name: 'city' });
  const refused = (() => {
    try {
      answerToolFor({ ...body, response_format: { type: 'json_schema', json_schema: { schema: { type: 'array' } } } });
    } catch (err) {
      return err;
    }
  })();
  t.ok(refused instanceof RelayError);
  t.match(refused, { code: 'unsupported_response_format', preflight: true, retryable: true });
});

t.test('a content part Anthropic cannot take is refused with its path', async (t) => {
  t.throws(() => chatToAnthropic({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, target), { code: 'unsupported_content', param: 'messages[0].content[0].type' });
});
