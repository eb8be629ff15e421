/**
 * The balancer's choices on a catalog built from config: weights when the deployments are idle,
 * least outstanding per weight under load, cooling deployments last, and the sticky map's bounds.
 */
import t from 'tap';
import { parseConfigText } from '../../src/config/load.js';
import { Balancer } from '../../src/balance/balancer.js';
import { StickyMap } from '../../src/balance/sticky-map.js';
import { Cooldowns } from '../../src/upstream/cooldown.js';

const { catalog } = parseConfigText(
  `{ models: { mode: "replace", providers: {
      a: { baseUrl: "http://127.0.0.1:1/v1", models: [{ id: "m" }] },
      b: { baseUrl: "http://127.0.0.1:2/v1", models: [{ id: "m" }] },
      c: { baseUrl: "http://127.0.0.1:3/v1", models: [{ id: "m" }] },
      cloud: { baseUrl: "http://127.0.0.1:4/v1", models: [{ id: "big" }] } } },
    agents: { defaults: { models: { qwen: { deployments: ["a/m", { model: "b/m", weight: 3 }], fallbacks: ["cloud/big"] },
                                    trio: { deployments: ["a/m", "b/m", "c/m"] } } } } }`,
  'test',
  {},
);
const qwen = catalog.resolve('qwen')!;
const trio = catalog.resolve('trio')!;
const refsOf = (chain: readonly { ref: string }[]) => chain.map((m) => m.ref);

t.test('idle deployments are picked in proportion to their weights, the others follow, then the fallbacks', async (t) => {
  const balancer = new Balancer();
  const counts: Record<string, number> = {};
  const chains = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const route = balancer.route(qwen, catalog.chainFor(qwen), new Cooldowns(), {});
    counts[route.chain[0].ref] = (counts[route.chain[0].ref] ?? 0) + 1;
    chains.add(refsOf(route.chain).join(' '));
  }
  t.same(counts, { 'a/m': 100, 'b/m': 300 });
  t.same([...chains].sort(), ['a/m b/m cloud/big', 'b/m a/m cloud/big']);
});

t.test('under load, the fewest outstanding requests per weight goes first; a failed attempt lets go at once', async (t) => {
  const balancer = new Balancer();
  const held = [];
  // Three requests on b (weight 3) weigh as much as one on a.
  for (let i = 0; i < 4; i++) {
    const route = balancer.route(qwen, catalog.chainFor(qwen), new Cooldowns(), {});
    void route.track(route.chain[0], new Promise(() => {}));
    held.push(route);
  }
  t.same(Object.fromEntries([...balancer.outstanding()].map(([ref, s]) => [ref, s.outstanding])), { 'a/m': 1, 'b/m': 3 });
  const next = balancer.route(qwen, catalog.chainFor(qwen), new Cooldowns(), {});
  const failing = next.track(next.chain[0], Promise.reject(new Error('refused')));
  await t.rejects(failing);
  t.same(Object.fromEntries([...balancer.outstanding()].map(([ref, s]) => [ref, s.outstanding])), { 'a/m': 1, 'b/m': 3 }, 'the failed attempt no longer counts');
  for (const route of held) route.closed();
  t.same(Object.fromEntries([...balancer.outstanding()].map(([ref, s]) => [ref, s.outstanding])), { 'a/m': 0, 'b/m': 0 }, 'replies that ended no longer count');
  const late = balancer.route(qwen, catalog.chainFor(qwen), new Cooldowns(), {});
  late.closed();
  void late.track(late.chain[0], new Promise(() => {}));
  t.equal(balancer.slotOf(late.chain[0].ref).outstanding, 0, 'an attempt after the reply closed is not counted');
});

t.test('a cooling deployment goes last; sticky only while it is not cooling', async (t) => {
  const balancer = new Balancer();
  const cooldowns = new Cooldowns();
  cooldowns.recordFailure('b', 'connect_refused');
  for (let i = 0; i < 5; i++) t.same(refsOf(balancer.route(trio, catalog.chainFor(trio), cooldowns, {}).chain).at(-1), 'b/m');
  const session = { session: 's', owner: 'k' };
  const first = balancer.route(trio, catalog.chainFor(trio), new Cooldowns(), session);
  first.answered(first.chain[0]);
  const stuck = first.chain[0].ref;
  for (let i = 0; i < 5; i++) t.equal(balancer.route(trio, catalog.chainFor(trio), new Cooldowns(), session).chain[0].ref, stuck);
  const cooling = new Cooldowns();
  cooling.recordFailure(stuck.split('/')[0], 'connect_timeout');
  t.not(balancer.route(trio, catalog.chainFor(trio), cooling, session).chain[0].ref, stuck, 'its deployment cooling down, the conversation is routed anew');
  const byProvider = balancer.route(trio, catalog.chainFor(trio), new Cooldowns(), { provider: 'c' });
  t.equal(byProvider.chain[0].ref, 'c/m', 'the provider of the previous response goes first');
});

t.test('the sticky map keeps its newest entries, within its bound and age', async (t) => {
  let now = 0;
  const map = new StickyMap(3, 1000, () => now);
  for (const key of ['k1', 'k2', 'k3']) map.set(key, `${key}-ref`);
  t.equal(map.get('k1'), 'k1-ref', 'k1 used: now the newest');
  map.set('k4', 'k4-ref');
  t.equal(map.size, 3);
  t.equal(map.get('k2'), undefined, 'the least recently used went first');
  t.equal(map.get('k1'), 'k1-ref');
  now = 999;
  t.equal(map.get('k1'), 'k1-ref', 'used within its age: kept, and its age starts again');
  now = 1500;
  t.equal(map.get('k3'), undefined, 'idle past its age: gone');
  t.equal(map.get('k1'), 'k1-ref');
});
