/**
 * WebSocket mode of /v1/responses (Open Responses spec, "WebSocket Transport"): `response.create`
 * turns answered with the streaming events of HTTP, one turn at a time per connection,
 * connection-local continuation (store:false too), eviction after a failed continuation, the
 * error envelope, the connection limit, keys and limits on the upgrade and on every turn, and a
 * closed socket cancelling its upstream call. Every message is checked against the OpenAPI document.
 */
import t from 'tap';
import WebSocket from 'ws';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, type RelayUnderTest } from '../helpers/relay.js';
import { checkWebSocketMessage } from '../helpers/open-responses.js';

const KEY = 'lmr-ws-key-1';
const OTHER = 'lmr-ws-key-2';
const THIRD = 'lmr-ws-key-3';
let vllm: MockUpstream;
let relay: RelayUnderTest;

t.before(async () => {
  vllm = await startMock('vllm', ['--only', 'chat']);
  relay = await startRelay({
    server: { apiKeys: [KEY, { key: OTHER, name: 'limited', rpm: 3 }, THIRD], websocketConnectionLimitSeconds: 600 },
    models: { providers: { local: { baseUrl: vllm.baseUrl, models: [] } } },
  });
});
t.teardown(async () => {
  await relay.close();
  await vllm.close();
});

const weather = { type: 'function', name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };

/** A connected client that collects messages and can wait for the end of a turn. */
class Client {
  readonly messages: any[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const value = JSON.parse(data.toString());
      const problem = checkWebSocketMessage(value);
      if (problem) throw new Error(problem);
      this.messages.push(value);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  static open(relay: RelayUnderTest, key = KEY, url = `${relay.url.replace('http', 'ws')}/v1/responses`): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(value: unknown) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Waits until `count` messages ending a turn (terminal event or error) have arrived since `from`. */
  async turns(count: number, from = 0, ms = 15_000): Promise<any[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const seen = this.messages.slice(from);
      if (seen.filter(endsTurn).length >= count || this.closed) return seen;
      if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${count} turn(s); got ${JSON.stringify(seen.map((m) => m.type))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  close() {
    this.ws.close();
  }
}

const endsTurn = (m: any) => m.type === 'error' || m.type === 'response.completed' || m.type === 'response.incomplete' || m.type === 'response.failed';
const final = (messages: any[]) => messages.find((m) => m.type === 'response.completed' || m.type === 'response.incomplete')?.response;
const chatCalls = async () => (await vllm.requests()).filter((r) => r.path === '/v1/chat/completions');

t.test('a tool turn continued with previous_response_id, store:false, on one connection', async (t) => {
  await vllm.reset();
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/tool', store: false, instructions: 'Be brief.', input: 'Weather in Paris?', tools: [weather] });
  const first = await client.turns(1);
  t.same(first.slice(0, 2).map((m) => m.type), ['response.created', 'response.in_progress'], 'the events of a streamed HTTP request, in order');
  t.same(first.map((m) => m.sequence_number), first.map((_, i) => i), 'sequence numbers rise from 0');
  const one = final(first);
  const call = one.output.find((o: any) => o.type === 'function_call');
  t.match(call, { name: 'weather' }, 'the model called the tool');

  const from = client.messages.length;
  client.send({
    type: 'response.create',
    model: 'local/tool',
    store: false,
    previous_response_id: one.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' }],
    tools: [weather],
  });
  const second = await client.turns(1, from);
  const two = final(second);
  t.equal(two.status, 'completed');
  t.match(two.output.at(-1).content[0].text, /Tool said: sunny, 21C/, 'the answer used the tool output');
  t.equal(two.previous_response_id, one.id, 'the Response names the one it continued');
  t.ok(second.filter((m) => m.response).every((m) => m.response.previous_response_id === one.id), 'in every lifecycle event');

  const [, continued] = await chatCalls();
  const roles = continued.body.messages.map((m: any) => m.role);
  t.same(roles, ['user', 'assistant', 'tool'], 'the server saw the whole conversation: question, tool call, tool output');
  t.equal(continued.body.messages[1].tool_calls[0].function.name, 'weather');
  t.notOk(JSON.stringify(continued.body).includes('Be brief.'), "the earlier turn's instructions are not carried over (as on OpenAI's API)");
  const lines = relay.logs.filter((l) => l.msg === 'request completed' && l.route === '/v1/responses' && l.model === 'local/tool');
  t.same(lines.slice(-2).map((l) => [l.status, l.stream]), [[200, true], [200, true]], 'each turn has its access line, as a streamed 200');
});

t.test('a continuation that fails forgets the response it continued', async (t) => {
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/m', store: false, input: 'Hello' });
  const one = final(await client.turns(1));
  t.ok(one?.id, 'first turn answered');

  let from = client.messages.length;
  client.send({ type: 'response.create', model: 'local/status-500', store: false, previous_response_id: one.id, input: 'Again' });
  const failed = (await client.turns(1, from)).at(-1);
  t.equal(failed.type, 'error', 'the failed turn ends with an error envelope');
  t.equal(failed.status, 502, 'with the status an HTTP client would get');

  from = client.messages.length;
  client.send({ type: 'response.create', model: 'local/m', store: false, previous_response_id: one.id, input: 'Once more' });
  const gone = (await client.turns(1, from)).at(-1);
  t.match(gone, { type: 'error', status: 400, error: { code: 'previous_response_not_found', param: 'previous_response_id' } }, 'the evicted response cannot be continued');
  t.notOk(client.closed, 'errors do not close the connection');
});

t.test('an unknown previous_response_id with store:false is previous_response_not_found', async (t) => {
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  for (const id of ['resp_nope', 'resp_%2e%2e%2F', 'ÿ'.repeat(5000)]) {
    const from = client.messages.length;
    client.send({ type: 'response.create', model: 'local/m', store: false, previous_response_id: id, input: 'Hi' });
    const [error] = await client.turns(1, from);
    t.match(error, { type: 'error', status: 400, error: { code: 'previous_response_not_found' } });
    t.ok(error.error.message.length < 300, 'a long id is not echoed whole');
  }
});

t.test('bad messages get an error envelope and the connection goes on', async (t) => {
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  const cases: Array<[unknown, string, string | null]> = [
    ['not json', 'invalid_json', null],
    ['[1,2]', 'invalid_type', null],
    [{ type: 'response.cancel' }, 'invalid_value', 'type'],
    [{ model: 'local/m', input: 'hi' }, 'invalid_value', 'type'],
    [{ type: 'response.create', model: 'local/m', input: 'hi', background: true }, 'unsupported_parameter', 'background'],
    [{ type: 'response.create', model: 'local/m', input: 'hi', temperature: 'hot' }, 'invalid_type', 'temperature'],
    [{ type: 'response.create', model: 'nowhere/m', input: 'hi' }, 'model_not_found', 'model'],
  ];
  for (const [message, code, param] of cases) {
    const from = client.messages.length;
    client.send(message);
    const [error] = await client.turns(1, from);
    t.match(error, { type: 'error', status: code === 'model_not_found' ? 404 : 400, error: { code } }, `${JSON.stringify(message)} -> ${code}`);
    if (param) t.equal(error.error.param, param);
  }
  const from = client.messages.length;
  client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  t.match((await client.turns(1, from))[0], { type: 'error', error: { code: 'invalid_type' } }, 'a binary message is refused');
  const after = client.messages.length;
  client.send({ type: 'response.create', model: 'local/m', input: 'still there?' });
  t.equal(final(await client.turns(1, after))?.status, 'completed', 'a good turn still works after all of them');
});

t.test("HTTP's streaming fields, which real clients send anyway, are ignored: the socket streams", async (t) => {
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/m', input: 'hi', stream: false, stream_options: { include_obfuscation: false }, background: false });
  const events = await client.turns(1);
  t.same(events.slice(0, 2).map((m) => m.type), ['response.created', 'response.in_progress'], 'streamed as events all the same');
  t.equal(final(events)?.status, 'completed');
});

t.test('generate:false warms the connection: no model runs, and the next turn continues from it', async (t) => {
  await vllm.reset();
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/m', generate: false, instructions: 'Sys.', input: [{ type: 'message', role: 'developer', content: 'Project rules: be kind.' }], tools: [weather] });
  const warm = await client.turns(1);
  t.same(warm.map((m) => m.type), ['response.created', 'response.completed']);
  const warmed = final(warm);
  t.same([warmed.output, warmed.usage.total_tokens], [[], 0], 'no output, no tokens');
  t.equal((await chatCalls()).length, 0, 'no model call');
  const from = client.messages.length;
  client.send({ type: 'response.create', model: 'local/m', previous_response_id: warmed.id, instructions: 'Sys.', input: 'Hello', tools: [weather] });
  t.equal(final(await client.turns(1, from))?.status, 'completed');
  const [call] = await chatCalls();
  t.same(call.body.messages.map((m: any) => m.role), ['system', 'developer', 'user'], 'the warm-up input, then the new one');
});

t.test('a stored response is continued from another connection', async (t) => {
  const a = await Client.open(relay);
  client_teardown(t, a);
  a.send({ type: 'response.create', model: 'local/m', input: 'Remember: heron.' });
  const first = final(await a.turns(1));
  t.equal(first.store, true, 'kept (store defaults to true)');
  a.close();
  const b = await Client.open(relay);
  client_teardown(t, b);
  await vllm.reset();
  b.send({ type: 'response.create', model: 'local/m', previous_response_id: first.id, input: 'What was it?' });
  const second = final(await b.turns(1));
  t.equal(second.previous_response_id, first.id);
  const [call] = await chatCalls();
  t.match(JSON.stringify(call.body.messages), /Remember: heron\.[\s\S]*What was it\?/, 'the stored conversation was replayed on the new connection');
  const other = await Client.open(relay, THIRD);
  client_teardown(t, other);
  other.send({ type: 'response.create', model: 'local/m', previous_response_id: first.id, input: 'Mine?' });
  t.match((await other.turns(1))[0], { type: 'error', status: 400, error: { code: 'previous_response_not_found' } }, "another key cannot continue it");
});

const client_teardown = (t: any, c: Client) => t.teardown(() => c.close());

t.test('turns sent together run one after the other', async (t) => {
  const client = await Client.open(relay);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/m', store: false, input: 'first' });
  client.send({ type: 'response.create', model: 'local/m', store: false, input: 'second' });
  const all = await client.turns(2);
  const created = all.map((m, i) => (m.type === 'response.created' ? i : -1)).filter((i) => i >= 0);
  const completed = all.map((m, i) => (m.type === 'response.completed' ? i : -1)).filter((i) => i >= 0);
  t.equal(created.length, 2);
  t.ok(completed[0] < created[1], 'the second turn starts after the first has completed');
  t.equal(all[created[1]].sequence_number, 0, "each turn's sequence starts at 0");
});

t.test('keys: the upgrade needs one, and each turn counts against its limit', async (t) => {
  const refused = await Client.open(relay, 'wrong-key').catch((err) => err);
  t.equal(refused.status, 401, 'a wrong key is refused before the upgrade');
  t.match(JSON.parse(refused.body), { error: { code: 'invalid_api_key' } }, "in OpenAI's error shape");
  for (const path of ['/v1/Responses', '/v1//responses', '/v1/%72esponses', '/V1/responses']) {
    const spelled = await Client.open(relay, 'wrong-key', `${relay.url.replace('http', 'ws')}${path}`).catch((err) => err);
    t.ok(spelled.status === 401 || spelled.status === 404, `${path}: never upgraded without a key (${spelled.status})`);
  }

  // rpm 3: the upgrade is one request, then two turns; the third turn is over the limit.
  const client = await Client.open(relay, OTHER);
  t.teardown(() => client.close());
  client.send({ type: 'response.create', model: 'local/m', input: 'one' });
  client.send({ type: 'response.create', model: 'local/m', input: 'two' });
  client.send({ type: 'response.create', model: 'local/m', input: 'three' });
  const all = await client.turns(3);
  t.same(all.filter(endsTurn).map((m) => m.type), ['response.completed', 'response.completed', 'error']);
  t.match(all.at(-1), { status: 429, error: { code: 'rate_limit_exceeded' } }, 'the limit of HTTP, on a turn');
});

t.test('a connection past its time limit is told so and closed', async (t) => {
  const short = await startRelay({
    server: { websocketConnectionLimitSeconds: 0.5 },
    models: { providers: { local: { baseUrl: vllm.baseUrl, models: [] } } },
  });
  t.teardown(() => short.close());
  const client = await Client.open(short);
  const [error] = await client.turns(1, 0, 5000);
  t.match(error, { type: 'error', status: 400, error: { code: 'websocket_connection_limit_reached' } });
  await client.turns(2, 0, 2000);
  t.equal(client.closed?.code, 1000, 'then the connection is closed cleanly');
});

t.test('closing the socket mid-turn cancels the upstream call', async (t) => {
  await vllm.reset();
  const client = await Client.open(relay);
  client.send({ type: 'response.create', model: 'local/stall-after-2', input: 'go' });
  const deadline = Date.now() + 10_000;
  while (!client.messages.some((m) => m.type === 'response.output_text.delta') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(client.messages.some((m) => m.type === 'response.output_text.delta'), 'the turn was streaming');
  client.ws.terminate();
  let aborted = 0;
  while (aborted === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    aborted = await vllm.aborted();
  }
  t.equal(aborted, 1, 'the upstream saw its request cancelled');
  const logged = relay.logs.filter((l) => l.msg === 'request completed' && l.route === '/v1/responses' && l.model === 'local/stall-after-2');
  t.equal(logged.at(-1)?.status, 499, 'the turn is logged as cut by the client');
});

t.test('a GET without the upgrade says how the resource is used', async (t) => {
  const res = await fetch(`${relay.url}/v1/responses`, { headers: { authorization: `Bearer ${KEY}` } });
  t.equal(res.status, 426, 'Upgrade Required');
  t.equal(res.headers.get('upgrade'), 'websocket');
  const body = await res.json();
  t.equal(body.error.code, 'upgrade_required');
  t.match(body.error.message, /WebSocket/);
});
