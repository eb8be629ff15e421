/**
 * The Redis-backed limiter on its own against a real Redis: token counts that are not counts
 * (an upstream's usage can hold anything) neither poison the shared counter nor take Redis
 * out of use, and a plain count is carried to Redis by the key's next check.
 */
import t from 'tap';
import pino from 'pino';
import { findRedis, startRedis } from '../helpers/redis.js';
import { RedisState } from '../../src/state/redis-store.js';
import { LocalRateLimiter } from '../../src/state/rate-limit.js';
import { Cooldowns } from '../../src/upstream/cooldown.js';

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'skipped: no redis-server on PATH');
else await run(redisBin);

async function run(bin: string) {
  const redis = await startRedis(bin);
  const local = new LocalRateLimiter();
  const state = new RedisState({ url: redis.url, keyPrefix: 'limiter-test:', commandTimeoutMs: 2000, logger: pino({ level: 'silent' }) }, { cooldowns: new Cooldowns(), limiter: local });
  await state.start();
  t.teardown(async () => {
    await state.close();
    await redis.stop();
  });
  const until = Date.now() + 10_000;
  while (!state.isUp && Date.now() < until) await new Promise((r) => setTimeout(r, 50));

  t.test('counts that are not counts are left out', async (t) => {
    t.ok(state.isUp, 'on Redis');
    t.ok((await state.limiter.consume('junk', { tpm: 20 })).allowed);
    for (const junk of [NaN, -5, Infinity, '40' as unknown as number, undefined as unknown as number, 0.4]) state.limiter.addTokens('junk', junk);
    const next = await state.limiter.consume('junk', { tpm: 20 });
    t.ok(next.allowed, 'no tokens counted');
    t.ok(state.isUp, 'Redis still in use: no command carried a value it refuses');
    state.limiter.addTokens('junk', 19.6);
    t.notOk((await state.limiter.consume('junk', { tpm: 20 })).allowed, '19.6 tokens count as 20');
  });

  t.test('the local counter ignores them too', async (t) => {
    const limiter = new LocalRateLimiter();
    for (const junk of [NaN, -5, Infinity, '40' as unknown as number]) limiter.addTokens('k', junk);
    t.ok(limiter.consumeSync('k', { tpm: 1 }).allowed);
    limiter.addTokens('k', 1);
    t.notOk(limiter.consumeSync('k', { tpm: 1 }).allowed);
  });
}
