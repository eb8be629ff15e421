/** Two replicas share spend through a real Redis: what one spent counts against the budget on the other. */
import t from 'tap';
import { Redis } from 'ioredis';
import { startMock } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { findRedis, startRedis } from '../helpers/redis.js';
import { KEY, lookup, spendConfig } from './spend-config.js';

const ask = (relay: RelayUnderTest, model: string) =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${KEY}` });

async function waitUp(relay: RelayUnderTest) {
  const until = Date.now() + 10_000;
  while (!relay.app.relay.shared?.isUp && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

async function run(bin: string) {
  const redis = await startRedis(bin);
  const mock = await startMock('vllm');
  const config = spendConfig(mock.port, mock.baseUrl, { keyBudgetUsd: 0.01, state: { redis: { url: redis.url, keyPrefix: 'spendtest:' } } });
  const a = await startRelay(config, { lookup });
  const b = await startRelay(config, { lookup });
  const client = new Redis(redis.url, { lazyConnect: true });
  await client.connect();
  t.teardown(async () => {
    client.disconnect();
    await a.close();
    await b.close();
    await mock.close();
    await redis.stop();
  });
  await Promise.all([waitUp(a), waitUp(b)]);

  t.test('spend on one replica counts against the budget on the other', async (t) => {
    t.ok(a.app.relay.shared?.isUp && b.app.relay.shared?.isUp, 'both on Redis');
    const first = await ask(a, 'hosted/big');
    t.equal(first.headers.get('x-lmrelay-model'), 'hosted/big');
    const cost = Number(first.headers.get('x-lmrelay-cost'));
    const day = `spendtest:spend:day:${new Date().toISOString().slice(0, 10)}`;
    // The write is sent after the answer: wait (bounded) until Redis holds it.
    const until = Date.now() + 5000;
    while (!(await client.hget(day, 'key:alice')) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    t.ok(Math.abs(Number(await client.hget(day, 'key:alice')) - cost) < 1e-9, 'the key spend is in Redis');
    t.ok(Math.abs(Number(await client.hget(day, 'provider:hosted')) - cost) < 1e-9, 'and the provider spend');
    t.ok(Math.abs(Number(await client.hget(day, 'model:hosted/big')) - cost) < 1e-9, 'and the model spend');
    const ttl = await client.pttl(day);
    t.ok(ttl > 0 && ttl <= 2 * 24 * 3600 * 1000, 'the day hash expires after its day');

    const other = await ask(b, 'hosted/big');
    t.equal(other.status, 200);
    t.equal(other.headers.get('x-lmrelay-model'), 'local/small', 'the other replica falls back: the budget is spent');
  });
}

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'skipped: no redis-server on PATH');
else await run(redisBin);
