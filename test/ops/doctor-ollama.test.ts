/** doctor on an Ollama provider: /api/tags, /api/show (window, capabilities), a one-token /api/chat, Ollama's own fixes. */
import t from 'tap';
import { startOllamaMock, type MockUpstream } from '../helpers/mock.js';
import { validateConfig } from '../../src/config/load.js';
import { formatDiagnosis, runDoctor } from '../../src/doctor.js';

let ollama: MockUpstream;
t.before(async () => {
  ollama = await startOllamaMock();
});
t.teardown(() => ollama.close());

const doctor = (providers: Record<string, unknown>, defaults: Record<string, unknown> = {}) =>
  runDoctor(validateConfig({ models: { mode: 'replace', providers }, agents: { defaults } }, 'test', {}));

t.test('every pulled model listed, the window and capabilities read from /api/show, a chat that works', async (t) => {
  const report = await doctor({ ollama: { baseUrl: ollama.url, api: 'ollama', models: [] } });
  const [d] = report.providers;
  t.match(d, { reachable: true, chatOk: true, apiWorks: 'ollama', contextWindow: 131072 });
  t.same(d.capabilities, ['tools']);
  t.ok(d.reported.includes('llama3.2:latest') && d.reported.includes('qwen3:latest'), d.reported.join());
  t.same(
    d.probes.map((p) => p.request.split(' (')[0]),
    [`GET ${ollama.url}/api/tags`, `POST ${ollama.url}/api/show`, `POST ${ollama.url}/api/chat`],
  );
  t.match(d.probes[1].outcome, /^200, context 131072; tools$/);
  const chat = (await ollama.requests()).find((r) => r.path === '/api/chat')!;
  t.match(chat.body, { model: 'llama3.2:latest', stream: false, options: { num_predict: 1 } });
  t.match(formatDiagnosis(d), /^ok {6}ollama \(ollama, http:\/\/127\.0\.0\.1:\d+\): \d+ models reported, context 131072/);
});

t.test('a configured model named without its ":latest" tag is one the server has', async (t) => {
  const [d] = (await doctor({ ollama: { baseUrl: ollama.url, api: 'ollama', models: [{ id: 'qwen3', contextWindow: 40960 }] } })).providers;
  t.match(d, { chatOk: true, capabilities: ['tools', 'thinking'] });
  t.same(d.problems, []);
});

t.test('a model not pulled: "ollama pull", not a cold start', async (t) => {
  const report = await doctor({ ollama: { baseUrl: ollama.url, api: 'ollama', models: [{ id: 'mistral' }] } });
  const [d] = report.providers;
  t.equal(d.chatOk, false);
  t.match(d.fixes.join('\n'), /pull it \(ollama pull mistral\)/);
  t.notMatch(d.fixes.join('\n'), /cold start: load it/);
});

t.test("the context guard goes by the window the server reports: no number written in the config", async (t) => {
  const report = await doctor({ ollama: { baseUrl: ollama.url, api: 'ollama', models: [{ id: 'gemma' }] } }, { contextGuard: { refuseBelow: 40000, warnBelow: 64000 } });
  const [d] = report.providers;
  t.match(d, { contextWindow: 32768, refused: true, chatOk: false });
  t.match(d.problems.join('\n'), /32768/);
});
