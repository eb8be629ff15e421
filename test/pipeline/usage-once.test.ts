/** An answer's tokens count once, and cached input counts as input whatever API reported it. */
import t from 'tap';
import { Frame, applyTransforms } from '../../core/frame.js';
import { usageCounter } from '../../src/pipeline/usage.js';
import { tokenCounts } from '../../src/usage-tokens.js';

t.test('a stream that repeats running totals on every chunk counts only the last', async (t) => {
  const counted: unknown[] = [];
  const ctx = { countUsage: (_p: string, _r: string, usage: unknown) => counted.push(usage) } as any;
  const target = { provider: { id: 'v' }, ref: 'v/m' } as any;
  const chunk = (n: number) => new Frame(JSON.stringify({ choices: [{ index: 0, delta: { content: 'x' } }], usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n } }));
  async function* source() {
    yield [chunk(1), chunk(2)];
    yield [chunk(3)];
  }
  const out: Frame[] = [];
  for await (const batch of applyTransforms(source(), [usageCounter(ctx, target, false)])) out.push(...batch);
  t.equal(out.length, 3, 'every frame goes on');
  t.same(counted, [{ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }], 'counted once, the final totals');
});

t.test('token counts read every API the same way', async (t) => {
  t.same(tokenCounts({ prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 80 } }), { input: 100, output: 5 }, 'Chat: cached tokens are inside prompt_tokens');
  t.same(tokenCounts({ input_tokens: 20, cache_read_input_tokens: 70, cache_creation_input_tokens: 10, output_tokens: 5 }), { input: 100, output: 5 }, 'Anthropic: cached tokens are beside input_tokens');
  t.same(tokenCounts({ input_tokens: 100, output_tokens: 5, input_tokens_details: { cached_tokens: 80 } }), { input: 100, output: 5 }, 'Responses');
  t.same(tokenCounts({ input_tokens: 'x', output_tokens: -3 }), { input: 0, output: 0 }, 'nonsense counts nothing');
  t.equal(tokenCounts(null), undefined);
});
