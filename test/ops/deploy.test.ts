/**
 * No Docker engine runs here: the compose files are parsed and checked, and the image's entry
 * command is run as it would run in the container (with the config it ships).
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { closedPort, stop } from '../helpers/mock.js';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { serverSchema } from '../../src/config/schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');
const defaults = serverSchema.parse({});
/** Compose durations as seconds: "40s", "1m30s". */
const seconds = (value: string) => [...value.matchAll(/(\d+)(h|m|s)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);

t.test('docker-compose.yml: lmrelay beside a model server, with port, config volume, host gateway, healthcheck and time to drain', async (t) => {
  const compose = parse(read('docker-compose.yml'));
  t.same(Object.keys(compose.services).sort(), ['lmrelay', 'vllm'], 'the single setup only: the fleet has its own file');
  const relay = compose.services.lmrelay;
  t.ok(relay.ports.includes('4000:4000'));
  t.ok(relay.volumes.some((v: string) => v.endsWith(':/etc/lmrelay/lmrelay.json5:ro')));
  t.ok(relay.extra_hosts.includes('host.docker.internal:host-gateway'));
  t.match(relay.healthcheck.test.join(' '), /healthz/);
  t.ok(seconds(relay.stop_grace_period) > defaults.shutdownGraceSeconds, `stop_grace_period ${relay.stop_grace_period} outlasts the ${defaults.shutdownGraceSeconds}s drain`);
  t.match(relay.environment.LMRELAY_API_KEY, /^\$\{LMRELAY_API_KEY:\?/, 'the published port never runs on a default key');
});

t.test('Dockerfile: multi-stage, non-root, healthcheck, the config decides host and port', async (t) => {
  const dockerfile = read('Dockerfile');
  t.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2, 'two stages');
  t.match(dockerfile, /^FROM node:22-slim/m);
  t.match(dockerfile, /npm ci --omit=dev/);
  t.match(dockerfile, /^USER node$/m);
  t.match(dockerfile, /^HEALTHCHECK .*\n.*healthz/m);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  t.same(cmd, ['node', 'bin/lmrelay.js', 'serve', '--config', '/etc/lmrelay/lmrelay.json5'], 'no --host/--port over the config');
  t.match(dockerfile, /^ENV .*\bLMRELAY_HOST=0\.0\.0\.0\b/m, 'listens beyond the container unless the config says otherwise');
  for (const copied of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '))) {
    t.ok(existsSync(`${root}${copied}`), `${copied} exists`);
  }
});

t.test(".dockerignore keeps node_modules and the rest out of the build context, and nothing the image copies", async (t) => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const path of ['node_modules', '.git', 'dist']) t.ok(ignored.includes(path), path);
  const dockerfile = read('Dockerfile');
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
  for (const path of copied) t.notOk(ignored.some((i) => path === i || path.startsWith(`${i}/`)), `${path} is not ignored`);
});

t.test('the config the image ships needs no variable; in the container it listens beyond loopback and says it has no key', async (t) => {
  const shipped = /^COPY (\S+) \/etc\/lmrelay\/lmrelay\.json5$/m.exec(read('Dockerfile'))![1];
  const { LMRELAY_API_KEY: _, ...env } = process.env;
  const check = runCli(['check', '--config', `${root}${shipped}`], { env: { ...env, LMRELAY_HOST: '0.0.0.0' } });
  t.equal(check.status, 0, check.stderr);
  t.match(check.stdout, /warning: server\.host: 0\.0\.0\.0 is reachable beyond this machine and server\.apiKeys is empty/);
});

const built = existsSync(`${root}dist/src/main.js`);
t.test("the image's command starts lmrelay with no arguments and serves", { skip: built ? false : 'dist/ is not built (npm install builds it); the entry command runs the compiled CLI' }, async (t) => {
  const dockerfile = read('Dockerfile');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  const shipped = /^COPY (\S+) \/etc\/lmrelay\/lmrelay\.json5$/m.exec(dockerfile)![1];
  const port = await closedPort();
  // As in the container, with the config the image ships, but on loopback and a free port.
  const args = [...cmd.slice(1).map((a, i, all) => (all[i - 1] === '--config' ? `${root}${shipped}` : a)), '--port', String(port)];
  const { LMRELAY_API_KEY: _, ...env } = process.env;
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, LMRELAY_HOST: '127.0.0.1', LOG_FORMAT: 'json' }, stdio: 'ignore' });
  t.teardown(() => stop(child));
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
  }
  t.equal(status, 200);
  const models = await fetch(`http://127.0.0.1:${port}/v1/models`);
  t.equal(models.status, 200, 'serves without a key being set');
  t.equal((await models.json()).object, 'list');
  const page = await fetch(`http://127.0.0.1:${port}/ui/`);
  t.equal(page.status, 200, 'the compiled code finds the status page\'s files');
});

t.test('the npm package ships the status page\'s files', async (t) => {
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  t.equal(packed.status, 0, packed.stderr);
  const files = (JSON.parse(packed.stdout)[0].files as Array<{ path: string }>).map((f) => f.path);
  for (const file of ['static/ui/index.html', 'static/ui/app.js', 'static/ui/style.css']) t.ok(files.includes(file), file);
});

t.test('the Grafana dashboard queries only metrics lmrelay exports', async (t) => {
  const { startRelay } = await import('../helpers/relay.js');
  const relay = await startRelay({ models: { providers: {} } });
  const exported = await (await fetch(`${relay.url}/metrics`)).text();
  await relay.close();
  const dashboard = JSON.parse(read('deploy/grafana-dashboard.json'));
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const names = [...target.expr.matchAll(/\b((?:lmrelay|process|nodejs)_[a-z_]+?)(?:_bucket)?\b(?=[[{(\s)]|$)/g)].map((m: RegExpMatchArray) => m[1]);
      for (const name of names) t.match(exported, new RegExp(`# TYPE ${name} `), `${panel.title}: ${name}`);
    }
  }
});

t.test('fleet: its own compose file with 2 replicas, Redis, a load balancer and the model server', async (t) => {
  const text = read('docker-compose.fleet.yml');
  const compose = parse(text);
  t.same(Object.keys(compose.services).sort(), ['lb', 'redis', 'relay', 'vllm'], 'no single-instance lmrelay');
  t.same(compose.services.vllm.extends, { file: 'docker-compose.yml', service: 'vllm' });
  t.ok(parse(read('docker-compose.yml')).services.vllm, 'the model server it extends');
  const relay = compose.services.relay;
  t.equal(relay.deploy.replicas, 2);
  t.notMatch(text, /--scale/, 'no comment asks to scale what the file already scales');
  t.match(relay.environment.REDIS_URL, /^redis:\/\/redis:6379$/);
  t.match(relay.environment.LMRELAY_API_KEY, /^\$\{LMRELAY_API_KEY:\?/);
  t.ok(seconds(relay.stop_grace_period) > defaults.shutdownGraceSeconds);
  const nginx = compose.services.lb.volumes.find((v: string) => v.includes('nginx'))!.split(':')[0].replace(/^\.\//, '');
  t.ok(existsSync(`${root}${nginx}`));
});

t.test("fleet nginx: lmrelay's body limit, Docker's resolver, replicas re-resolved", async (t) => {
  const conf = read('deploy/nginx-fleet.conf').replace(/#.*$/gm, '');
  const directive = (name: string) => new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(conf)?.[1].trim();
  const size = directive('client_max_body_size')!;
  const bytes = Number(/^\d+/.exec(size)![0]) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size.slice(-1).toLowerCase()] ?? 1);
  t.ok(bytes >= defaults.bodyLimitBytes, `client_max_body_size ${size} lets lmrelay's ${defaults.bodyLimitBytes} bytes through`);
  t.match(directive('resolver'), /^127\.0\.0\.11\b/, "Docker's embedded DNS");
  t.match(directive('server'), /^relay:4000 .*\bresolve\b/);
  t.match(directive('zone'), /^lmrelay /, 'resolve needs a shared zone');
});

t.test('Kubernetes: readiness means "this pod can serve", time to drain, a valid ConfigMap', async (t) => {
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(read('deploy/kubernetes/lmrelay.yaml')).map((d) => d.toJSON());
  const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
  for (const want of ['ConfigMap/lmrelay-config', 'Secret/lmrelay-keys', 'Deployment/lmrelay', 'Service/lmrelay']) t.ok(kinds.includes(want), want);
  const pod = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'lmrelay').spec.template.spec;
  t.equal(pod.containers[0].readinessProbe.httpGet.path, '/readyz', 'the shallow readiness: upstream health stays out of it');
  t.equal(pod.containers[0].livenessProbe.httpGet.path, '/healthz');
  t.ok(pod.terminationGracePeriodSeconds > defaults.shutdownGraceSeconds, 'streams in flight finish before the kill');
  const config = docs.find((d) => d.kind === 'ConfigMap').data['lmrelay.json5'];
  const { validateConfig } = await import('../../src/config/load.js');
  const JSON5 = (await import('json5')).default;
  t.doesNotThrow(() => validateConfig(JSON5.parse(config), 'configmap', { LMRELAY_API_KEY: 'k-123456789012', REDIS_URL: 'redis://r:6379', ANTHROPIC_API_KEY: 'sk-ant-0123456789abcdef' }), 'the ConfigMap config is valid');
});
