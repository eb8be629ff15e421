/**
 * No Docker engine runs here: the compose file is parsed and checked, and the image's entry
 * command is run as it would run in the container (with the example config it ships).
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { closedPort, stop } from '../helpers/mock.js';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

t.test('docker-compose.yml: relay service with port, config volume, host gateway and healthcheck', async (t) => {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'));
  const relay = compose.services.lmrelay;
  t.ok(relay, 'lmrelay service');
  t.ok(relay.ports.includes('4000:4000'));
  t.ok(relay.volumes.some((v: string) => v.endsWith(':/etc/lmrelay/lmrelay.json5:ro')));
  t.ok(relay.extra_hosts.includes('host.docker.internal:host-gateway'));
  t.match(relay.healthcheck.test.join(' '), /healthz/);
  t.ok(compose.services.vllm, 'an example model server beside it');
});

t.test('Dockerfile: multi-stage, non-root, healthcheck, config path; its config is valid', async (t) => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  t.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2, 'two stages');
  t.match(dockerfile, /^FROM node:22-slim/m);
  t.match(dockerfile, /npm ci --omit=dev/);
  t.match(dockerfile, /^USER node$/m);
  t.match(dockerfile, /^HEALTHCHECK .*\n.*healthz/m);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  t.same(cmd.slice(0, 2), ['node', 'bin/lmrelay.js']);
  const configPath = cmd[cmd.indexOf('--config') + 1];
  t.equal(configPath, '/etc/lmrelay/lmrelay.json5');
  const shipped = /^COPY (\S+) \/etc\/lmrelay\/lmrelay\.json5$/m.exec(dockerfile)![1];
  const check = runCli(['check', '--config', `${root}${shipped}`], { env: { ...process.env, LMRELAY_API_KEY: 'k-123456789012' } });
  t.equal(check.status, 0, check.stderr);
  for (const copied of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '))) {
    t.ok(existsSync(`${root}${copied}`), `${copied} exists`);
  }
});

const built = existsSync(`${root}dist/src/main.js`);
t.test("the image's entry command starts lmrelay and answers /healthz", { skip: built ? false : 'dist/ is not built (npm install builds it); the entry command runs the compiled CLI' }, async (t) => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  const port = await closedPort();
  // As in the container, but on loopback, a free port, and the config file the image ships.
  const args = cmd.slice(1).map((a, i, all) =>
    all[i - 1] === '--config' ? `${root}deploy/lmrelay.example.json5` : all[i - 1] === '--host' ? '127.0.0.1' : all[i - 1] === '--port' ? String(port) : a,
  );
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, LMRELAY_API_KEY: 'k-123456789012', LOG_FORMAT: 'json' }, stdio: 'ignore' });
  t.teardown(() => stop(child));
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
  }
  t.equal(status, 200);
  t.equal((await fetch(`http://127.0.0.1:${port}/v1/models`)).status, 401, 'the example config asks for keys');
});

t.test('the Grafana dashboard queries only metrics lmrelay exports', async (t) => {
  const { startRelay } = await import('../helpers/relay.js');
  const relay = await startRelay({ models: { providers: {} } });
  const exported = await (await fetch(`${relay.url}/metrics`)).text();
  await relay.close();
  const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana-dashboard.json`, 'utf8'));
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const names = [...target.expr.matchAll(/\b((?:lmrelay|process|nodejs)_[a-z_]+?)(?:_bucket)?\b(?=[[{(\s)]|$)/g)].map((m: RegExpMatchArray) => m[1]);
      for (const name of names) t.match(exported, new RegExp(`# TYPE ${name} `), `${panel.title}: ${name}`);
    }
  }
});

t.test('fleet: compose profile with 2 replicas, Redis and a load balancer; Kubernetes example', async (t) => {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'));
  const fleet = Object.entries(compose.services as Record<string, any>).filter(([, s]) => s.profiles?.includes('fleet'));
  t.same(fleet.map(([name]) => name).sort(), ['lb', 'redis', 'relay']);
  t.equal(compose.services.relay.deploy.replicas, 2);
  t.match(compose.services.relay.environment.REDIS_URL, /^redis:\/\/redis:6379$/);
  t.ok(existsSync(`${root}deploy/nginx-fleet.conf`));
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(readFileSync(`${root}deploy/kubernetes/lmrelay.yaml`, 'utf8')).map((d) => d.toJSON());
  const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
  for (const want of ['ConfigMap/lmrelay-config', 'Secret/lmrelay-keys', 'Deployment/lmrelay', 'Service/lmrelay']) t.ok(kinds.includes(want), want);
  const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'lmrelay');
  t.equal(deployment.spec.template.spec.containers[0].readinessProbe.httpGet.path, '/readyz');
  const config = docs.find((d) => d.kind === 'ConfigMap').data['lmrelay.json5'];
  const { validateConfig } = await import('../../src/config/load.js');
  const JSON5 = (await import('json5')).default;
  t.doesNotThrow(() => validateConfig(JSON5.parse(config), 'configmap', { LMRELAY_API_KEY: 'k-123456789012', REDIS_URL: 'redis://r:6379', ANTHROPIC_API_KEY: 'sk-ant-0123456789abcdef' }), 'the ConfigMap config is valid');
});
