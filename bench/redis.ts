/**
 * npm run bench:redis: what rate limits shared through Redis cost a fleet. Two lmrelay
 * replicas share one real redis-server; every request carries a key with rpm and tpm budgets
 * (set high, so none is refused). Reads Redis's own counters (INFO commandstats, INFO cpu)
 * before and after N requests and prints Redis commands per limited request, Redis time per
 * command and per request. Then it records with MONITOR the commands a few limited requests
 * send, replays them against Redis at saturation with redis-benchmark (when installed) and
 * reads Redis's CPU per request from `INFO cpu`: the fleet size at which one Redis core is
 * saturated follows. Bounded: fixed counts of requests (BENCH_REDIS_REQUESTS, default 5,000),
 * 127.0.0.1 only. Results go to bench/results/redis.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { findRedis, startRedis } from '../test/helpers/redis.js';
import { freePort } from './shared.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lmrelay-bench-redis-'));
const TSX = import.meta.resolve('tsx');
const REQUESTS = Number(process.env.BENCH_REDIS_REQUESTS ?? 5000);
const WARMUP = 400;
/** Requests in flight per replica. */
const CONCURRENCY = 16;
/** Rate-limited keys the requests are spread over. */
const KEYS = 4;
/** lmrelay's throughput on one core, from README's Performance table (`npm run bench`). */
const REQ_PER_LMRELAY_CORE = Number(process.env.BENCH_REQ_PER_CORE ?? 9700);
/** Limited requests recorded with MONITOR, and commands replayed per recorded command. */
const RECORDED = 40;
const REPLAYED = 100_000;
/** How long to wait after the run for token counts still held by the replicas to reach Redis. */
const SETTLE_MS = 2500;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const children: ChildProcess[] = [];

process.on('exit', () => children.forEach((c) => c.kill('SIGTERM')));
process.on('SIGINT', () => process.exit(130));

const BODY = JSON.stringify({ model: 'bench/bench', messages: [{ role: 'user', content: 'Say something about foxes.' }] });
const keyOf = (i: number) => `k-bench-${i}-0123456789`;

async function startUpstream(): Promise<number> {
  const child = spawn(process.execPath, ['--import', TSX, join(root, 'bench/upstream.ts'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('upstream did not start')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  return JSON.parse(line).port;
}

/** One replica, run from source through tsx (what the tests run), logging to a file as a service would. */
async function startReplica(config: string, name: string): Promise<{ url: string; pid: number; log: string }> {
  const port = await freePort();
  const log = join(work, `${name}.log`);
  const out = openSync(log, 'w');
  const child = spawn(process.execPath, ['--import', TSX, join(root, 'src/main.ts'), 'serve', '--config', config, '--port', String(port)], {
    stdio: ['ignore', out, out],
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      if (/lmrelay_state_backend_up\{backend="redis"\} 1/.test(metrics)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${name} did not reach Redis; log in ${work}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, log };
}

/** Times a replica logged that it gave up on Redis (its requests then count locally). */
const fallbacks = (log: string) => readFileSync(log, 'utf8').split('Redis unreachable').length - 1;

/** MONITOR quotes arguments the way redis-cli does (\\n, \\", \\xHH): back to the bytes sent. */
function unquote(arg: string): string {
  const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
  return arg.replace(/\\(x[0-9a-f]{2}|.)/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (named[c] ?? c)));
}

/** The commands `count` limited requests send to Redis (not those a script runs), as MONITOR shows them. */
async function record(redisUrl: string, urls: string[], count: number): Promise<string[][]> {
  const monitor = await new Redis(redisUrl).monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') seen.push(args.map(unquote));
  });
  await drive(urls, count);
  // Token counts a replica still holds are part of what the requests cost.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  monitor.disconnect();
  return seen;
}

/**
 * Replays each recorded command alone (as often per limited request as the run above sent it) with redis-benchmark (50 connections, no pipelining) and
 * reads Redis's CPU per call from INFO cpu: what it costs when Redis is busy, network included.
 */
async function replay(redis: Redis, port: number, commands: string[][], perRequest: (name: string) => number): Promise<Record<string, { perRequest: number; cpuUsPerCall: number; callsPerSecond: number }> | undefined> {
  const bench = ['/usr/bin/redis-benchmark', '/usr/local/bin/redis-benchmark'].find(existsSync);
  if (!bench) return undefined;
  const byName = new Map<string, string[][]>();
  for (const args of commands) byName.set(args[0].toLowerCase(), [...(byName.get(args[0].toLowerCase()) ?? []), args]);
  const out: Record<string, { perRequest: number; cpuUsPerCall: number; callsPerSecond: number }> = {};
  for (const [name, all] of byName) {
    // What the replicas also do now and then (reconnect, read cooldowns) is not per request.
    if (perRequest(name) < 0.01) continue;
    const cpuBefore = await redisCpuSeconds(redis);
    const started = performance.now();
    const run = spawnSync(bench, ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(REPLAYED), '-q', ...all[0]], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`);
    const seconds = (performance.now() - started) / 1000;
    const cpu = (await redisCpuSeconds(redis)) - cpuBefore;
    out[name] = { perRequest: round(perRequest(name), 3), cpuUsPerCall: round((cpu * 1e6) / REPLAYED), callsPerSecond: round(REPLAYED / seconds, 0) };
  }
  return out;
}

/** `INFO commandstats` as { command: { calls, usec } }. */
async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return stats;
}

/** Redis's CPU seconds (user + system, all its threads) from `INFO cpu`. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Sends `count` requests, alternating replicas and keys, CONCURRENCY in flight per replica. */
async function drive(urls: string[], count: number): Promise<{ statuses: Record<number, number>; seconds: number }> {
  const agent = new Agent({ connections: CONCURRENCY * urls.length });
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await request(`${urls[i % urls.length]}/v1/chat/completions`, {
        method: 'POST',
        body: BODY,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keyOf(i % KEYS)}` },
        dispatcher: agent,
      });
      await res.body.dump();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY * urls.length }, worker));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return { statuses, seconds };
}

function delta(after: Awaited<ReturnType<typeof commandStats>>, before: Awaited<ReturnType<typeof commandStats>>) {
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const [name, a] of Object.entries(after)) {
    // The bench's own INFO calls are not lmrelay's.
    if (name === 'info') continue;
    const b = before[name] ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) out[name] = { calls: a.calls - b.calls, usec: a.usec - b.usec };
  }
  return out;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main() {
  const bin = findRedis();
  if (!bin) throw new Error('redis-server not found on PATH');
  const redisServer = await startRedis(bin);
  const redis = new Redis(redisServer.url, { lazyConnect: true });
  await redis.connect();
  const upstream = await startUpstream();
  const config = join(work, 'lmrelay.json5');
  writeFileSync(
    config,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, apiKeys: Array.from({ length: KEYS }, (_, i) => ({ key: keyOf(i), name: `team-${i}`, rpm: 100_000_000, tpm: 1_000_000_000_000 })) },
      // A generous timeout: on a loaded machine the default 150 ms sends some checks to local counting, which sends no command.
      state: { redis: { url: redisServer.url, keyPrefix: 'bench:', commandTimeoutMs: 1000 } },
      models: { mode: 'replace', providers: { bench: { baseUrl: `http://127.0.0.1:${upstream}/v1`, apiKey: 'bench-local', models: [{ id: 'bench' }] } } },
    }),
  );
  const replicas = await Promise.all([startReplica(config, 'replica-a'), startReplica(config, 'replica-b')]);
  const urls = replicas.map((r) => r.url);

  await drive(urls, WARMUP);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const before = await commandStats(redis);
  const cpuBefore = await redisCpuSeconds(redis);
  const ticksBefore = replicas.map((r) => cpuTicks(r.pid));
  const run = await drive(urls, REQUESTS);
  const burst = delta(await commandStats(redis), before);
  const cpuBurst = (await redisCpuSeconds(redis)) - cpuBefore;
  const lmrelayTicks = replicas.reduce((sum, r, i) => sum + cpuTicks(r.pid) - ticksBefore[i], 0);
  // Token counts a replica still holds when traffic stops reach Redis within a second or so.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settled = delta(await commandStats(redis), before);
  const fellBack = replicas.reduce((sum, r) => sum + fallbacks(r.log), 0);
  const recorded = await record(redisServer.url, urls, RECORDED);
  const replayed = await replay(redis, redisServer.port, recorded, (name) => (burst[name]?.calls ?? 0) / REQUESTS);

  const total = (d: typeof burst) => Object.values(d).reduce((s, c) => ({ calls: s.calls + c.calls, usec: s.usec + c.usec }), { calls: 0, usec: 0 });
  // Commands a script runs are counted in commandstats too, and their time inside the script's:
  // the time per request adds up only the commands the replicas sent.
  const sent = new Set(recorded.map((args) => args[0].toLowerCase()));
  const topLevelUsec = Object.entries(burst).reduce((sum, [name, c]) => sum + (sent.has(name) ? c.usec : 0), 0);
  const commandsPerRequest = total(burst).calls / REQUESTS;
  const commandsPerRequestSettled = total(settled).calls / REQUESTS;
  const redisUsPerRequest = topLevelUsec / REQUESTS;
  const redisCpuUsPerRequest = (cpuBurst * 1e6) / REQUESTS;
  const busyUsPerRequest = replayed && Object.values(replayed).reduce((sum, c) => sum + c.perRequest * c.cpuUsPerCall, 0);
  const ceiling = 1e6 / (busyUsPerRequest ?? redisCpuUsPerRequest);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, redis: (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] },
    settings: { requests: REQUESTS, replicas: 2, keys: KEYS, concurrencyPerReplica: CONCURRENCY, reqPerLmrelayCore: REQ_PER_LMRELAY_CORE },
    statuses: run.statuses,
    /** Times a replica switched to local counting (Redis slower than commandTimeoutMs): its requests sent no command meanwhile. */
    fallbacksToLocal: fellBack,
    reqPerSecond: round(REQUESTS / run.seconds, 0),
    commands: Object.fromEntries(Object.entries(burst).map(([name, c]) => [name, { perRequest: round(c.calls / REQUESTS, 3), usecPerCall: round(c.usec / c.calls) }])),
    commandsPerRequest: round(commandsPerRequest, 3),
    commandsPerRequestWithTailFlush: round(commandsPerRequestSettled, 3),
    redisCommandUsPerRequest: round(redisUsPerRequest),
    redisCpuUsPerRequest: round(redisCpuUsPerRequest),
    busyRedis: replayed,
    busyRedisCpuUsPerRequest: busyUsPerRequest && round(busyUsPerRequest),
    lmrelayCpuUsPerRequest: round(((lmrelayTicks / CLK_TCK) * 1e6) / REQUESTS, 1),
    oneRedisCoreReqPerSecond: round(ceiling, 0),
    lmrelayCoresAtRedisSaturation: round(ceiling / REQ_PER_LMRELAY_CORE, 1),
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/redis.json'), JSON.stringify(result, null, 2) + '\n');

  console.log(`\n${REQUESTS} rate-limited requests through 2 replicas sharing one Redis (${KEYS} keys, ${CONCURRENCY} in flight per replica): ${JSON.stringify(run.statuses)}, ${result.reqPerSecond} req/s`);
  console.log('\n| Redis command | per limited request | µs per call (usec_per_call) |\n|---|---|---|');
  for (const [name, c] of Object.entries(result.commands)) console.log(`| ${name} | ${c.perRequest} | ${c.usecPerCall} |`);
  console.log(`\nRedis commands per limited request: ${result.commandsPerRequest} (${result.commandsPerRequestWithTailFlush} counting the token counts flushed after the run)`);
  console.log(`Redis command time per request (commandstats usec): ${result.redisCommandUsPerRequest} µs`);
  console.log(`Redis CPU per request (INFO cpu, user + sys, network included): ${result.redisCpuUsPerRequest} µs`);
  console.log(`lmrelay CPU per request (both replicas, /proc; from source through tsx, unpinned, sharing the cores with Redis and the load: compare runs of this bench, not README's table): ${result.lmrelayCpuUsPerRequest} µs`);
  if (fellBack) console.log(`Note: the replicas fell back to local counting ${fellBack} time(s) (Redis slower than commandTimeoutMs on a loaded machine); run again on a quieter one.`);
  if (replayed) {
    console.log(`\nThe commands of ${RECORDED} limited requests (MONITOR), each replayed ${REPLAYED} times by redis-benchmark, 50 connections:`);
    console.log('| command | per limited request | Redis CPU µs per call (INFO cpu) | calls/s |\n|---|---|---|---|');
    for (const [name, c] of Object.entries(replayed)) console.log(`| ${name} | ${c.perRequest} | ${c.cpuUsPerCall} | ${c.callsPerSecond} |`);
    console.log(`Busy Redis CPU per limited request: ${result.busyRedisCpuUsPerRequest} µs`);
  } else console.log('(no redis-benchmark: the fleet size below uses the CPU per request measured at the load above)');
  console.log(`One Redis core: ~${result.oneRedisCoreReqPerSecond} limited req/s = ${result.lmrelayCoresAtRedisSaturation} lmrelay cores at ${REQ_PER_LMRELAY_CORE} req/s per core`);
  console.log('\nwrote bench/results/redis.json');
  redis.disconnect();
  await redisServer.stop();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
