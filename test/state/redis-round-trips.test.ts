/**
 * What a rate-limited key costs Redis, counted by Redis itself (INFO commandstats, which also
 * counts the commands a script runs): one command per limited request across two replicas, the
 * tokens of each answer carried by the next check or flushed soon after, and local counting
 * while Redis is too slow to answer.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { startMock } from '../helpers/mock.js';
import { postJson, startRelay, type RelayUnderTest } from '../helpers/relay.js';
import { findRedis, startRedis } from '../helpers/redis.js';
import { secondsLeft } from '../../src/state/rate-limit.js';

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'skipped: no redis-server on PATH');
else await run(redisBin);

/** Calls per command since the server started, the test's own INFO left out. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m && m[1] !== 'info') calls.set(m[1], Number(m[2]));
  }
  return calls;
}

function callsSince(before: Map<string, number>, after: Map<string, number>): { total: number; by: Record<string, number> } {
  const by: Record<string, number> = {};
  let total = 0;
  for (const [name, n] of after) {
    const d = n - (before.get(name) ?? 0);
    if (d > 0) {
      by[name] = d;
      total += d;
    }
  }
  return { total, by };
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function run(bin: string) {
  const redisServer = await startRedis(bin);
  const mock = await startMock('vllm');
  const redis = new Redis(redisServer.url);
  const BURST = 100;
  const config = {
    server: {
      apiKeys: [
        // rpm: the burst and one warm-up request per replica fit, one more does not.
        { key: 'k-burst-0123456789', name: 'burst', rpm: BURST + 2, tpm: 1_000_000_000 },
        { key: 'k-tpm-0123456789', name: 'tpm20', tpm: 20 },
        { key: 'k-slow-0123456789', name: 'slow', rpm: 2 },
        { key: 'k-stop-0123456789', name: 'stop20', tpm: 20 },
      ],
    },
    // A loaded test machine must not make the replicas give up on Redis mid-count.
    state: { redis: { url: redisServer.url, keyPrefix: 'round-trips:', commandTimeoutMs: 2000 } },
    models: { providers: { v: { baseUrl: mock.baseUrl, models: [] } } },
  };
  const replicas: RelayUnderTest[] = [await startRelay(config), await startRelay(config)];
  t.teardown(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    redis.disconnect();
    await redisServer.stop();
    await mock.close();
  });
  await waitFor(async () => (replicas.every((r) => r.app.relay.shared?.isUp) ? true : undefined), 'both replicas on Redis');
  const ask = (replica: RelayUnderTest, key: string, model = 'v/m') =>
    postJson(`${replica.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` });

  t.test('one Redis command per limited request, counted across both replicas', async (t) => {
    // The first request of a minute also sets its counters' expiry: keep the burst inside one minute.
    if (secondsLeft(Date.now()) < 20) await new Promise((r) => setTimeout(r, secondsLeft(Date.now()) * 1000 + 100));
    for (const replica of replicas) t.equal((await ask(replica, 'k-burst-0123456789')).status, 200, 'warm-up');
    const before = await commandCalls(redis);
    let next = 0;
    const statuses: number[] = [];
    const worker = async () => {
      while (next < BURST) {
        const i = next++;
        statuses.push((await ask(replicas[i % 2], 'k-burst-0123456789')).status);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const spent = callsSince(before, await commandCalls(redis));
    t.same(new Set(statuses), new Set([200]), 'the burst fits the budget');
    t.ok(spent.total / BURST <= 1, `Redis commands per limited request: ${spent.total / BURST} (${JSON.stringify(spent.by)})`);
    // Counted in Redis, not in each process: together the replicas have used up the budget.
    const over = await ask(replicas[0], 'k-burst-0123456789');
    t.equal(over.status, 429);
    t.match(over.json.error.message, /burst: 102 requests per minute/);
  });

  t.test('tokens of an answer reach the shared count without a further request on that replica', async (t) => {
    const [a, b] = replicas;
    t.equal((await ask(a, 'k-tpm-0123456789')).status, 200);
    // This check carries the 12 tokens of the first answer; the 12 of its own stay with A.
    t.equal((await ask(a, 'k-tpm-0123456789')).status, 200);
    // B's checks count no tokens of their own (no model answers them): 429 once A's reach Redis.
    const probes: number[] = [];
    const refused = await waitFor(async () => {
      const res = await ask(b, 'k-tpm-0123456789', 'nowhere/m');
      probes.push(res.status);
      return res.status === 429 ? res : undefined;
    }, "A's tokens in Redis");
    t.ok(probes.slice(0, -1).every((status) => status === 404), `B's probes until then: ${probes}`);
    t.match(refused.json.error, { code: 'rate_limit_exceeded', message: /tpm20: 20 tokens per minute/ });
    t.ok(Number(refused.headers.get('retry-after')) >= 1);
  });

  t.test('a replica that stops sends the token counts it still holds', async (t) => {
    const leaving = await startRelay(config);
    await waitFor(async () => (leaving.app.relay.shared?.isUp ? true : undefined), 'the replica on Redis');
    t.equal((await ask(leaving, 'k-stop-0123456789')).status, 200);
    t.equal((await ask(leaving, 'k-stop-0123456789')).status, 200, '12 tokens counted, 12 held');
    await leaving.close();
    const probe = await ask(replicas[0], 'k-stop-0123456789', 'nowhere/m');
    t.equal(probe.status, 429, 'the 24 tokens are in Redis at once');
    t.match(probe.json.error.message, /stop20: 20 tokens per minute/);
  });

  t.test('Redis too slow to answer: the budget is counted in each replica meanwhile', async (t) => {
    const slow = await startRelay({ ...config, state: { redis: { url: redisServer.url, keyPrefix: 'round-trips:', commandTimeoutMs: 100 } } });
    t.teardown(() => slow.close());
    await waitFor(async () => (slow.app.relay.shared?.isUp ? true : undefined), 'the replica on Redis');
    const pauser = new Redis(redisServer.url);
    // Long enough for the three requests, even on a loaded machine (Redis refuses an early UNPAUSE while paused).
    await pauser.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ask(slow, 'k-slow-0123456789')).status);
    t.same(statuses, [200, 200, 429], 'rpm 2 holds while Redis does not answer');
    t.notOk(slow.app.relay.shared?.isUp, 'counted in the replica: Redis is still paused');
    pauser.disconnect();
  });
}
