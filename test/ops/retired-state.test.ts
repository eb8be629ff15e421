/** A reload retires the old state: its pools stay open while requests hold it, then close. */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { postJson, startRelay } from '../helpers/relay.js';
import { validateConfig } from '../../src/config/load.js';
import { RelayState } from '../../src/relay-state.js';

let mock: MockUpstream;
t.before(async () => {
  mock = await startMock('vllm');
});
t.teardown(() => mock.close());

const config = (timeoutSeconds = 30) => ({
  models: { mode: 'replace', providers: { v: { baseUrl: mock.baseUrl, timeoutSeconds, models: [{ id: 'slow-600' }, { id: 'quick' }] } } },
  agents: { defaults: { model: { primary: 'v/slow-600' } } },
});

t.test('the old pools close when the last request holding them ends', async (t) => {
  const relay = await startRelay(config());
  t.teardown(() => relay.close());
  const old = relay.app.relay.state;
  const pending = postJson(`${relay.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });
  // Wait until the upstream has the request, then reload.
  for (let i = 0; i < 100 && !(await mock.requests()).some((r) => r.method === 'POST'); i++) await new Promise((r) => setTimeout(r, 20));
  relay.app.relay.replace(validateConfig(config(), 'test', process.env));
  t.not(relay.app.relay.state, old, 'new requests get the new state');
  t.equal(old.closed, false, 'the old pools stay open while a request holds them');
  const answer = await pending;
  t.equal(answer.status, 200);
  for (let i = 0; i < 50 && !old.closed; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(old.closed, true, 'then they close');
});

t.test('a retired state nobody holds closes at once; a hold never released is bounded', async (t) => {
  const idle = new RelayState(validateConfig(config(), 'test', process.env));
  idle.retire();
  t.equal(idle.closed, true);
  const leaked = new RelayState(validateConfig(config(0.05), 'test', process.env)).hold();
  leaked.retire();
  t.equal(leaked.closed, false);
  const until = Date.now() + 5000;
  while (!leaked.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.equal(leaked.closed, true, 'closed after the longest chain walk of its config');
});
