/**
 * Two lmrelay replicas sharing stored responses through one real Redis: a conversation started on
 * one continues on the other (the upstream gets the replayed history), GET / input_items /
 * DELETE answer on either, keys stay apart, and a Redis that goes away is not an outage.
 */
import t from 'tap';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { checkedFetch } from '../helpers/open-responses.js';
import { findRedis, startRedis, type RedisServer } from '../helpers/redis.js';

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'stored responses fleet tests skipped: no redis-server on PATH');
else await run(redisBin);

async function run(bin: string) {
  const KEY = 'sk-fleet-responses-0123456789';
  const OTHER = 'sk-fleet-other-0123456789';
  const mock: MockUpstream = await startMock('vllm', ['--only', 'chat']);
  const redis: RedisServer = await startRedis(bin);
  const config = {
    server: { apiKeys: [KEY, OTHER] },
    state: { redis: { url: redis.url, keyPrefix: 'storetest:' } },
    models: { providers: { chat: { baseUrl: mock.baseUrl, models: [] } } },
  };
  const [a, b]: RelayUnderTest[] = await Promise.all([startRelay(config), startRelay(config)]);
  const inspect = new Redis(redis.url, { lazyConnect: true });
  await inspect.connect();
  t.teardown(async () => {
    inspect.disconnect();
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
    await mock.close();
  });
  const client = (relay: RelayUnderTest, key = KEY) => new OpenAI({ baseURL: `${relay.url}/v1`, apiKey: key, maxRetries: 0, fetch: checkedFetch });
  const lastMessages = async () => (await mock.requests()).filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.messages;

  t.test('turn 1 on one replica, turn 2 and 3 on the other; retrieve, list and delete on either', async (t) => {
    t.equal(await inspect.dbsize(), 0, 'Redis starts empty');
    const one = await client(a).responses.create({ model: 'chat/m', input: 'I am on replica A.' });
    t.equal(await inspect.dbsize(), 2, 'the first response is in Redis (its record, and its one output item)');
    const two = await client(b).responses.create({ model: 'chat/m', input: 'Now on B.', previous_response_id: one.id });
    t.same(
      (await lastMessages()).map((m: any) => m.role),
      ['user', 'assistant', 'user'],
      'replica B replayed what replica A stored',
    );
    const three = await client(a).responses.create({ model: 'chat/m', input: 'Back on A.', previous_response_id: two.id, stream: false });
    t.equal((await lastMessages()).length, 5);
    t.equal(three.previous_response_id, two.id);

    const streamed = await client(b).responses.stream({ model: 'chat/m', input: 'Streamed on B.', previous_response_id: three.id }).finalResponse();
    t.same((await client(a).responses.retrieve(streamed.id)).id, streamed.id, 'a streamed turn stored by B is read on A');

    t.same((await client(b).responses.retrieve(one.id)).output, one.output);
    const items = await client(a).responses.inputItems.list(three.id, { order: 'asc' });
    t.same(items.data.map((i: any) => i.content[0].text), ['I am on replica A.', 'Hello from vllm m', 'Now on B.', 'Hello from vllm m', 'Back on A.']);
    t.same(await client(b).responses.delete(one.id), { id: one.id, object: 'response.deleted', deleted: true } as any);
    const gone = await fetch(`${a.url}/v1/responses/${one.id}`, { headers: { authorization: `Bearer ${KEY}` } });
    t.equal(gone.status, 404, 'deleted on B, gone on A');
    const keys = await inspect.keys('storetest:*');
    t.ok(keys.some((k) => k.startsWith('storetest:resp:') && k.endsWith(two.id)), 'records are under the configured key prefix');
    t.notOk(keys.some((k) => k.includes(KEY)), 'no key appears in Redis');
    const ttl = await inspect.pttl(keys.find((k) => k.endsWith(two.id))!);
    t.ok(ttl > 0 && ttl <= 24 * 3600 * 1000, `records expire (${ttl} ms left)`);
  });

  t.test("another key finds nothing of this key's, on any replica", async (t) => {
    const mine = await client(a).responses.create({ model: 'chat/m', input: 'mine' });
    const res = await postJson(`${b.url}/v1/responses`, { model: 'chat/m', input: 'x', previous_response_id: mine.id }, { authorization: `Bearer ${OTHER}` });
    t.equal(res.json.error.code, 'previous_response_not_found');
    t.equal((await fetch(`${b.url}/v1/responses/${mine.id}`, { headers: { authorization: `Bearer ${OTHER}` } })).status, 404);
  });

  t.test('with Redis gone, responses are kept in process and still continue', async (t) => {
    await redis.stop();
    const one = await client(a).responses.create({ model: 'chat/m', input: 'during the outage' });
    const two = await client(a).responses.create({ model: 'chat/m', input: 'still?', previous_response_id: one.id });
    t.equal(two.status, 'completed');
    t.same((await lastMessages()).map((m: any) => m.role), ['user', 'assistant', 'user']);
    t.match(a.logText(), /stored responses: Redis unreachable/);
    await redis.start();
  });
}
