/**
 * What OpenTelemetry tracing costs: lmrelay (compiled) with tracing off and with every request
 * traced and exported to an OTLP/HTTP sink, under the same load, in interleaved rounds; each
 * figure is the median over the rounds. Plain chat requests at 50 connections, then streams.
 * Usage: npm run build && node --import tsx bench/tracing.ts   (BENCH_ROUNDS, BENCH_SECONDS)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './shared.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lmrelay-bench-tracing-'));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const PIN = cpus().length >= 2 && spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]).status === 0;
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));

if (!existsSync(join(root, 'dist/src/main.js'))) throw new Error('run `npm run build` first: the bench runs the compiled lmrelay');

/** The OTLP/HTTP receiver: counts the spans it is sent (a collector's work is not measured). */
let spansReceived = 0;
const sink = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    spansReceived += body.split('"spanId"').length - 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

const upstream = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'bench/upstream.ts'), '--chunks', '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(upstream);
const upstreamPort: number = await new Promise((resolve) => createInterface({ input: upstream.stdout! }).once('line', (line) => resolve(JSON.parse(line).port)));

async function startLmrelay(name: string, traced: boolean): Promise<{ name: string; url: string; pid: number }> {
  const config = join(work, `${name}.json5`);
  writeFileSync(
    config,
    JSON.stringify({
      models: { mode: 'replace', providers: { bench: { baseUrl: `http://127.0.0.1:${upstreamPort}/v1`, apiKey: 'bench-local', models: [{ id: 'bench', contextWindow: 131072 }] } } },
      agents: { defaults: { model: { primary: 'bench/bench' } } },
      ...(traced ? { diagnostics: { otel: { endpoint: sinkUrl, flushIntervalMs: 1000 } } } : {}),
    }),
  );
  const port = await freePort();
  const log = openSync(join(work, `${name}.log`), 'w');
  const args = [join(root, 'bin/lmrelay.js'), 'serve', '--config', config, '--port', String(port)];
  const child = spawn(PIN ? 'taskset' : process.execPath, PIN ? ['-c', '1', process.execPath, ...args] : args, { stdio: ['ignore', log, log], env: { ...process.env, LOG_FORMAT: 'json' } });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Under taskset the pid is taskset's, which execs node: the same process.
  return { name, url, pid: child.pid! };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function load(url: string, stream: boolean): { rps: number; requests: number } {
  const body = join(work, stream ? 'stream.json' : 'chat.json');
  writeFileSync(body, JSON.stringify({ model: 'bench/bench', stream, messages: [{ role: 'user', content: 'Say something about foxes.' }] }));
  const out = spawnSync(join(root, 'node_modules/.bin/autocannon'), ['-c', '50', '-d', String(SECONDS), '-m', 'POST', '-H', 'content-type=application/json', '-i', body, '--json', `${url}/v1/chat/completions`], { encoding: 'utf8' });
  const r = JSON.parse(out.stdout);
  if (r.errors + r.non2xx > 0) throw new Error(`${r.errors + r.non2xx} failed requests`);
  return { rps: r.requests.average, requests: r.requests.total };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const targets = [await startLmrelay('off', false), await startLmrelay('on', true)];
const results: Record<string, { rps: number[]; cpu: number[] }> = {};
for (const stream of [false, true]) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      const key = `${target.name}${stream ? ' stream' : ''}`;
      const before = cpuTicks(target.pid);
      const { rps, requests } = load(target.url, stream);
      const cpuUs = ((cpuTicks(target.pid) - before) / CLK_TCK / requests) * 1e6;
      (results[key] ??= { rps: [], cpu: [] }).rps.push(rps);
      results[key].cpu.push(cpuUs);
    }
  }
}
await new Promise((r) => setTimeout(r, 2000));
const rows = Object.entries(results).map(([name, r]) => ({ tracing: name, 'req/s': Math.round(median(r.rps)), 'CPU µs/req': Number(median(r.cpu).toFixed(1)) }));
console.table(rows);
for (const kind of ['', ' stream']) {
  const off = results[`off${kind}`];
  const on = results[`on${kind}`];
  console.log(`${kind.trim() || 'plain'}: throughput on/off ${(median(on.rps) / median(off.rps)).toFixed(2)}, CPU per request on/off ${(median(on.cpu) / median(off.cpu)).toFixed(2)}x`);
}
console.log(`spans received by the OTLP sink: ${spansReceived}; node ${process.version}, ${cpus().length} cores (${cpus()[0].model}), pinned: ${PIN}`);
process.exit(0);
