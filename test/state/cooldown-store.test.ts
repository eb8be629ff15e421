/**
 * The app's cooldown store answers alike whether it is the local one or the Redis-backed one:
 * the Redis-backed store implements every call itself (it is no subclass of the local store
 * whose unlisted methods would read an empty map of its own).
 */
import t from 'tap';
import { startRelay } from '../helpers/relay.js';
import { findRedis, startRedis } from '../helpers/redis.js';
import { Cooldowns, type CooldownStore } from '../../src/upstream/cooldown.js';

const redisBin = findRedis();
if (!redisBin) t.plan(0, 'skipped: no redis-server on PATH');
else await run(redisBin);

/** Every method callable on the object, with the prototype that provides it. */
function methods(store: object): Map<string, object> {
  const found = new Map<string, object>();
  for (let proto = Object.getPrototypeOf(store); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof (store as any)[name] === 'function' && !found.has(name)) found.set(name, proto);
    }
  }
  return found;
}

async function run(bin: string) {
  const redis = await startRedis(bin);
  const relay = await startRelay({ state: { redis: { url: redis.url, keyPrefix: 'cooldown-store-test:' } }, models: { providers: {} } });
  t.teardown(async () => {
    await relay.close();
    await redis.stop();
  });
  const until = Date.now() + 10_000;
  while (!relay.app.relay.shared?.isUp && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  const shared = relay.app.relay.cooldowns;

  t.test('the Redis-backed store implements every method itself', async (t) => {
    t.ok(relay.app.relay.shared?.isUp, 'on Redis');
    t.notOk(shared instanceof Cooldowns, 'not a subclass of the local store');
    const own = Object.getPrototypeOf(shared);
    for (const [name, from] of methods(shared)) t.equal(from, own, `${name} is its own`);
  });

  t.test('the same calls give the same answers as the local store', async (t) => {
    const local: CooldownStore = new Cooldowns();
    const view = (s: CooldownStore, p: string) => ({ cooling: s.remainingMs(p) > 0, snapshot: s.snapshot().map((e) => ({ provider: e.provider, failures: e.failures })) });
    for (const store of [local, shared]) store.recordFailure('p', 'connect_refused');
    t.same(view(shared, 'p'), view(local, 'p'));
    t.same(view(shared, 'p'), { cooling: true, snapshot: [{ provider: 'p', failures: 1 }] });
    for (const store of [local, shared]) store.recordFailure('q', 'http_429', 7);
    t.ok(shared.remainingMs('q') > 5000 && local.remainingMs('q') > 5000, 'Retry-After held by both');
    for (const store of [local, shared]) {
      store.recordSuccess('p');
      store.recordSuccess('q');
    }
    t.same(view(shared, 'p'), { cooling: false, snapshot: [] });
    t.same(view(local, 'p'), view(shared, 'p'));
  });
}
