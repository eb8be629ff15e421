/** lmrelay config set: round trips, merge, strict JSON, and refusing an invalid result. */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSON5 from 'json5';
import { runCli } from '../helpers/cli.js';
import { parseConfigPath } from '../../src/config/edit.js';

const dir = mkdtempSync(join(tmpdir(), 'lmrelay-set-'));
const file = join(dir, 'lmrelay.json5');
const read = () => JSON5.parse(readFileSync(file, 'utf8'));

t.test('paths', async (t) => {
  t.same(parseConfigPath('agents.defaults.models["local/m"].params'), ['agents', 'defaults', 'models', 'local/m', 'params']);
  t.same(parseConfigPath('models.providers.vllm.models[0].id'), ['models', 'providers', 'vllm', 'models', '0', 'id']);
});

t.test('set, merge, strict JSON, invalid refused', async (t) => {
  writeFileSync(file, `// my models\n{ models: { providers: { local: { baseUrl: "http://127.0.0.1:8000/v1", models: [{ id: "m" }] } } } }\n`);
  const primary = runCli(['config', 'set', 'agents.defaults.model.primary', 'local/m', '--config', file]);
  t.equal(primary.status, 0, primary.stderr);
  t.match(primary.stdout, /comments.*dropped/);
  t.equal(read().agents.defaults.model.primary, 'local/m');

  const a = runCli(['config', 'set', 'agents.defaults.models', '{"local/m":{"alias":"Local"}}', '--strict-json', '--merge', '--config', file]);
  t.equal(a.status, 0, a.stderr);
  const b = runCli(['config', 'set', 'agents.defaults.models', '{"local/m":{"params":{"extra_body":{"tool_choice":"required"}}}}', '--strict-json', '--merge', '--config', file]);
  t.equal(b.status, 0, b.stderr);
  t.same(read().agents.defaults.models['local/m'], { alias: 'Local', params: { extra_body: { tool_choice: 'required' } } }, 'merged, not replaced');

  const timeout = runCli(['config', 'set', 'models.providers.local.timeoutSeconds', '30', '--config', file]);
  t.equal(timeout.status, 0);
  t.equal(read().models.providers.local.timeoutSeconds, 30, 'a number stays a number');

  const before = readFileSync(file, 'utf8');
  const invalid = runCli(['config', 'set', 'models.providers.local.timeoutSeconds', '"soon"', '--config', file]);
  t.not(invalid.status, 0);
  t.match(invalid.stderr, /models\.providers\.local\.timeoutSeconds: expected number/);
  t.equal(readFileSync(file, 'utf8'), before, 'an invalid result is not written');

  const notJson = runCli(['config', 'set', 'agents.defaults.models', "{local: 1}", '--strict-json', '--config', file]);
  t.not(notJson.status, 0);
  t.match(notJson.stderr, /--strict-json: value is not JSON/);
  const check = runCli(['check', '--config', file]);
  t.equal(check.status, 0, 'the edited file is valid for check');
});
