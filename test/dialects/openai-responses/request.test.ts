/** Chat request -> Responses request (dialects/openai-responses/request.ts). */
import t from 'tap';
import { chatRequestToResponses } from '../../../dialects/openai-responses/request.js';
import { fixtureJson } from '../fixtures.js';

t.test('an agent turn: instructions, input items, function calls and their output', async (t) => {
  const out = chatRequestToResponses(fixtureJson('chat-request.json'));
  t.equal(out.model, 'm');
  t.equal(out.instructions, 'Be brief.\n\nUse tools.Metric units.', 'leading system and developer turns');
  t.same(out.input, [
    {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Weather in Paris?' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
      ],
    },
    { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_1', output: '18 C' },
    { type: 'message', role: 'user', content: 'And tomorrow?' },
  ]);
  t.same(out.tools, [{ type: 'function', name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }]);
  t.equal(out.tool_choice, 'auto');
  t.equal(out.max_output_tokens, 100, 'max_tokens renamed');
  t.equal(out.temperature, 1.5);
  t.equal(out.stream, true);
  t.equal(out.top_k, 40, 'extra fields reach the upstream');
  t.notOk('messages' in out || 'max_tokens' in out, 'no Chat-only field');
});

t.test('response_format, reasoning_effort and a forced function', async (t) => {
  const out = chatRequestToResponses({
    messages: [{ role: 'user', content: 'hi' }],
    response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object' } } },
    reasoning_effort: 'low',
    tool_choice: { type: 'function', function: { name: 'weather' } },
  });
  t.same(out.text, { format: { type: 'json_schema', name: 'city', schema: { type: 'object' } } });
  t.same(out.reasoning, { effort: 'low' });
  t.same(out.tool_choice, { type: 'function', name: 'weather' });
});
