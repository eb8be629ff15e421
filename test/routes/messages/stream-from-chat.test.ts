/** Chat chunks -> Anthropic events, on recorded chunk sequences: the shapes servers really send. */
import t from 'tap';
import { Frame, applyTransforms } from '../../../core/frame.js';
import { RelayError } from '../../../core/errors.js';
import { chatStreamToAnthropicEvents } from '../../../routes/messages/stream-from-chat.js';
import { chatToAnthropicMessage } from '../../../routes/messages/answer-from-chat.js';
import { blocksOf, sequenceProblems, type StreamEvent } from '../../helpers/anthropic.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-abc',
  object: 'chat.completion.chunk',
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});
const usageChunk = { id: 'chatcmpl-abc', object: 'chat.completion.chunk', model: 'm', choices: [], usage: { prompt_tokens: 30, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 20 } } };

async function convert(chunks: object[]): Promise<StreamEvent[]> {
  async function* source() {
    for (const c of chunks) yield [new Frame(JSON.stringify(c))];
  }
  const events: StreamEvent[] = [];
  for await (const batch of applyTransforms(source(), [chatStreamToAnthropicEvents('asked')])) {
    for (const f of batch) events.push({ event: f.event, data: JSON.parse(f.data) });
  }
  return events;
}

t.test('text: one block, usage and stop_reason in message_delta', async (t) => {
  const events = await convert([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop'), usageChunk]);
  t.same(sequenceProblems(events), []);
  t.match(events[0].data.message, { id: 'msg_abc', model: 'm', role: 'assistant', content: [] });
  t.match(blocksOf(events), [{ type: 'text', text: 'Hello' }]);
  t.same(events.at(-2)!.data, {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { input_tokens: 10, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 20 },
  });
});

t.test('reasoning, then text, then two tool calls: four blocks, each closed before the next opens', async (t) => {
  const events = await convert([
    chunk({ reasoning_content: 'think' }),
    chunk({ reasoning: ' more' }),
    chunk({ content: 'Calling.' }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"a.txt"}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'read', arguments: '{"path":"b.txt"}' } }] }),
    chunk({}, 'tool_calls'),
  ]);
  t.same(sequenceProblems(events), []);
  t.match(blocksOf(events), [
    { type: 'thinking', thinking: 'think more', signature: '' },
    { type: 'text', text: 'Calling.' },
    { type: 'tool_use', id: 'call_a', name: 'read', input: {}, json: '{"path":"a.txt"}' },
    { type: 'tool_use', id: 'call_b', name: 'read', input: {}, json: '{"path":"b.txt"}' },
  ]);
  t.equal(events.at(-2)!.data.delta.stop_reason, 'tool_use');
});

t.test("a tool's name after its first arguments: the block opens once the name is known, nothing lost", async (t) => {
  const events = await convert([
    chunk({ tool_calls: [{ index: 0, id: 'call_x', function: { arguments: '{"q"' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { name: 'search', arguments: ':1}' } }] }),
    chunk({}, 'stop'),
  ]);
  t.same(sequenceProblems(events), []);
  t.match(blocksOf(events), [{ type: 'tool_use', id: 'call_x', name: 'search', json: '{"q":1}' }]);
  t.equal(events.at(-2)!.data.delta.stop_reason, 'tool_use', 'a turn with tool calls stops for them, whatever finish_reason said');
});

t.test('a stream that ends without finish_reason or usage still ends whole', async (t) => {
  const events = await convert([chunk({ content: 'cut' })]);
  t.same(sequenceProblems(events), []);
  t.same(events.map((e) => e.event), ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  t.match(events.at(-2)!.data, { delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 0, output_tokens: 0 } });
  const length = await convert([chunk({ content: 'long' }), chunk({}, 'length')]);
  t.equal(length.at(-2)!.data.delta.stop_reason, 'max_tokens');
});

t.test('an empty answer: message_start, message_delta, message_stop and no block', async (t) => {
  const events = await convert([chunk({ role: 'assistant', content: '' }), chunk({}, 'stop')]);
  t.same(sequenceProblems(events), []);
  t.same(events.map((e) => e.event), ['message_start', 'ping', 'message_delta', 'message_stop']);
});

t.test("arguments of a call after the next block began: the stream fails rather than lose them", async (t) => {
  const failed = await convert([
    chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }),
  ]).catch((e) => e);
  t.ok(failed instanceof RelayError);
  t.match(failed, { code: 'upstream_error', failureKind: 'bad_response', message: /tool call 0 went on after another content block began/ });
});

t.test('a whole chat.completion -> an Anthropic message', async (t) => {
  const message = chatToAnthropicMessage(
    {
      id: 'chatcmpl-xyz',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.', reasoning_content: 'why', tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{"a":1}' } }, { id: 'c2', function: { name: 'g', arguments: 'not json' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 12, completion_tokens: 3 },
    },
    'asked',
  );
  t.same(message, {
    id: 'msg_xyz',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [
      { type: 'thinking', thinking: 'why', signature: '' },
      { type: 'text', text: 'Sure.' },
      { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'c2', name: 'g', input: { _raw: 'not json' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  t.same(chatToAnthropicMessage({ choices: [{ message: { content: '' }, finish_reason: 'content_filter' }] }, 'asked').content, [], 'an empty answer has no block');
  t.equal(chatToAnthropicMessage({ choices: [{ message: { content: 'x' }, finish_reason: 'content_filter' }] }, 'asked').stop_reason, 'refusal');
});
