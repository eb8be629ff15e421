/** models.mode: "merge" (default) keeps the built-in local servers beside the file's providers; "replace" uses the file alone. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, ConfigError } from '../../src/config/load.js';
import { runCli, serve } from '../helpers/cli.js';
import { postJson } from '../helpers/relay.js';

const providersOf = (text: string) =>
  [...parseConfigText(text, 'test', {}).catalog.providers.values()].map((p) => `${p.id}${p.builtin ? ' (built-in)' : ''}`);

t.test('a file with no providers keeps the local servers', async (t) => {
  t.same(providersOf('{ server: { port: 4951 } }'), ['lmstudio (built-in)', 'ollama (built-in)', 'vllm (built-in)', 'llamacpp (built-in)']);
  t.same(providersOf('{ models: { mode: "replace" } }'), []);
});

t.test('merge adds only the servers the file does not already name or use', async (t) => {
  t.same(
    providersOf(`{ models: { providers: {
      local: { baseUrl: "http://localhost:8080/v1", models: [{ id: "m" }] },
      vllm: { baseUrl: "http://192.168.1.20:8000/v1", request: { allowPrivateNetwork: true }, models: [] },
    } } }`),
    ['local', 'vllm', 'lmstudio (built-in)', 'ollama (built-in)'],
  );
  t.same(providersOf(`{ models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:8080/v1", models: [] } } } }`), ['local']);
});

t.test('refs may name a built-in server in merge mode only', async (t) => {
  const text = (mode: string) => `{ models: { mode: "${mode}", providers: { a: { baseUrl: "http://127.0.0.1:9/v1", models: [{ id: "m" }] } } },
    agents: { defaults: { model: { primary: "a/m", fallbacks: ["ollama/llama3.2"] } } } }`;
  const { catalog } = parseConfigText(text('merge'), 'test', {});
  t.same(catalog.chainFor(catalog.resolve('a/m')!).map((x) => x.ref), ['a/m', 'ollama/llama3.2']);
  t.throws(() => parseConfigText(text('replace'), 'test', {}), ConfigError);
});

t.test('the CLI after `config set` in an empty folder: check and models list name the local servers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-mode-'));
  const set = runCli(['config', 'set', 'server.port', '4951'], { cwd: dir });
  t.equal(set.status, 0, set.stderr);
  const check = runCli(['check'], { cwd: dir });
  t.equal(check.status, 0, check.stderr);
  t.match(check.stdout, /valid \(0 providers, 0 models\); models\.mode "merge" also lists what these local servers report: lmstudio http:\/\/127\.0\.0\.1:1234, ollama http:\/\/127\.0\.0\.1:11434, vllm http:\/\/127\.0\.0\.1:8000, llamacpp http:\/\/127\.0\.0\.1:8080/);
  const list = runCli(['models', 'list'], { cwd: dir });
  t.match(list.stdout, /^llamacpp\/\*\tany model the server at http:\/\/127\.0\.0\.1:8080\/v1 reports \(built-in/m);
});

t.test('serving nothing: a warning at start, and `default` says where lmrelay looked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-nothing-'));
  writeFileSync(join(dir, 'lmrelay.json5'), '{ server: { port: 4951 } }');
  const relay = await serve([], { cwd: dir });
  t.teardown(() => relay.stop());
  await relay.waitForLog(/no models to serve/);
  t.match(relay.output(), /no models to serve: .*lmrelay\.json5 configures none, and no model server reports one at lmstudio \(http:\/\/127\.0\.0\.1:1234\/v1\), ollama .*llamacpp \(http:\/\/127\.0\.0\.1:8080\/v1\): start a model server there, or add models\.providers/);
  const res = await postJson(`${relay.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] });
  t.equal(res.status, 404);
  t.match(res.json.error.message, /no model server was found: lmrelay looked at lmstudio \(http:\/\/127\.0\.0\.1:1234\/v1\), ollama \(http:\/\/127\.0\.0\.1:11434\), vllm \(http:\/\/127\.0\.0\.1:8000\/v1\), llamacpp \(http:\/\/127\.0\.0\.1:8080\/v1\)/);
});
