/**
 * `lmrelay spend` reads what a served lmrelay spent (the spend file it keeps beside its config),
 * and `doctor` warns about hosted models with no cost.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMock } from '../helpers/mock.js';
import { runCli, serve } from '../helpers/cli.js';
import { postJson, staticLookup } from '../helpers/relay.js';
import { validateConfig } from '../../src/config/load.js';
import { runDoctor, formatDoctorReport } from '../../src/doctor.js';

t.test('lmrelay spend prints the key, provider and model spend of the day and month, with budgets', async (t) => {
  const mock = await startMock('vllm');
  t.teardown(() => mock.close());
  const dir = mkdtempSync(join(tmpdir(), 'lmrelay-spend-cli-'));
  const file = join(dir, 'lmrelay.json5');
  const config = {
    server: { apiKeys: [{ key: 'sk-cli-spend-0123456789', name: 'bob', budget: { usd: 5, period: 'month' } }] },
    models: { providers: { paid: { baseUrl: mock.baseUrl, models: [{ id: 'm', cost: { input: 1000, output: 2000 } }] } } },
    agents: { defaults: { model: { primary: 'paid/m' } } },
  };
  writeFileSync(file, JSON.stringify(config));
  // Spend from the file: no Redis named by the environment.
  const { REDIS_URL: _redis, ...env } = process.env;
  const server = await serve(['-c', file], { env });
  let cost: number;
  try {
    const res = await postJson(`${server.url}/v1/chat/completions`, { model: 'paid/m', messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'Bearer sk-cli-spend-0123456789' });
    t.equal(res.status, 200);
    cost = Number(res.headers.get('x-lmrelay-cost'));
    t.ok(cost > 0);
  } finally {
    await server.stop();
  }
  t.ok(existsSync(join(dir, 'lmrelay-spend.json')), 'the spend file sits beside the config');
  const out = runCli(['spend', '-c', file], { env });
  t.equal(out.status, 0, out.stderr);
  const shown = `$${cost.toFixed(4)}`;
  t.match(out.stdout, new RegExp(`key:bob\\s+\\${shown} of \\$5`), 'key spend against its monthly budget');
  t.match(out.stdout, new RegExp(`provider:paid\\s+\\${shown}`));
  t.match(out.stdout, new RegExp(`model:paid/m\\s+\\${shown}`));
  const json = JSON.parse(runCli(['spend', '-c', file, '--json'], { env }).stdout);
  const month = Object.keys(json.periods).find((id) => id.startsWith('month:'))!;
  t.ok(Math.abs(json.periods[month]['key:bob'] - cost) < 1e-9, '--json holds the totals');
});

t.test('doctor warns about hosted models with no cost, not about local ones', async (t) => {
  const loaded = validateConfig(
    {
      models: {
        providers: {
          hosted: { baseUrl: 'https://api.hosted-llm.example/v1', apiKey: 'sk-hosted-0123456789abcdef', models: [{ id: 'priced', cost: { input: 1, output: 2 } }, { id: 'unpriced' }] },
          lan: { baseUrl: 'http://gpu.lan:8080/v1', models: [{ id: 'free' }] },
        },
      },
    },
    'test',
    {},
  );
  const report = await runDoctor(loaded, { lookup: staticLookup({}) });
  t.equal(report.warnings.length, 1, report.warnings.join('\n'));
  t.match(report.warnings[0], /hosted\/unpriced/);
  t.notMatch(report.warnings[0], /hosted\/priced|lan\/free/);
  t.match(formatDoctorReport(report), /warning: hosted models with no cost/);
});
