/**
 * npm run bench: lmrelay against the direct upstream, nginx proxy_pass and a minimal
 * Fastify + undici pass-through (the Node floor), and Portkey's gateway when installed, all
 * measured in one run on 127.0.0.1 with a separate load-generator process (wrk, else
 * autocannon). Prints tables and the ratios, and writes bench/results/latest.json.
 * Phases: `main` (a short chat request: throughput, latency, streams), `agent` (a coding
 * agent's ~400 KB turn, plain and streamed), `slow` (1,000 slow streams) and `many` (10,000
 * slow streams, with its own load-generator process); BENCH_PHASES=agent,many picks some.
 * Bounded: every phase has a fixed duration or count; the whole run takes about eight minutes.
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
import { agentTurnBody } from './agent-turn.js';
import { manyStreams, fileLimit, fdsBelow, openFds, runQueueWait, type ManyStreamsResult } from './many-streams.js';
import { BENCH_REQUEST, BENCH_STREAM_REQUEST, freePort } from './shared.js';

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
const PHASES = new Set((process.env.BENCH_PHASES ?? 'main,agent,slow,many').split(','));
/** The agent turn is measured at the main phase's concurrency, plain and streamed. */
const AGENT_CONNECTIONS = 50;
/**
 * Many slow streams, at two paces. A chunk per second holds 10,000 streams open together at
 * 10,000 chunks/s in all, what this 2-core VM carries (the 1,000-stream phase's rate), so the
 * cost of holding many streams shows apart from the cost of passing many chunks: opened at
 * 500/s (faster, a proxy busy opening streams lets its accept queue, Node's default 511,
 * overflow, and each dropped connection comes back a second or more later), lasting 20 s.
 * A chunk per 100 ms is the 1,000-stream phase scaled as such: 100,000 chunks/s, more than
 * the VM passes even without a proxy (loopback TCP alone costs the kernel ~10 µs a chunk),
 * so it shows where each target gives way; opened at 1,000/s, lasting 10 s.
 */
const MANY_STREAMS_WANTED = Number(process.env.BENCH_MANY_STREAMS ?? (QUICK ? 1000 : 10_000));
const MANY_PACES = [
  { name: '1s', intervalMs: 1000, chunks: QUICK ? 4 : 20, openPerSecond: 500, graceSeconds: 10 },
  { name: '100ms', intervalMs: 100, chunks: QUICK ? 30 : 100, openPerSecond: 1000, graceSeconds: 5 },
];
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

const BODY = BENCH_REQUEST;
const STREAM_BODY = BENCH_STREAM_REQUEST;

/** A request body as the load generators take it: a file, and a wrk script that sends it. */
interface Payload {
  file: string;
  wrkScript: string;
}

function payload(name: string, body: string): Payload {
  const file = join(work, `${name}.json`);
  writeFileSync(file, body);
  const wrkScript = join(work, `${name}.lua`);
  writeFileSync(
    wrkScript,
    `wrk.method = "POST"
local f = io.open(${JSON.stringify(file)}, "rb"); wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer client"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n', summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`,
  );
  return { file, wrkScript };
}

const CHAT = payload('chat', BODY);
const AGENT = payload('agent', agentTurnBody({ model: 'bench/bench', stream: false }));
const AGENT_STREAM = payload('agent-stream', agentTurnBody({ model: 'bench/bench', stream: true }));

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

async function startLmrelay(upstream: number, slowUpstream: number, manyUpstreams: number[]): Promise<Target> {
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
          ...Object.fromEntries(manyUpstreams.map((port, i) => [`many${i}`, { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'bench-local', timeoutSeconds: 300, models: [{ id: 'bench', contextWindow: 131072 }] }])),
        },
      },
      agents: { defaults: { model: { primary: 'bench/bench', fallbacks: ['slow/bench'] }, models: { 'bench/bench': { alias: 'Bench', params: { top_p: 0.95 } } } } },
    }),
  );
  const port = await freePort();
  // Logs on (info, one line per request), written to a file as a service would.
  const log = openSync(join(work, 'lmrelay.log'), 'w');
  const bin = existsSync(join(root, 'dist/src/main.js')) ? [join(root, 'bin/lmrelay.js')] : ['--import', TSX, join(root, 'src/main.ts')];
  // BENCH_LMRELAY_NODE_ARGS: V8/Node flags for lmrelay alone (e.g. a GC setting under test).
  const nodeArgs = (process.env.BENCH_LMRELAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(...onProxyCore(process.execPath, [...nodeArgs, ...bin, 'serve', '--config', config, '--port', String(port)]), { stdio: ['ignore', log, log], env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' } });
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

function load(url: string, connections: number, seconds: number, headers: Record<string, string> = {}, body: Payload = CHAT): LoadResult {
  const target = `${url}/v1/chat/completions`;
  if (existsSync('/usr/bin/wrk')) {
    const extra = Object.entries(headers).map(([k, v]) => ['-H', `${k}: ${v}`]).flat();
    const out = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', ...extra, '-s', body.wrkScript, target], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk failed: ${out.stderr || out.stdout}`);
    const r = JSON.parse(line);
    return { requests: r.requests, seconds: r.duration_us / 1e6, errors: r.errors, p50: r.p50_us / 1000, p99: r.p99_us / 1000 };
  }
  const bin = join(root, 'node_modules/.bin/autocannon');
  const extra = Object.entries(headers).map(([k, v]) => ['-H', `${k}=${v}`]).flat();
  // The body goes in a file: a 400 KB argument is over Linux's limit for one.
  const out = spawnSync(bin, ['-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', ...extra, '-i', body.file, '--json', target], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
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
  const many = PHASES.has('many') ? await Promise.all(MANY_PACES.map((pace) => startWithPortLine([join(root, 'bench/slow-upstream.ts'), '--chunks', String(pace.chunks), '--delay', String(pace.intervalMs)]))) : [];
  const floor = await startWithPortLine([join(root, 'bench/floor.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`], 'proxy');
  const targets: Target[] = [{ name: 'direct', url: `http://127.0.0.1:${upstream.port}`, pid: upstream.child.pid }];
  const nginx = await startNginx(upstream.port);
  if (nginx) targets.push(nginx);
  targets.push({ name: 'floor', url: `http://127.0.0.1:${floor.port}`, pid: floor.child.pid });
  const lmrelay = await startLmrelay(upstream.port, slow.port, many.map((m) => m.port));
  targets.push(lmrelay);
  const portkey = PHASES.has('main') ? await startPortkey(upstream.port) : undefined;
  if (portkey) targets.push(portkey);

  const rounds: Result[][] = [];
  for (let round = 0; round < (PHASES.has('main') ? ROUNDS : 0); round++) {
    const results: Result[] = [];
    for (const target of targets) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}: measuring ${target.name}...\n`);
      results.push(await measure(target));
    }
    rounds.push(results);
  }
  const results = rounds.length ? targets.map((_, i) => medianResult(rounds.map((r) => r[i]))) : [];

  const agent = PHASES.has('agent') ? await agentPhase(targets.filter((t) => ['direct', 'floor', 'lmrelay'].includes(t.name))) : undefined;

  let slowDirect: Awaited<ReturnType<typeof slowStreams>> | undefined;
  let slowRelay: typeof slowDirect;
  if (PHASES.has('slow')) {
    process.stderr.write(`slow streams (${SLOW_STREAMS} concurrent, one chunk per 100 ms)...\n`);
    slowDirect = await slowStreams(`http://127.0.0.1:${slow.port}`, SLOW_STREAMS, STREAM_BODY, slow.child.pid);
    // Through lmrelay the slow upstream is the model "slow/bench".
    slowRelay = await slowStreams(lmrelay.url, SLOW_STREAMS, STREAM_BODY.replace('"bench/bench"', '"slow/bench"'), lmrelay.pid);
  }
  // Its idle keep-alive sockets in lmrelay's pool would count against the many-streams phase's descriptors.
  await stop(slow.child);

  const manyPhase = many.length ? await manyStreamsPhase(many, lmrelay) : undefined;

  // Ratios are taken within each round (targets measured minutes apart drift on a VM), then the
  // median of each ratio over the rounds is reported.
  const perRound = rounds.map((r) => roundRatios(Object.fromEntries(r.map((x) => [x.name, x]))));
  const medians = (per: Array<Record<string, number | undefined>>) => (per.length ? Object.fromEntries(Object.keys(per[0]).map((key) => [key, medianOf(per.map((r) => r[key]))])) : {});
  const manyRatios = Object.fromEntries(
    (manyPhase?.paces ?? []).flatMap(({ pace, results: rows }) => {
      const by = Object.fromEntries(rows.map((r) => [r.name, r]));
      const key = (what: string) => `many_streams_${pace}_${what}`;
      return [
        [key('completed_share'), ratio(by.lmrelay.completed, by.lmrelay.streams)],
        [key('added_lateness_p50_ms'), round(by.lmrelay.latenessP50Ms - by.direct.latenessP50Ms, 1)],
        [key('added_lateness_p99_ms'), round(by.lmrelay.latenessP99Ms - by.direct.latenessP99Ms, 1)],
        [key('added_lateness_p99_ms_vs_floor'), round(by.lmrelay.latenessP99Ms - by.floor.latenessP99Ms, 1)],
        [key('peak_rss_mb'), by.lmrelay.peakRssMB],
      ];
    }),
  );
  const ratios = {
    ...medians(perRound),
    ...(slowDirect && slowRelay ? { slow_stream_added_lateness_p99_ms: round(slowRelay.latenessP99Ms - slowDirect.latenessP99Ms, 2) } : {}),
    ...(agent ? medians(agent.ratiosPerRound) : {}),
    ...manyRatios,
  };
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, pinned: PIN, loadGenerator: existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon', openFilesHardLimit: fileLimit() },
    settings: {
      phases: [...PHASES],
      rounds: ROUNDS,
      statistic: 'figures: median of rounds; ratios: median of the per-round ratios',
      throughputSeconds: THROUGHPUT_SECONDS,
      latencySeconds: LATENCY_SECONDS,
      streams: STREAMS,
      slowStreams: SLOW_STREAMS,
      chunksPerStream: 20,
      ...(agent ? { agent: agent.settings } : {}),
      ...(manyPhase ? { manyStreams: manyPhase.settings } : {}),
    },
    results,
    ...(agent ? { agent: agent.results } : {}),
    ...(slowDirect ? { slowStreams: { direct: slowDirect, lmrelay: slowRelay } } : {}),
    ...(manyPhase ? { manyStreams: manyPhase.paces } : {}),
    ratios,
    ratiosPerRound: perRound,
    ...(agent ? { agentRatiosPerRound: agent.ratiosPerRound } : {}),
    seconds: Math.round((Date.now() - began) / 1000),
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (results.length) printTable(results, MAIN_COLUMNS);
  if (agent) {
    console.log(`\nagent turn (${agent.settings.bodyKB} KB, ${agent.settings.messages} messages, ${agent.settings.tools} tools; ${AGENT_CONNECTIONS} connections):`);
    printTable(agent.results, AGENT_COLUMNS);
  }
  if (report.slowStreams) console.log('\nslow streams:', JSON.stringify(report.slowStreams));
  for (const { pace, results: rows } of manyPhase?.paces ?? []) {
    const { intervalMs, chunks, openPerSecond } = MANY_PACES.find((p) => p.name === pace)!;
    console.log(`\nmany slow streams: ${manyPhase!.settings.streams} opened at ${openPerSecond}/s, ${chunks} chunks each, one per ${intervalMs} ms${manyPhase!.settings.note ? ` (${manyPhase!.settings.note})` : ''}:`);
    printTable(rows.map((r) => ({ ...r, failed: Object.entries(r.failures).map(([k, v]) => `${k}: ${v}`).join(', ') || '0' })), MANY_COLUMNS);
  }
  console.log('\nratios:', JSON.stringify(ratios, null, 2));
  console.log(`\nwritten to bench/results/latest.json (${report.seconds}s)`);
}

interface AgentResult {
  name: string;
  rps: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuUsPerReq?: number;
  streamRps: number;
  streamP50Ms?: number;
  streamP99Ms?: number;
  streamCpuUsPerReq?: number;
  /** Share of the run the target's main thread waited for a core held by another process (the machine is shared). */
  waitedPct?: number;
  streamWaitedPct?: number;
  errors: number;
}

/** Throughput and CPU per request of one target on one body at the agent concurrency. */
function agentLoad(target: Target, body: Payload) {
  load(target.url, AGENT_CONNECTIONS, 1, target.headers, body); // warm-up
  const before = procStat(target.pid);
  const waitBefore = runQueueWait(target.pid);
  const run = load(target.url, AGENT_CONNECTIONS, THROUGHPUT_SECONDS, target.headers, body);
  const after = procStat(target.pid);
  const waited = target.pid ? round(((runQueueWait(target.pid) - waitBefore) / 1e6 / (run.seconds * 1000)) * 100, 1) : undefined;
  const cpu = target.pid && run.requests ? ((after.ticks - before.ticks) * (1e6 / CLK_TCK)) / run.requests : undefined;
  return { rps: Math.round(run.requests / run.seconds), p50: round(run.p50), p99: round(run.p99), cpu: round(cpu, 1), waited, errors: run.errors };
}

/**
 * A coding agent's turn (~400 KB: 60 messages, 24 tools) through each target, plain and
 * streamed, in interleaved rounds. Each target must answer it with a 200 first: a refusal would
 * otherwise pass for throughput.
 */
async function agentPhase(targets: Target[]) {
  for (const target of targets) {
    for (const body of [AGENT, AGENT_STREAM]) {
      const res = await request(`${target.url}/v1/chat/completions`, { method: 'POST', body: readFileSync(body.file), headers: { 'content-type': 'application/json', authorization: 'Bearer client' } });
      const text = await res.body.text();
      if (res.statusCode !== 200) process.stderr.write(`agent turn: ${target.name} answered ${res.statusCode}: ${text.slice(0, 500)}\n`);
    }
  }
  const rounds: AgentResult[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const results: AgentResult[] = [];
    for (const target of targets) {
      process.stderr.write(`agent turn, round ${r + 1}/${ROUNDS}: measuring ${target.name}...\n`);
      const plain = agentLoad(target, AGENT);
      const streamed = agentLoad(target, AGENT_STREAM);
      results.push({ name: target.name, rps: plain.rps, p50Ms: plain.p50, p99Ms: plain.p99, cpuUsPerReq: plain.cpu, streamRps: streamed.rps, streamP50Ms: streamed.p50, streamP99Ms: streamed.p99, streamCpuUsPerReq: streamed.cpu, waitedPct: plain.waited, streamWaitedPct: streamed.waited, errors: plain.errors + streamed.errors });
    }
    rounds.push(results);
  }
  const ratiosPerRound = rounds.map((results) => {
    const by = Object.fromEntries(results.map((x) => [x.name, x]));
    const relay = by.lmrelay;
    return {
      agent_throughput_vs_floor: ratio(relay.rps, by.floor.rps),
      agent_stream_throughput_vs_floor: ratio(relay.streamRps, by.floor.streamRps),
      agent_cpu_per_request_vs_floor: ratio(relay.cpuUsPerReq, by.floor.cpuUsPerReq),
      agent_stream_cpu_per_request_vs_floor: ratio(relay.streamCpuUsPerReq, by.floor.streamCpuUsPerReq),
      agent_throughput_vs_direct: ratio(relay.rps, by.direct.rps),
      agent_stream_throughput_vs_direct: ratio(relay.streamRps, by.direct.streamRps),
    };
  });
  const parsed = JSON.parse(readFileSync(AGENT.file, 'utf8'));
  return {
    results: targets.map((_, i) => medianOfRecords(rounds.map((r) => r[i]))),
    ratiosPerRound,
    settings: { bodyKB: Math.round(readFileSync(AGENT.file).length / 1024), messages: parsed.messages.length, tools: parsed.tools.length, connections: AGENT_CONNECTIONS, seconds: THROUGHPUT_SECONDS },
  };
}

/** Per field, the median over rounds (numbers only; the name is the first run's). */
function medianOfRecords<T extends { name: string }>(runs: T[]): T {
  const out: Record<string, unknown> = { name: runs[0].name };
  for (const key of Object.keys(runs[0])) {
    if (key === 'name') continue;
    const values = runs.map((r) => (r as Record<string, unknown>)[key]).filter((v): v is number => typeof v === 'number');
    out[key] = values.length ? median(values) : undefined;
  }
  return out as T;
}

/**
 * Many concurrent slow streams at each pace through direct, a floor of its own and lmrelay, one
 * target at a time. A proxy needs two descriptors per stream: when the machine's hard limit on
 * open files cannot hold the count asked for, the count is lowered to what fits and the output
 * says so (BENCH_MANY_STREAMS=N insists on N).
 */
async function manyStreamsPhase(upstreams: Array<{ child: ChildProcess; port: number }>, lmrelay: Target) {
  const limit = fileLimit();
  let count = MANY_STREAMS_WANTED;
  let note: string | undefined;
  // What a proxy holds besides: its listener, log, idle sockets to the other upstreams (~200).
  const spare = 300;
  if (!process.env.BENCH_MANY_STREAMS && 2 * count + spare > limit) {
    count = Math.floor((limit - spare) / 2);
    note = `${MANY_STREAMS_WANTED} need over ${2 * MANY_STREAMS_WANTED} open files in a proxy; this machine's hard limit is ${limit}`;
  }
  const paces: Array<{ pace: string; results: ManyStreamsResult[] }> = [];
  for (const [i, pace] of MANY_PACES.entries()) {
    const upstream = upstreams[i];
    const body = payload(`many${i}`, STREAM_BODY.replace('"bench/bench"', `"many${i}/bench"`));
    const streamSeconds = (pace.chunks * pace.intervalMs) / 1000;
    // Past the ramp and one stream's length, a few seconds' grace: later is a failure.
    const deadlineSeconds = Math.ceil(count / pace.openPerSecond + streamSeconds + pace.graceSeconds);
    const warm = payload(`many${i}-warm`, BODY.replace('"bench/bench"', `"many${i}/bench"`));
    const run = (name: string, url: string, pid?: number) => {
      process.stderr.write(`many slow streams (${count}, a chunk per ${pace.intervalMs} ms): measuring ${name}...\n`);
      // A proxy starts warm (JIT, pools): a cold one stalls and its accept queue overflows.
      if (name !== 'direct') load(url, 50, 1, {}, warm);
      return manyStreams({ name, url, pid, bodyFile: body.file, count, intervalMs: pace.intervalMs, openPerSecond: pace.openPerSecond, deadlineSeconds, tsx: TSX, clients: join(root, 'bench/slow-clients.ts') });
    };
    const upstreamPid = upstream.child.pid;
    const idle = openFds(upstreamPid ?? 0) + 50;
    const results: ManyStreamsResult[] = [];
    results.push(await run('direct', `http://127.0.0.1:${upstream.port}`, upstreamPid));
    await fdsBelow(upstreamPid, idle);
    // The floor gets a process of its own, stopped after: its pool's sockets would stay open.
    const floor = await startWithPortLine([join(root, 'bench/floor.ts'), '--upstream', `http://127.0.0.1:${upstream.port}`], 'proxy');
    results.push(await run('floor', `http://127.0.0.1:${floor.port}`, floor.child.pid));
    await stop(floor.child);
    await fdsBelow(upstreamPid, idle);
    await fdsBelow(lmrelay.pid, spare, 40_000);
    results.push(await run('lmrelay', lmrelay.url, lmrelay.pid));
    // Stopping this upstream closes lmrelay's sockets to it before the next pace.
    await stop(upstream.child);
    paces.push({ pace: pace.name, results });
  }
  return { paces, settings: { streams: count, wanted: MANY_STREAMS_WANTED, paces: MANY_PACES, openFilesHardLimit: limit, note } };
}

/** SIGTERM and wait (bounded) for the exit. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(resolve, 5000).unref();
  });
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

type Columns = Array<[string, string]>;
const MAIN_COLUMNS: Columns = [
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
const AGENT_COLUMNS: Columns = [
  ['name', 'target'],
  ['rps', 'req/s'],
  ['p50Ms', 'p50 ms'],
  ['p99Ms', 'p99 ms'],
  ['cpuUsPerReq', 'CPU µs/req'],
  ['waitedPct', 'waited for CPU %'],
  ['streamRps', 'streamed req/s'],
  ['streamP50Ms', 'p50 ms'],
  ['streamP99Ms', 'p99 ms'],
  ['streamCpuUsPerReq', 'CPU µs/req'],
  ['streamWaitedPct', 'waited for CPU %'],
  ['errors', 'errors'],
];
const MANY_COLUMNS: Columns = [
  ['name', 'target'],
  ['completed', 'completed'],
  ['peakStreaming', 'peak concurrent'],
  ['latenessP50Ms', 'late p50 ms'],
  ['latenessP99Ms', 'late p99 ms'],
  ['latenessP999Ms', 'late p99.9 ms'],
  ['firstChunkP99Ms', '1st chunk p99 ms'],
  ['cpuPercent', 'CPU %'],
  ['runQueueWaitMs', 'waited for CPU ms'],
  ['peakRssMB', 'peak RSS MB'],
  ['acceptQueueDrops', 'accept drops'],
  ['failed', 'failed'],
];

function printTable(rowsIn: object[], cols: Columns) {
  const cell = (r: object, key: string) => String((r as Record<string, unknown>)[key] ?? '-');
  const rows = [cols.map((c) => c[1]), ...rowsIn.map((r) => cols.map((c) => cell(r, c[0])))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i])).join('  '));
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
