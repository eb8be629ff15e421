/**
 * The compiled check (ajv, from the zod schema) must agree with zod on every body: a body it
 * accepts skips zod, so accepting one zod refuses would let a bad request through.
 */
import t from 'tap';
import fc from 'fast-check';
import { z } from 'zod';
import { chatRequest } from '../../routes/chat-completions/request-schema.js';
import { responsesRequest } from '../../routes/responses/request-schema.js';
import { compileRequestSchema, refineWithRule, type RequestSchema } from '../../src/requests/compiled-schema.js';
import { validateBody } from '../../src/requests/validate.js';
import { RelayError } from '../../core/errors.js';

/**
 * A field that is absent, valid or (less often) invalid: each body has a dozen fields, so each
 * must be usually fine for both outcomes to be common.
 */
const field = (valid: unknown[], invalid: unknown[] = []) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    { arbitrary: fc.constantFrom(...valid), weight: 10 },
    ...(invalid.length ? [{ arbitrary: fc.constantFrom(...invalid), weight: 1 }] : []),
  );
const text = fc.oneof({ arbitrary: fc.string({ maxLength: 6 }), weight: 8 }, { arbitrary: fc.constantFrom('a\u0000b', '\u0000'), weight: 1 });
const odd = ['x', true, Infinity, -Infinity];
const fraction = field([0, 0.5, 1, null], [-1, 1.5, ...odd]);
const count = field([1, 2, 100, null], [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, ...odd]);

const part = fc.record({ type: field(['text', 'image_url'], ['', 5]), text: fc.option(text, { nil: undefined }) }, { requiredKeys: [] });
const content = fc.oneof(
  { arbitrary: text, weight: 12 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.array(part, { maxLength: 2 }), weight: 3 },
  { arbitrary: fc.constantFrom(7, {}), weight: 1 },
);
const toolCall = fc.record({ id: field(['c1'], [3]), type: field(['function'], [1]), function: field([{ name: 'f' }, { name: 'f', arguments: '{}' }], [{ name: 4 }, { arguments: '{}' }, { name: 'f', arguments: null }]) }, { requiredKeys: ['function'] });
const message = fc.record(
  {
    role: fc.oneof({ arbitrary: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function'), weight: 12 }, { arbitrary: fc.constantFrom('robot', 3), weight: 1 }),
    content: fc.oneof({ arbitrary: content, weight: 12 }, { arbitrary: fc.constant(undefined), weight: 1 }),
    name: field(['n'], [1]),
    tool_calls: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: fc.array(toolCall, { maxLength: 2 }), weight: 2 }),
    tool_call_id: field(['id'], [2]),
    reasoning_content: field(['thinking', null]),
    extra: field([{ any: 'thing' }, 1]),
  },
  { requiredKeys: ['role'] },
);
const chatBody = fc.record(
  {
    model: field(['m', 'p/m', 'x'.repeat(256), '\u{1F600}'.repeat(256)], [5, 'x'.repeat(257), '\u{1F600}'.repeat(257)]),
    messages: fc.oneof({ arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }), weight: 12 }, { arbitrary: fc.constantFrom([], 'hi', null), weight: 1 }),
    stream: field([true, false, null], ['yes']),
    stream_options: field([null, {}, { include_usage: true }], [{ include_usage: 'y' }, 'x']),
    temperature: field([0, 0.7, 2, null], [-1, ...odd]),
    top_p: fraction,
    n: count,
    max_tokens: count,
    max_completion_tokens: count,
    tools: field(
      [[], [{ type: 'function', function: { name: 'f' } }], [{ type: 'function', function: { name: 'f', description: null, parameters: { type: 'object' }, strict: true } }], [{ type: 'web_search' }]],
      [[{ type: 'function', function: { name: '' } }], [{ function: {} }], [{ type: 'function' }], [{ type: 'function', function: {} }], [{ type: 'function', function: { name: 'f', parameters: 'x' } }], 'x'],
    ),
    tool_choice: field(['auto', 'required', { type: 'function' }], [{ name: 'f' }, 4]),
    unknown_field: field([1, 'x', { deep: [1] }]),
  },
  { requiredKeys: ['messages'] },
);
const item = fc.record({ type: field(['message'], [3]), role: field(['user', 'assistant', 'system', 'developer'], ['tool', 9]), content: field(['x', []]) }, { requiredKeys: [] });
const responsesBody = fc.record(
  {
    model: field(['m', '\u{1F600}'.repeat(256)], [5, '\u{1F600}'.repeat(257)]),
    input: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: text, weight: 4 }, { arbitrary: fc.array(item, { maxLength: 3 }), weight: 4 }, { arbitrary: fc.constantFrom(null, 4), weight: 1 }),
    instructions: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: text, weight: 4 }, { arbitrary: fc.constantFrom(null, 3), weight: 1 }),
    stream: field([true, null], ['yes']),
    max_output_tokens: count,
    temperature: field([0, 1, null], [-1, ...odd]),
    top_p: fraction,
    tools: field([[], [{ type: 'web_search' }], [{ type: 'function', name: 'f', parameters: { type: 'object' } }]], [[{}], 'x', [{ type: 'function' }], [{ type: 'function', name: 3 }], [{ type: 'function', name: 'f', parameters: [] }]]),
    previous_response_id: field(['resp_1', null], ['', 4]),
  },
  { requiredKeys: [] },
);

/** fc.record keeps a key whose value is undefined; JSON has no such thing. */
const asJson = (body: Record<string, unknown>) => JSON.parse(JSON.stringify(body)) as Record<string, unknown>;

function agree(t: { ok: (ok: boolean, message: string) => unknown }, schema: RequestSchema<unknown>, bodies: fc.Arbitrary<Record<string, unknown>>): void {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(bodies.map(asJson), (body) => {
      const compiled = schema.accepts(body);
      const zod = schema.zod.safeParse(body).success;
      if (compiled !== zod) throw new Error(`compiled check says ${compiled}, zod says ${zod}: ${JSON.stringify(body)}`);
      if (zod) accepted++;
      else refused++;
    }),
    { numRuns: 3000 },
  );
  // Both outcomes must be common, or the agreement says little.
  t.ok(accepted > 300 && refused > 300, `accepted ${accepted}, refused ${refused}`);
}

t.test('chat bodies: the compiled check and zod accept exactly the same', async (t) => agree(t, chatRequest, chatBody));
t.test('responses bodies: the compiled check and zod accept exactly the same', async (t) => agree(t, responsesRequest, responsesBody));

t.test('the refinements are in the compiled check too', async (t) => {
  t.notOk(chatRequest.accepts({ messages: [{ role: 'user', content: 'a\u0000b' }] }), 'NUL in text');
  t.notOk(chatRequest.accepts({ messages: [{ role: 'user' }] }), 'user turn without content');
  t.notOk(chatRequest.accepts({ messages: [{ role: 'assistant', tool_calls: [] }] }), 'assistant turn with nothing in it');
  t.ok(chatRequest.accepts({ messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'f' } }] }] }), 'assistant turn with only a tool call');
  t.notOk(responsesRequest.accepts({ previous_response_id: '' }), 'no input and an empty previous response id');
  t.ok(responsesRequest.accepts({ previous_response_id: 'resp_1' }), 'a follow-up turn without input');
  t.notOk(chatRequest.accepts({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function' }] }), 'chat function tool without its function');
  t.ok(chatRequest.accepts({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: { name: 'c' } }] }), 'other tool types pass');
  t.notOk(responsesRequest.accepts({ input: 'x', tools: [{ type: 'function' }] }), 'responses function tool without its name');
});

t.test('a refinement without a JSON Schema rule is refused when compiling', async (t) => {
  const bare = z.looseObject({ a: z.string().refine((s) => s !== 'x') });
  t.throws(() => compileRequestSchema(bare), /has no JSON Schema rule/);
  const declared = z.looseObject({ a: refineWithRule(z.string(), (s) => s !== 'x', { message: 'not x' }, { not: { const: 'x' } }) });
  const compiled = compileRequestSchema(declared);
  t.ok(compiled.accepts({ a: 'y' }));
  t.notOk(compiled.accepts({ a: 'x' }));
});

t.test('a valid body goes on as it is; an invalid one gets zod\'s message', async (t) => {
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], custom: { kept: true } };
  t.equal(validateBody(chatRequest, body), body, 'not copied');
  const err = t.throws(() => validateBody(chatRequest, { messages: [{ role: 'user', content: 'a\u0000' }] })) as unknown as RelayError;
  t.ok(err instanceof RelayError);
  t.equal(err.status, 400);
  t.equal(err.param, 'messages[0].content');
  t.match(err.message, /NUL/);
});
