/**
 * A model with deployments over real mock upstreams: the split follows the weights (counted by
 * what each upstream received), an upstream killed mid-run loses no request, and a conversation
 * stays on one deployment (x-lmrelay-session, or the Responses previous_response_id chain) until
 * that deployment fails, then stays where it moved. Clients: the openai SDK and raw HTTP.
 */
import t, { type Test } from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { rawRequest } from '../helpers/raw-http.js';

interface Setup {
  mocks: MockUpstream[];
  relay: RelayUnderTest;
  refs: string[];
}

const PROVIDER_IDS = ['boxa', 'boxb', 'boxc'];

/** `weights.length` mock upstreams, each serving `model`, behind the model `qwen`. */
async function setup(t: Test, weights: number[], model = 'm'): Promise<Setup> {
  const mocks = await Promise.all(weights.map(() => startMock('vllm')));
  const ids = PROVIDER_IDS.slice(0, weights.length);
  const providers = Object.fromEntries(ids.map((id, i) => [id, { baseUrl: mocks[i].baseUrl, apiKey: `${id}-key`, models: [{ id: model }] }]));
  const refs = ids.map((id) => `${id}/${model}`);
  const relay = await startRelay({
    models: { mode: 'replace', providers },
    agents: { defaults: { models: { qwen: { alias: 'Qwen', deployments: refs.map((model, i) => ({ model, weight: weights[i] })) } } } },
  });
  t.teardown(async () => {
    await relay.close();
    await Promise.all(mocks.map((m) => m.close()));
  });
  return { mocks, relay, refs };
}

const chatCount = async (mock: MockUpstream) => (await mock.requests()).filter((r) => r.path === '/v1/chat/completions').length;

/** Runs `count` calls of `fn`, at most `concurrency` at once. */
async function runBounded<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

async function metricLines(relay: RelayUnderTest, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const lines = new Map<string, number>();
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`)) lines.set(line.slice(name.length, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
  return lines;
}

const ask = (relay: RelayUnderTest, headers: Record<string, string> = {}, model = 'qwen') =>
  postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, headers);

t.test('1,000 requests over weights 1:3 split as the weights, by what each upstream received', async (t) => {
  // Each upstream takes 25 ms an answer, as a model server takes its time: the machine's other
  // load then slows neither more than the other, and the split shows the weights alone.
  const { mocks, relay, refs } = await setup(t, [1, 3], 'slow-25');
  const expected = 'Hello from vllm slow-25';
  const answers = await runBounded(1000, 20, async (i) => {
    if (i % 2 === 0) {
      const res = await ask(relay);
      return { status: res.status, text: res.json?.choices?.[0]?.message?.content, ref: res.headers.get('x-lmrelay-model') };
    }
    if (i % 10 === 1) {
      // Streams hold their deployment until their last byte.
      const { data: stream, response } = await relay.client.chat.completions.create({ model: 'Qwen', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      return { status: response.status, text, ref: response.headers.get('x-lmrelay-model') };
    }
    const { data, response } = await relay.client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    return { status: response.status, text: data.choices[0].message.content, ref: response.headers.get('x-lmrelay-model') };
  });
  t.same(answers.filter((a) => a.status !== 200 || a.text !== expected), [], 'every request answered 200 with the answer');
  const answeredBy = answers.map((a) => a.ref);
  const [a, b] = await Promise.all(mocks.map(chatCount));
  t.equal(a + b, 1000, 'each request reached one upstream once');
  t.ok(Math.abs(a - 250) <= 25, `boxa received ${a} of 1000, within 10% of 250`);
  t.ok(Math.abs(b - 750) <= 75, `boxb received ${b} of 1000, within 10% of 750`);
  t.equal(answeredBy.filter((ref) => ref === refs[0]).length, a, 'x-lmrelay-model names the deployment that answered');

  const picks = await metricLines(relay, 'lmrelay_deployment_picks_total');
  t.equal(picks.get('{model="qwen",deployment="boxa/slow-25",reason="balanced"}'), a);
  t.equal(picks.get('{model="qwen",deployment="boxb/slow-25",reason="balanced"}'), b);
  const outstanding = await metricLines(relay, 'lmrelay_deployment_outstanding');
  t.same(Object.fromEntries(outstanding), { '{deployment="boxa/slow-25"}': 0, '{deployment="boxb/slow-25"}': 0 }, 'nothing left outstanding once every answer ended');

  const models = (await relay.client.models.list()).data.map((m) => [m.id, m.owned_by]);
  t.same(models.find(([id]) => id === 'qwen'), ['qwen', 'lmrelay'], '/v1/models lists the model by its name');
});

t.test('an upstream killed mid-run loses no request: the other deployment answers', async (t) => {
  const { mocks, relay, refs } = await setup(t, [1, 1]);
  let done = 0;
  let killed: Promise<void> | undefined;
  const answers = await runBounded(400, 20, async (i) => {
    const res = i % 2 ? await ask(relay) : await relay.client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    if (++done === 100) killed = mocks[1].close();
    if ('status' in res) return { status: res.status, text: res.json?.choices?.[0]?.message?.content, ref: res.headers.get('x-lmrelay-model'), i };
    return { status: res.response.status, text: res.data.choices[0].message.content, ref: res.response.headers.get('x-lmrelay-model'), i };
  });
  await killed;
  t.same(
    answers.filter((a) => a.status !== 200 || a.text !== 'Hello from vllm m'),
    [],
    'every request answered 200 with the answer',
  );
  t.ok(answers.slice(0, 50).some((a) => a.ref === refs[1]), 'boxb answered before it was killed');
  t.ok(
    answers.slice(300).every((a) => a.ref === refs[0]),
    'after it died, boxa answered',
  );
  const outstanding = await metricLines(relay, 'lmrelay_deployment_outstanding');
  t.same([...outstanding.values()], [0, 0], 'nothing left outstanding');
});

t.test('x-lmrelay-session keeps a conversation on one deployment until it fails, then where it moved', async (t) => {
  const { mocks, relay, refs } = await setup(t, [1, 1, 1]);
  const unkeyed = new Set<string | null>();
  for (let i = 0; i < 6; i++) unkeyed.add((await ask(relay)).headers.get('x-lmrelay-model'));
  t.ok(unkeyed.size > 1, 'without a session, requests go to several deployments');

  // The openai SDK, with the header on the client.
  const session = { 'x-lmrelay-session': 'conversation-1' };
  const viaSdk: (string | null)[] = [];
  for (let i = 0; i < 8; i++) {
    const { response } = await relay.client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: `turn ${i}` }] }, { headers: session }).withResponse();
    viaSdk.push(response.headers.get('x-lmrelay-model'));
  }
  const first = viaSdk[0]!;
  t.same(new Set(viaSdk), new Set([first]), `eight turns on ${first}`);
  const other = await ask(relay, { 'x-lmrelay-session': 'conversation-2' });
  t.equal(other.status, 200, 'another session is picked on its own');

  // Raw HTTP, with session values a client might send: very long, and not ASCII.
  const body = JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }] });
  for (const value of ['x'.repeat(8000), 'sessión-ü-日本']) {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(relay.url, 'POST', '/v1/chat/completions', { 'x-lmrelay-session': value }, body);
      t.equal(res.status, 200);
      seen.add(/x-lmrelay-model: (.*)/i.exec(res.head)![1].trim());
    }
    t.equal(seen.size, 1, `a session of ${value.length} characters stays on one deployment`);
  }

  // Its deployment dies: the conversation moves, and stays where it moved.
  await mocks[refs.indexOf(first)].close();
  const moved: (string | null)[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await ask(relay, session);
    t.equal(res.status, 200);
    moved.push(res.headers.get('x-lmrelay-model'));
  }
  t.not(moved[0], first, 'moved off the dead deployment');
  t.same(new Set(moved), new Set([moved[0]]), `then stayed on ${moved[0]}`);

  const picks = await metricLines(relay, 'lmrelay_deployment_picks_total');
  const sticky = [...picks].filter(([labels]) => labels.includes('reason="sticky"')).reduce((sum, [, n]) => sum + n, 0);
  t.ok(sticky >= 7 + 8 + 5, `sticky picks are counted (${sticky})`);
});

t.test('previous_response_id keeps a Responses chain on the deployment that answered it, until it fails', async (t) => {
  const { mocks, relay, refs } = await setup(t, [1, 1, 1]);
  const turn = async (input: string, previous?: string) => {
    const { data, response } = await relay.client.responses.create({ model: 'qwen', input, previous_response_id: previous }).withResponse();
    t.equal(data.output_text, 'Hello from vllm m');
    return { id: data.id, ref: response.headers.get('x-lmrelay-model')! };
  };
  const chain = [await turn('My name is Ada.')];
  for (let i = 0; i < 5; i++) chain.push(await turn(`turn ${i}`, chain.at(-1)!.id));
  const first = chain[0].ref;
  t.same(new Set(chain.map((c) => c.ref)), new Set([first]), `six turns on ${first}`);
  const fresh = new Set<string>();
  for (let i = 0; i < 3; i++) fresh.add((await turn('a new conversation')).ref);
  t.ok(fresh.size > 1, 'new conversations still spread');

  await mocks[refs.indexOf(first)].close();
  const after = [await turn('still there?', chain.at(-1)!.id)];
  for (let i = 0; i < 4; i++) after.push(await turn(`after ${i}`, after.at(-1)!.id));
  t.not(after[0].ref, first, 'moved off the dead deployment');
  t.same(new Set(after.map((c) => c.ref)), new Set([after[0].ref]), `then stayed on ${after[0].ref}`);
});
