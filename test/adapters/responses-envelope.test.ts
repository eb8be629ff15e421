/**
 * The Response envelope on recorded answers of llama.cpp's Responses API (0.7.0, build 11669),
 * whose objects and events lack most of what the schema requires: completed, they conform to
 * the Open Responses schemas, and the answer cut at max_output_tokens (5 here) is incomplete.
 * And the Chat translator's events for a custom tool's call.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Frame } from '../../core/frame.js';
import { fillResponsesStreamFields } from '../../routes/responses/fill-stream-fields.js';
import { chatStreamToResponsesEvents } from '../../routes/responses/chat-stream-to-events.js';
import { completeResponse } from '../../routes/responses/complete-response.js';
import { planTools } from '../../routes/responses/tool-plan.js';
import { RelayError } from '../../core/errors.js';
import { openResponsesChecker } from '../helpers/open-responses.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const check = openResponsesChecker();
if (!check) t.plan(0, 'the Open Responses document is not beside the checkout (../shared/specs)');

const request = { model: 'tiny', input: 'Tell me a story.', max_output_tokens: 5, temperature: 0 };
const env = { request, model: 'tiny', passedThrough: true };

function recordedFrames(): Frame[] {
  return fixture('llama-responses-stream.sse')
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)![1];
      return new Frame(data, undefined, event);
    });
}

function run(transform: { transform(f: Frame): Frame[] | Frame | null; flush?(): Frame[] }, frames: Frame[]): any[] {
  const out: Frame[] = [];
  for (const frame of frames) {
    const result = transform.transform(frame);
    if (result) out.push(...(Array.isArray(result) ? result : [result]));
  }
  out.push(...(transform.flush?.() ?? []));
  return out.map((f) => ({ ...JSON.parse(f.data), event: f.event }));
}

t.test('a recorded llama.cpp stream, completed', async (t) => {
  const raw = recordedFrames().map((f) => f.json);
  t.ok(raw.some((e) => check!.checkEvent(e).length > 0), 'as recorded, its events break the schema');
  const events = run(fillResponsesStreamFields(env), recordedFrames());
  for (const e of events) t.same(check!.checkEvent({ ...e, event: undefined }), [], `${e.type} conforms`);
  t.same(events.map((e) => e.sequence_number), events.map((_, i) => i), 'sequence numbers 0, 1, 2, ...');
  t.equal(events.at(-1).type, 'response.incomplete', 'the last event says the answer was cut');
  t.equal(events.at(-1).event, 'response.incomplete', 'in its SSE event name too');
  t.same(events.at(-1).response.incomplete_details, { reason: 'max_output_tokens' });
  t.equal(events[0].response.id, events.at(-1).response.id, 'one Response id throughout');
  t.equal(events[0].response.created_at, events[1].response.created_at);
});

t.test('a recorded llama.cpp Response, completed', async (t) => {
  const raw = JSON.parse(fixture('llama-response.json'));
  t.not(check!.checkResponse(raw).length, 0, 'as recorded, it breaks the schema');
  const done = completeResponse(raw, env);
  t.same(check!.checkResponse(done), []);
  t.equal(done.status, 'incomplete');
  t.equal(done.completed_at, null);
  t.match(done, { temperature: 0, top_p: 1, max_output_tokens: 5, tools: [], tool_choice: 'auto', text: { format: { type: 'text' } }, usage: { output_tokens_details: { reasoning_tokens: 0 } } });
  const room = completeResponse(JSON.parse(fixture('llama-response.json')), { ...env, request: { ...request, max_output_tokens: 50 } });
  t.equal(room.status, 'completed', 'within the limit, completed stays');
  t.type(room.completed_at, 'number');
  const translated = completeResponse({ status: 'completed', output: [], usage: { input_tokens: 1, output_tokens: 5 } }, { request, model: 'tiny' });
  t.equal(translated.status, 'completed', 'a translated answer keeps the status its finish reason gave');
});

t.test('a custom tool called through a Chat stream streams as a custom_tool_call', async (t) => {
  const plan = planTools({ tools: [{ type: 'custom', name: 'apply_patch' }] });
  const chunk = (delta: object, finish: string | null = null) => Frame.of({ choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [
    chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'apply_patch', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"input":"*** Begin' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: ' Patch"}' } }] }),
    chunk({}, 'tool_calls'),
  ];
  const events = run(chatStreamToResponsesEvents({ request: { tools: [{ type: 'custom', name: 'apply_patch' }] }, model: 'm', tools: plan.echo }, plan), frames);
  for (const e of events) t.same(check!.checkEvent({ ...e, event: undefined }), [], `${e.type} conforms`);
  t.same(
    events.map((e) => e.type),
    ['response.created', 'response.in_progress', 'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed'],
  );
  t.match(events.at(-1).response.output, [{ type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_1', input: '*** Begin Patch' }]);
});

t.test('a stream that fails midway ends with error and response.failed, numbered on', async (t) => {
  const events = chatStreamToResponsesEvents({ request: {}, model: 'm' });
  const sent = run({ transform: (f) => events.transform(f) }, [Frame.of({ choices: [{ index: 0, delta: { content: 'Hel' } }] })]);
  const err = new RelayError('upstream went away', { code: 'upstream_error' });
  const ending = events.failureEvents(err).map((f) => JSON.parse(f.data));
  for (const e of ending) t.same(check!.checkEvent(e), [], `${e.type} conforms`);
  t.same(ending.map((e) => e.sequence_number), [sent.length, sent.length + 1]);
  t.match(ending[1].response, { status: 'failed', error: { code: 'upstream_error', message: 'upstream went away' } });

  const passed = fillResponsesStreamFields(env);
  run({ transform: (f) => passed.transform(f) }, recordedFrames().slice(0, 4));
  const failed = passed.failureEvents(err).map((f) => JSON.parse(f.data));
  for (const e of failed) t.same(check!.checkEvent(e), [], `pass-through ${e.type} conforms`);
});
