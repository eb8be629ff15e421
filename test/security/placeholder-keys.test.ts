/** Placeholder keys: the rule said in the message, placeholder words at any length, inbound keys judged by where lmrelay listens. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isPlaceholderKey } from '../../src/security/keys.js';
import { runCli, serve, MAIN } from '../helpers/cli.js';
import { TSX_IMPORT } from '../helpers/mock.js';

const dir = mkdtempSync(join(tmpdir(), 'lmrelay-keys-'));
const file = (name: string, config: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
};
const env = (extra: Record<string, string>) => ({ ...process.env, ...extra });

t.test('placeholder words count whatever their length; real-looking keys do not', async (t) => {
  for (const key of ['sk-test', 'sk-ant-change-me', 'change-me', 'CHANGE_ME_BEFORE_USE', '<your-api-key>', 'YOUR_API_KEY_HERE', 'sk-xxxxxxxxxxxxxxxxxxxx', 'xxx', 'test', 'sk-proj-your-key', 'replace-me-please', 'ollama-local', 'lmstudio', '', ' ', undefined]) {
    t.ok(isPlaceholderKey(key), `${JSON.stringify(key)} is a placeholder`);
  }
  for (const key of ['sk-proj-abcdefghijklmnopqrstuvwxyz', 'sk-ant-api03-Zx81kQp0aLm2Nn7', 'e3b0c44298fc1c149afbf4c8996fb924', 'k-123456789012']) {
    t.notOk(isPlaceholderKey(key), `${key} is not`);
  }
});

t.test('a hosted key read from the environment: the message says the rule, not "use ${ENV_NAME}"', async (t) => {
  const config = file('openai.json5', { models: { mode: 'replace', providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}', models: [{ id: 'gpt-5-mini' }] } } } });
  const out = runCli(['check', '--config', config], { env: env({ OPENAI_API_KEY: 'sk-test' }) });
  t.equal(out.status, 1);
  t.match(out.stderr, 'error: models.providers.openai.apiKey: api.openai.com is a public host and needs a real API key; the key (read from ${OPENAI_API_KEY}) looks like a placeholder (a real key has at least 12 characters and is not a placeholder word such as change-me, your-key, xxx or test)');
  t.notMatch(out.stderr, /\$\{ENV_NAME\}/);
  t.notMatch(out.stderr, /sk-test/, 'the key itself is never printed');
  const real = runCli(['check', '--config', config], { env: env({ OPENAI_API_KEY: 'sk-proj-Vq3kP0aLm2Nn7Rt5' }) });
  t.equal(real.status, 0, real.stderr);
});

t.test('a literal placeholder of any length on a hosted provider fails check', async (t) => {
  const config = file('anthropic.json5', {
    models: { mode: 'replace', providers: { anthropic: { baseUrl: 'https://api.anthropic.com/v1', apiKey: 'sk-ant-change-me', api: 'anthropic-messages', models: [{ id: 'claude-sonnet-4-5' }] } } },
  });
  const out = runCli(['check', '--config', config]);
  t.equal(out.status, 1);
  t.match(out.stderr, /the apiKey given looks like a placeholder \(a real key has at least 12 characters.*\); keep the real one in the environment and write apiKey: "\$\{ENV_NAME\}"/);
});

const inbound = (host: string, key = '${LMRELAY_API_KEY}') => ({ server: { host, apiKeys: [key] }, models: { mode: 'replace' } });

t.test('a placeholder inbound key: check warns on loopback, fails beyond it', async (t) => {
  const local = runCli(['check', '--config', file('inbound-local.json5', inbound('127.0.0.1'))], { env: env({ LMRELAY_API_KEY: 'change-me' }) });
  t.equal(local.status, 0, local.stderr);
  t.match(local.stdout, /warning: server\.apiKeys\[0\] \(read from \$\{LMRELAY_API_KEY\}\) looks like a placeholder \(a real key has at least 12 characters/);
  const exposed = runCli(['check', '--config', file('inbound-exposed.json5', inbound('0.0.0.0', 'change-me'))]);
  t.equal(exposed.status, 1);
  t.match(exposed.stderr, /error: server\.apiKeys\[0\] looks like a placeholder .*, and lmrelay listens on 0\.0\.0\.0, beyond this machine/);
  const named = runCli(['check', '--config', file('inbound-named.json5', inbound('::', { key: 'your-key', name: 'team' } as any))]);
  t.equal(named.status, 1);
  t.match(named.stderr, /error: server\.apiKeys\[0\]\.key looks like a placeholder/);
  const real = runCli(['check', '--config', file('inbound-real.json5', inbound('0.0.0.0', 'c0ffee-9f8e7d6c5b4a'))]);
  t.equal(real.status, 0, real.stderr);
});

t.test('serve refuses a placeholder inbound key on a non-loopback address, and warns on loopback', async (t) => {
  // 192.0.2.1 (TEST-NET-1) is never bound: the refusal comes first, and nothing listens beyond loopback.
  const config = file('serve.json5', inbound('127.0.0.1'));
  const refused = spawnSync(process.execPath, ['--import', TSX_IMPORT, MAIN, 'serve', '--config', config, '--host', '192.0.2.1', '--port', '0'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: env({ LMRELAY_API_KEY: 'change-me', LOG_FORMAT: 'json' }),
  });
  t.equal(refused.status, 1);
  t.match(refused.stderr, /^lmrelay: refusing to start: server\.apiKeys\[0\] \(read from \$\{LMRELAY_API_KEY\}\) looks like a placeholder .*lmrelay listens on 192\.0\.2\.1/m);
  const relay = await serve(['--config', config], { env: env({ LMRELAY_API_KEY: 'change-me' }) });
  t.teardown(() => relay.stop());
  t.match(relay.output(), /server\.apiKeys\[0\] \(read from \$\{LMRELAY_API_KEY\}\) looks like a placeholder.*fine on 127\.0\.0\.1/);
});
