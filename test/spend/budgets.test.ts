/**
 * Spend: answers priced from the answering model's `cost`, told in x-lmrelay-cost, the access
 * line and lmrelay_cost_usd_total; a key's daily budget makes its chain fall back to the free
 * local model, then 429 budget_exceeded; spend kept in a file across restarts.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';

let mock: MockUpstream;
t.before(async () => {
  mock = await startMock('vllm');
});
t.teardown(() => mock.close());

import { COST, KEY, lookup, spendConfig } from './spend-config.js';

const priceOf = (usage: { prompt_tokens: number; completion_tokens: number }) => (usage.prompt_tokens * COST.input + usage.completion_tokens * COST.output) / 1e6;
const cents = (usd: number) => Math.round(usd * 100);
const auth = { authorization: `Bearer ${KEY}` };
const ask = (relay: RelayUnderTest, model: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, { ...auth, ...headers });

t.test('the cost header, the access line and the metric say what an answer cost', async (t) => {
  const relay = await startRelay(spendConfig(mock.port, mock.baseUrl), { lookup });
  t.teardown(() => relay.close());
  const res = await ask(relay, 'hosted/big');
  t.equal(res.status, 200);
  const body = res.json;
  const expected = priceOf(body.usage);
  t.ok(expected > 0.01, 'the mock reports usage worth cents');
  const header = res.headers.get('x-lmrelay-cost');
  t.ok(header, 'x-lmrelay-cost is set');
  t.equal(cents(Number(header)), cents(expected), 'the header is usage x price to the cent');
  t.ok(Math.abs(Number(header) - expected) < 1e-6);

  const free = await ask(relay, 'local/small');
  t.equal(free.status, 200);
  t.equal(free.headers.get('x-lmrelay-cost'), null, 'a model with no cost has no cost header');

  await new Promise((r) => setTimeout(r, 50));
  const line = relay.logs.find((l) => l.msg === 'request completed' && l.model === 'hosted/big');
  t.ok(line, 'access line written');
  t.ok(Math.abs(line.costUsd - expected) < 1e-9, 'the access line carries the cost');

  const metrics = await (await fetch(`${relay.url}/metrics`)).text();
  const m = /lmrelay_cost_usd_total\{provider="hosted",model="hosted\/big",key="alice"\} ([\d.e-]+)/.exec(metrics);
  t.ok(m, 'cost metric with provider, model and key name');
  t.ok(Math.abs(Number(m![1]) - expected) < 1e-9);
  t.notOk(metrics.includes(KEY), 'never the key itself');
});

t.test('a streamed Chat answer tells its cost in a last SSE comment when the client asked for usage', async (t) => {
  const relay = await startRelay(spendConfig(mock.port, mock.baseUrl), { lookup });
  t.teardown(() => relay.close());
  const withUsage = (await ask(relay, 'hosted/big', {}, { stream: true, stream_options: { include_usage: true } })).text;
  const usageLine = withUsage.split('\n').find((l) => l.startsWith('data: {') && l.includes('"usage"'));
  t.ok(usageLine, 'the usage chunk went to the client');
  const usage = JSON.parse(usageLine!.slice(6)).usage;
  const comment = /^: x-lmrelay-cost=([\d.]+)$/m.exec(withUsage);
  t.ok(comment, 'cost comment present');
  t.equal(cents(Number(comment![1])), cents(priceOf(usage)), 'to the cent');
  t.ok(withUsage.trimEnd().endsWith('data: [DONE]'), 'the stream still ends with [DONE]');

  const without = (await ask(relay, 'hosted/big', {}, { stream: true })).text;
  t.notOk(without.includes('x-lmrelay-cost'), 'no comment when the client did not ask for usage');
});

t.test('a key past its daily budget falls back to the free local model, then gets 429 budget_exceeded', async (t) => {
  const relay = await startRelay(spendConfig(mock.port, mock.baseUrl, { keyBudgetUsd: 0.01 }), { lookup });
  t.teardown(() => relay.close());
  const first = await ask(relay, 'hosted/big');
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-lmrelay-model'), 'hosted/big', 'within budget: the hosted model answers');

  const second = await ask(relay, 'hosted/big');
  t.equal(second.status, 200);
  t.equal(second.headers.get('x-lmrelay-model'), 'local/small', 'budget spent: the free local model answers');
  t.equal(second.headers.get('x-lmrelay-attempts'), '1', 'the hosted model was skipped, not tried');

  const refused = await ask(relay, 'hosted/big', { 'x-lmrelay-fallbacks': 'none' });
  t.equal(refused.status, 429);
  const error = refused.json.error;
  t.equal(error.code, 'budget_exceeded');
  t.equal(error.type, 'rate_limit_error');
  t.match(error.message, /alice/);
  t.notOk(error.message.includes(KEY));

  const stream = await ask(relay, 'hosted/big', { 'x-lmrelay-fallbacks': 'none' }, { stream: true });
  t.equal(stream.status, 429, 'a stream is refused before it starts');
  t.equal(stream.json.error.code, 'budget_exceeded');
});

t.test('a provider past its budget is skipped for every key', async (t) => {
  const relay = await startRelay(spendConfig(mock.port, mock.baseUrl, { providerBudgetUsd: 0.01 }), { lookup });
  t.teardown(() => relay.close());
  t.equal((await ask(relay, 'hosted/big')).headers.get('x-lmrelay-model'), 'hosted/big');
  t.equal((await ask(relay, 'hosted/big')).headers.get('x-lmrelay-model'), 'local/small');
  const refused = await ask(relay, 'hosted/big', { 'x-lmrelay-fallbacks': 'none' });
  t.equal(refused.status, 429);
  t.match(refused.json.error.message, /provider hosted/);
});

t.test('spend survives a restart: kept in the spend file', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'lmrelay-spend-')), 'spend.json');
  const config = spendConfig(mock.port, mock.baseUrl, { keyBudgetUsd: 0.01, state: { spendFile: file } });
  const before = await startRelay(config, { lookup });
  const first = await ask(before, 'hosted/big');
  const cost = Number(first.headers.get('x-lmrelay-cost'));
  await before.close();
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  const day = Object.keys(saved.periods).find((id) => id.startsWith('day:'))!;
  t.ok(Math.abs(saved.periods[day]['key:alice'] - cost) < 1e-9, 'the file holds the key spend');

  const after = await startRelay(config, { lookup });
  t.teardown(() => after.close());
  const res = await ask(after, 'hosted/big');
  t.equal(res.headers.get('x-lmrelay-model'), 'local/small', 'after a restart the spent budget still holds');
});
