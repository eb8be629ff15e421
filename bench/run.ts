/**
 * npm run bench: lmrelay against the direct upstream, nginx proxy_pass and a minimal
 * Fastify + undici pass-through (the Node floor), and Portkey's gateway when installed, all
 * measured in one run on 127.0.0.1 with a separate load-generator process (wrk, else
 * autocannon). Prints a table and the ratios, and writes bench/results/latest.json.
 * Bounded: every phase has a fixed duration or count; the whole run takes about two minutes.
 * Targets are measured in three interleaved rounds: each figure is the median over the rounds,
 * each ratio the median of the ratios taken within a round.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lmrelay-bench-'));
const TSX = import.meta.resolve('tsx');
const QUICK = process.env.BENCH_QUICK === '1';
/** Targets are measured in interleaved rounds and each figure is the median: this VM is noisy. */
const ROUNDS = QUICK ? 1 : 3;
const THROUGHPUT_SECONDS = QUICK ? 2 : 4;
const LATENCY_SECONDS = QUICK ? 2 : 2;
const STREAMS = QUICK ? 50 : 100;
const SLOW_STREAMS = QUICK ? 200 : 1000;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const children: ChildProcess[] = [];

/**
 * CPU pinning (Linux with taskset and 2+ cores; BENCH_PIN=0 turns it off): the proxy under test
 * gets core 1 to itself; this process, the upstreams and the load generator share core 0.
 * Unpinned, the proxy competes with the load generator and the upstream for the same two
 * cores and the scheduler's choices move each figure by 10-30% from one run to the next.
 */
const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)]).status === 0;

/** A proxy's command, pinned to core 1 when pinning is on. */
function onProxyCore(command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', '1', command, ...args]] : [command, args];
}

const BODY = JSON.stringify({
  model: 'bench/bench',
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Say something about foxes and dogs in one sentence.' },
  ],
  temperature: 0.2,
});
const STREAM_BODY = BODY.replace(/}$/, ',"stream":true}');

interface Target {
  name: string;
  url: string;
  pid?: number;
  /** Headers a peer needs to route the request (Portkey: provider and custom host). */
  headers?: Record<string, string>;
}

interface Result {
  name: string;
  rps50?: number;
  p50_50ms?: number;
  p99_50ms?: number;
  p50_1ms?: number;
  p99_1ms?: number;
  cpuUsPerReq?: number;
  ttfbMs?: number;
  streamMs?: number;
  peakRssMB?: number;
  errors?: number;
}

// SIGTERM, not SIGKILL: nginx's master must live long enough to stop its workers.
process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));
process.on('SIGINT', () => process.exit(130));

async function startWithPortLine(args: string[], role: 'upstream' | 'proxy' = 'upstream'): Promise<{ child: ChildProcess; port: number }> {
  const command: [string, string[]] = [process.execPath, ['--import', TSX, ...args]];
  const child = spawn(...(role === 'proxy' ? onProxyCore(...command) : command), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start`)), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line).port);
    });
  });
  return { child, port };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitHttp(url: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}

async function startLmrelay(upstream: number, slowUpstream: number): Promise<Target> {
  const config = join(work, 'lmrelay.json5');
  writeFileSync(
    config,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0 },
      models: {
        mode: 'replace',
        providers: {
          bench: { baseUrl: `http://127.0.0.1:${upstream}/v1`, apiKey: 'bench-local', timeoutSeconds: 60, models: [{ id: 'bench', contextWindow: 131072, maxTokens: 4096 }] },
          slow: { baseUrl: `http://127.0.0.1:${slowUpstream}/v1`, apiKey: 'bench-local', models: [{ id: 'bench', contextWindow: 131072 }] },
        },
      },
      agents: { defaults: { model: { primary: 'bench/bench', fallbacks: ['slow/bench'] }, models: { 'bench/bench': { alias: 'Bench', params: { top_p: 0.95 } } } } },
    }),
  );
  const port = await freePort();
  // Logs on (info, one line per request), written to a file as a service would.
  const log = openSync(join(work, 'lmrelay.log'), 'w');
  const bin = existsSync(join(root, 'dist/src/main.js')) ? [join(root, 'bin/lmrelay.js')] : ['--import', TSX, join(root, 'src/main.ts')];
  const child = spawn(...onProxyCore(process.execPath, [...bin, 'serve', '--config', config, '--port', String(port)]), { stdio: ['ignore', log, log], env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' } });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { name: 'lmrelay', url: `http://127.0.0.1:${port}`, pid: child.pid };
}

async function startNginx(upstream: number): Promise<Target | undefined> {
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
  if (!nginx) return undefined;
  const port = await freePort();
  const dir = join(work, 'nginx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log crit; daemon off;
events { worker_connections 4096; }
http { access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  upstream u { server 127.0.0.1:${upstream}; keepalive 128; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }\n`,
  );
  const child = spawn(...onProxyCore(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir]), { stdio: 'ignore' });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${port}/v1/models`);
  return { name: 'nginx', url: `http://127.0.0.1:${port}`, pid: child.pid };
}

/**
 * Portkey's gateway, when installed (not a dependency: `npm i --no-save @portkey-ai/gateway
 * @hono/node-server@1.14.1`, or PORTKEY_DIR pointing at its package folder). It listens on every
 * interface, so a preload binds it to 127.0.0.1.
 */
async function startPortkey(upstream: number): Promise<Target | undefined> {
  const dir = process.env.PORTKEY_DIR ?? join(root, 'node_modules/@portkey-ai/gateway');
  const entry = join(dir, 'build/start-server.js');
  if (!existsSync(entry)) return undefined;
  const port = await freePort();
  const child = spawn(...onProxyCore(process.execPath, ['--require', join(root, 'bench/bind-loopback.cjs'), entry, `--port=${port}`, '--headless']), {
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${port}/`);
  return {
    name: 'portkey',
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${upstream}/v1`, authorization: 'Bearer bench' },
  };
}

/** CPU ticks and peak RSS of a process and its children (nginx's work is done by its workers). */
function procStat(pid: number | undefined): { ticks: number; hwmMB: number } {
  if (!pid) return { ticks: 0, hwmMB: 0 };
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ticks = Number(fields[11]) + Number(fields[12]);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    let hwmMB = hwm ? Number(hwm[1]) / 1024 : 0;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(/\s+/).map(Number) : []) {
      const c = procStat(child);
      ticks += c.ticks;
      hwmMB += c.hwmMB;
    }
    return { ticks, hwmMB };
  } catch {
    return { ticks: 0, hwmMB: 0 };
  }
}

interface LoadResult {
  requests: number;
  seconds: number;
  errors: number;
  p50: number;
  p99: number;
}

const WRK_SCRIPT = join(work, 'post.lua');
writeFileSync(
  WRK_SCRIPT,
  `wrk.method = "POST"
wrk.body = ${JSON.stringify(BODY)}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer client"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n', summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`,
);

function load(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): LoadResult {
  const target = `${url}/v1/chat/completions`;
  if (existsSync('/usr/bin/wrk')) {
    const extra = Object.entries(headers).map(([k, v]) => ['-H', `${k}: ${v}`]).flat();
    const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', ...extra, '-s', WRK_SCRIPT, target], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk failed: ${out.stderr || out.stdout}`);
    const r = JSON.parse(line);
    return { requests: r.requests, seconds: r.duration_us / 1e6, errors: r.errors, p50: r.p50_us / 1000, p99: r.p99_us / 1000 };
  }
  const bin = join(root, 'node_modules/.bin/autocannon');
  const extra = Object.entries(headers).map(([k, v]) => ['-H', `${k}=${v}`]).flat();
  const out = spawnSync(bin, ['-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', ...extra, '-b', BODY, '--json', target], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
  const r = JSON.parse(out.stdout);
  return { requests: r.requests.total, seconds, errors: r.errors + r.non2xx, p50: r.latency.p50, p99: r.latency.p99 };
}

async function streams(url: string, count: number, headers: Record<string, string> = {}): Promise<{ ttfbMs: number; streamMs: number }> {
  const agent = new Agent({ connections: 1 });
  const ttfb: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const res = await request(`${url}/v1/chat/completions`, { method: 'POST', body: STREAM_BODY, headers: { 'content-type': 'application/json', ...headers }, dispatcher: agent });
    let first = 0;
    for await (const _ of res.body) if (!first) first = performance.now();
    total.push(performance.now() - start);
    ttfb.push(first - start);
  }
  await agent.close();
  return { ttfbMs: median(ttfb), streamMs: median(total) };
}

function medianResult(runs: Result[]): Result {
  const out: Result = { name: runs[0].name };
  for (const key of Object.keys(runs[0]) as Array<keyof Result>) {
    if (key === 'name') continue;
    const values = runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    (out as unknown as Record<string, number | undefined>)[key] = values.length ? median(values) : undefined;
  }
  out.peakRssMB = Math.max(...runs.map((r) => r.peakRssMB ?? 0));
  return out;
}

const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
const round = (x: number | undefined, d = 2) => (x === undefined ? undefined : Number(x.toFixed(d)));

async function measure(target: Target): Promise<Result> {
  load(target.url, 50, 1, target.headers); // warm-up: pools, JIT
  const before = procStat(target.pid);
  const heavy = load(target.url, 50, THROUGHPUT_SECONDS, target.headers);
  const after = procStat(target.pid);
  const light = load(target.url, 1, LATENCY_SECONDS, target.headers);
  const s = await streams(target.url, STREAMS, target.headers);
  const cpu = target.pid && heavy.requests ? ((after.ticks - before.ticks) * (1e6 / CLK_TCK)) / heavy.requests : undefined;
  return {
    name: target.name,
    rps50: Math.round(heavy.requests / heavy.seconds),
    p50_50ms: round(heavy.p50),
    p99_50ms: round(heavy.p99),
    p50_1ms: round(light.p50, 3),
    p99_1ms: round(light.p99, 3),
    cpuUsPerReq: round(cpu, 1),
    ttfbMs: round(s.ttfbMs, 3),
    streamMs: round(s.streamMs, 3),
    peakRssMB: target.pid ? round(procStat(target.pid).hwmMB, 1) : undefined,
    errors: heavy.errors + light.errors,
  };
}

const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(3)) : undefined);

/** The ratios that matter, from one round's figures. */
function roundRatios(by: Record<string, Result>): Record<string, number | undefined> {
  const relay = by.lmrelay;
  return {
    throughput_vs_direct: ratio(relay.rps50, by.direct.rps50),
    throughput_vs_floor: ratio(relay.rps50, by.floor.rps50),
    throughput_vs_nginx: ratio(relay.rps50, by.nginx?.rps50),
    throughput_vs_portkey: ratio(relay.rps50, by.portkey?.rps50),
    cpu_per_request_vs_floor: ratio(relay.cpuUsPerReq, by.floor.cpuUsPerReq),
    added_ttfb_ms_vs_portkey: by.portkey ? round((relay.ttfbMs ?? 0) - (by.portkey.ttfbMs ?? 0), 3) : undefined,
    added_p50_ms_1conn: round((relay.p50_1ms ?? 0) - (by.direct.p50_1ms ?? 0), 3),
    added_p50_ms_1conn_vs_floor: round((relay.p50_1ms ?? 0) - (by.floor.p50_1ms ?? 0), 3),
    added_ttfb_ms: round((relay.ttfbMs ?? 0) - (by.direct.ttfbMs ?? 0), 3),
    added_ttfb_ms_vs_floor: round((relay.ttfbMs ?? 0) - (by.floor.ttfbMs ?? 0), 3),
  };
}

function medianOf(values: Array<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? Number(median(present).toFixed(3)) : undefined;
}

async function main() {
  const began = Date.now();
  const upstream = await startWithPortLine([join(root, 'bench/upstream.ts'), '--chunks', '20']);
  const slow = await startWithPortLine([join(root, 'bench/upstream.ts'), '--chunks', '10', '--delay', '100']);
  const floor = await startWithPortLine([join(root, 'bench/floor.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`], 'proxy');
  const targets: Target[] = [{ name: 'direct', url: `http://127.0.0.1:${upstream.port}`, pid: upstream.child.pid }];
  const nginx = await startNginx(upstream.port);
  if (nginx) targets.push(nginx);
  targets.push({ name: 'floor', url: `http://127.0.0.1:${floor.port}`, pid: floor.child.pid });
  const lmrelay = await startLmrelay(upstream.port, slow.port);
  targets.push(lmrelay);
  const portkey = await startPortkey(upstream.port);
  if (portkey) targets.push(portkey);

  const rounds: Result[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const results: Result[] = [];
    for (const target of targets) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}: measuring ${target.name}...\n`);
      results.push(await measure(target));
    }
    rounds.push(results);
  }
  const results = targets.map((_, i) => medianResult(rounds.map((r) => r[i])));
  process.stderr.write(`slow streams (${SLOW_STREAMS} concurrent, one chunk per 100 ms)...\n`);
  const slowDirect = await slowStreams(`http://127.0.0.1:${slow.port}`, SLOW_STREAMS, STREAM_BODY, slow.child.pid);
  // Through lmrelay the slow upstream is the model "slow/bench".
  const slowRelay = await slowStreams(lmrelay.url, SLOW_STREAMS, STREAM_BODY.replace('"bench/bench"', '"slow/bench"'), lmrelay.pid);

  // Ratios are taken within each round (targets measured minutes apart drift on a VM), then the
  // median of each ratio over the rounds is reported.
  const perRound = rounds.map((r) => roundRatios(Object.fromEntries(r.map((x) => [x.name, x]))));
  const ratios = {
    ...Object.fromEntries(Object.keys(perRound[0]).map((key) => [key, medianOf(perRound.map((r) => r[key]))])),
    slow_stream_added_lateness_p99_ms: round(slowRelay.latenessP99Ms - slowDirect.latenessP99Ms, 2),
  };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, pinned: PIN, loadGenerator: existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon' },
    settings: { rounds: ROUNDS, statistic: 'figures: median of rounds; ratios: median of the per-round ratios', throughputSeconds: THROUGHPUT_SECONDS, latencySeconds: LATENCY_SECONDS, streams: STREAMS, slowStreams: SLOW_STREAMS, chunksPerStream: 20 },
    results,
    slowStreams: { direct: slowDirect, lmrelay: slowRelay },
    ratios,
    ratiosPerRound: perRound,
    seconds: Math.round((Date.now() - began) / 1000),
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  printTable(results);
  console.log('\nslow streams:', JSON.stringify(report.slowStreams));
  console.log('\nratios:', JSON.stringify(ratios, null, 2));
  console.log(`\nwritten to bench/results/latest.json (${report.seconds}s)`);
}

/** `count` concurrent streams of one chunk per 100 ms: how late does each chunk arrive, and how big does the proxy get? */
async function slowStreams(url: string, count: number, body: string, pid?: number) {
  const agent = new Agent({ connections: count + 10 });
  const lateness: number[] = [];
  let maxRss = 0;
  const sampler = setInterval(() => {
    if (!pid) return;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) maxRss = Math.max(maxRss, Number(m[1]) / 1024);
  }, 100);
  const started = performance.now();
  const one = async () => {
    const res = await request(`${url}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
    let t0 = 0;
    let k = 0;
    for await (const chunk of res.body) {
      const now = performance.now();
      const frames = (chunk.toString().match(/data: /g) ?? []).length;
      // Chunks are due every 100 ms after the first; lateness is how much later one arrived.
      if (!t0) t0 = now;
      else lateness.push(Math.max(0, now - (t0 + k * 100)));
      k += frames;
    }
  };
  const results = await Promise.allSettled(Array.from({ length: count }, one));
  clearInterval(sampler);
  await agent.close();
  lateness.sort((a, b) => a - b);
  return {
    completed: results.filter((r) => r.status === 'fulfilled').length,
    latenessP50Ms: pct(lateness, 50),
    latenessP99Ms: pct(lateness, 99),
    maxRssMB: Math.round(maxRss),
    seconds: (performance.now() - started) / 1000,
  };
}

function printTable(results: Result[]) {
  const cols: Array<[keyof Result, string]> = [
    ['name', 'target'],
    ['rps50', 'req/s @50'],
    ['p50_50ms', 'p50 ms @50'],
    ['p99_50ms', 'p99 ms @50'],
    ['p50_1ms', 'p50 ms @1'],
    ['p99_1ms', 'p99 ms @1'],
    ['cpuUsPerReq', 'CPU µs/req'],
    ['ttfbMs', 'stream TTFB ms'],
    ['streamMs', 'stream total ms'],
    ['peakRssMB', 'peak RSS MB'],
    ['errors', 'errors'],
  ];
  const rows = [cols.map((c) => c[1]), ...results.map((r) => cols.map((c) => String(r[c[0]] ?? '-')))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
}

await main();
// Stop every process we started and wait for it (nginx's master must stop its workers).
await Promise.all(
  children.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        setTimeout(resolve, 3000).unref();
      }),
  ),
);
process.exit(0);
