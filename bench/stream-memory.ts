/**
 * npm run bench:memory: what one request and one open stream cost lmrelay, in figures a busy
 * machine barely moves (unlike req/s or latency):
 * - per request, plain and streamed (short answers, 16 at a time): CPU time and bytes allocated
 *   on the JS heap, of the proxy process alone;
 * - per open stream: bytes the proxy keeps live (after full GCs) while BENCH_MEMORY_STREAMS
 *   streams (default 2,000) have had their first chunk and wait for the next one, and what stays
 *   after they all ended (a leak shows there);
 * - time from the upstream writing a stream's first event to the client reading it (wall
 *   time, so noisy: the median of sequential requests).
 * The proxy (lmrelay, or the Fastify + undici floor with BENCH_MEMORY_TARGET=floor) runs in its
 * own process with bench/memory-probe.ts loaded; the upstream and the clients run here, on raw
 * sockets. BENCH_MEMORY_PHASES=plain,streamed,first-byte,held picks phases. Results go to bench/results/stream-memory-<target>.json. Bounded: fixed counts, each
 * phase under a deadline, 127.0.0.1 only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync, mkdirSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { BENCH_ANSWER, BENCH_REQUEST, BENCH_STREAM_REQUEST, freePort, readRequests } from './shared.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const TARGET = process.env.BENCH_MEMORY_TARGET === 'floor' ? 'floor' : 'lmrelay';
const STREAMS = Number(process.env.BENCH_MEMORY_STREAMS ?? 2000);
const REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 4000);
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 3);
/** Which phases run (all by default): plain, streamed, first-byte, held. */
const PHASES = new Set((process.env.BENCH_MEMORY_PHASES ?? 'plain,streamed,first-byte,held').split(','));
const CONCURRENCY = 16;
const FIRST_BYTE_SAMPLES = 300;
const OPEN_PER_SECOND = 1000;
const PHASE_DEADLINE_MS = 120_000;

const work = mkdtempSync(join(tmpdir(), 'lmrelay-memory-'));

// --- the upstream: raw HTTP/1.1, pre-encoded answers --------------------------------------

const chunked = (text: string) => Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
const frame = (i: number) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`;
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\nkeep-alive: timeout=60\r\n\r\n';
const FIRST = Buffer.concat([Buffer.from(HEAD), chunked(frame(0))]);
const REST = Buffer.concat([
  chunked(Array.from({ length: 19 }, (_, i) => frame(i + 1)).join('')),
  chunked(
    'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
      'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32}}\n\n' +
      'data: [DONE]\n\n',
  ),
  Buffer.from('0\r\n\r\n'),
]);
const json = (text: string) => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\nconnection: keep-alive\r\nkeep-alive: timeout=60\r\n\r\n${text}`;
const ANSWER = json(BENCH_ANSWER);
const MODELS = json('{"object":"list","data":[{"id":"bench","object":"model"}]}');

/** While true, streams get their first event and then wait in `held` for release(). */
let holdStreams = false;
const held: Socket[] = [];
/** performance.now() of the last first-event write (the first-byte phase sends one at a time). */
let firstWrittenAt = 0;

function answer(socket: Socket, method: string, body: string): void {
  if (method === 'GET') return void socket.write(MODELS);
  if (!body.includes('"stream":true')) return void socket.write(ANSWER);
  if (holdStreams) {
    socket.write(FIRST);
    held.push(socket);
    return;
  }
  firstWrittenAt = performance.now();
  socket.write(Buffer.concat([FIRST, REST]));
}

function release(): void {
  for (const socket of held.splice(0)) if (!socket.destroyed) socket.write(REST);
}

const upstream = createServer({ noDelay: true }, (socket) => readRequests(socket, answer));

// --- the proxy under test -------------------------------------------------------------------

let proxy: ChildProcess;
let nextId = 0;
const waiting = new Map<number, (msg: any) => void>();

function ask(cmd: string): Promise<any> {
  const id = ++nextId;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    proxy.send({ cmd, id });
  });
}

async function startProxy(upstreamPort: number): Promise<string> {
  const port = await freePort();
  // BENCH_MEMORY_NODE_ARGS: more flags for the proxy (`--cpu-prof --cpu-prof-dir=DIR` to profile it).
  const execArgv = [...(process.env.BENCH_MEMORY_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--expose-gc', '--import', import.meta.resolve('tsx'), '--import', join(root, 'bench/memory-probe.ts')];
  const log = openSync(join(work, `${TARGET}.log`), 'w');
  if (TARGET === 'floor') {
    proxy = fork(join(root, 'bench/floor.ts'), ['--port', String(port), '--upstream', `http://127.0.0.1:${upstreamPort}`], { execArgv, stdio: ['ignore', log, log, 'ipc'] });
  } else {
    const config = join(work, 'lmrelay.json5');
    writeFileSync(
      config,
      JSON.stringify({
        server: { host: '127.0.0.1', port: 0 },
        models: {
          mode: 'replace',
          providers: { bench: { baseUrl: `http://127.0.0.1:${upstreamPort}/v1`, apiKey: 'bench-local', timeoutSeconds: 300, models: [{ id: 'bench', contextWindow: 131072, maxTokens: 4096 }] } },
        },
        agents: { defaults: { model: { primary: 'bench/bench' }, models: { 'bench/bench': { alias: 'Bench', params: { top_p: 0.95 } } } } },
      }),
    );
    // Logs on (info, one line per request) to a file, as the main bench runs it.
    proxy = fork(join(root, 'src/main.ts'), ['serve', '--config', config, '--port', String(port)], {
      execArgv,
      stdio: ['ignore', log, log, 'ipc'],
      env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
    });
  }
  proxy.on('message', (msg: any) => {
    const resolve = waiting.get(msg.id);
    waiting.delete(msg.id);
    resolve?.(msg);
  });
  console.error(`${TARGET} pid ${proxy.pid}`);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: PLAIN }).then((r) => r.arrayBuffer());
      return url;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// --- the clients ------------------------------------------------------------------------------

const PLAIN = BENCH_REQUEST;
const STREAMED = BENCH_STREAM_REQUEST;

/** `count` requests, CONCURRENCY at a time over keep-alive connections; answers read whole. */
async function drive(pool: Pool, body: string, count: number): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer client' }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** One raw streaming request; resolves with its socket once the first event arrived, `ended` when it ended. */
function openStream(url: URL, onFirst: (at: number) => void, onEnd: (ok: boolean) => void): Socket {
  const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAuthorization: Bearer client\r\nContent-Length: ${Buffer.byteLength(STREAMED)}\r\nConnection: close\r\n\r\n${STREAMED}`;
  const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
  let seen = '';
  let first = false;
  let done = false;
  const end = (ok: boolean) => {
    if (done) return;
    done = true;
    socket.destroy();
    onEnd(ok);
  };
  socket.on('connect', () => socket.write(request));
  socket.on('data', (data) => {
    const now = performance.now();
    // Only the head and the tail matter: keep the last bytes, enough to see the end.
    seen += data.toString('latin1');
    if (!first && seen.includes('data: ')) {
      first = true;
      onFirst(now);
    }
    if (seen.endsWith('0\r\n\r\n')) end(first);
    seen = seen.slice(-16);
  });
  socket.on('error', () => end(false));
  socket.on('close', () => end(false));
  return socket;
}

const until = (check: () => boolean, what: string) =>
  new Promise<void>((resolve, reject) => {
    const began = Date.now();
    const poll = setInterval(() => {
      let ready: boolean;
      try {
        ready = check();
      } catch (err) {
        clearInterval(poll);
        return reject(err);
      }
      if (ready) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - began > PHASE_DEADLINE_MS) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });

// --- the phases ------------------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function costPerRequest(url: string, body: string) {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  await drive(pool, body, REQUESTS); // warm-up: JIT, pools, connections
  const cpu: number[] = [];
  const system: number[] = [];
  const alloc: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await ask('count-start');
    await drive(pool, body, REQUESTS);
    const counted = await ask('count-stop');
    cpu.push(counted.cpuUs / REQUESTS);
    system.push(counted.systemUs / REQUESTS);
    alloc.push(counted.allocatedBytes / REQUESTS);
  }
  await pool.close();
  // CPU: the least of the rounds (other processes only ever add to it); allocation: the median.
  // (system: the kernel's share, mostly socket reads and writes.)
  return { cpuUsPerRequest: round(Math.min(...cpu)), systemUsPerRequest: round(Math.min(...system)), allocatedKBPerRequest: round(median(alloc) / 1024, 2) };
}

async function firstByte(url: URL): Promise<number> {
  const added: number[] = [];
  for (let i = 0; i < FIRST_BYTE_SAMPLES; i++) {
    await new Promise<void>((resolve) => {
      openStream(url, (at) => added.push(at - firstWrittenAt), () => resolve());
    });
  }
  return round(median(added.slice(FIRST_BYTE_SAMPLES / 5)) * 1000, 0);
}

async function heldStreams(url: URL) {
  const before = await ask('measure');
  holdStreams = true;
  let first = 0;
  let ended = 0;
  let failed = 0;
  let opened = 0;
  const began = performance.now();
  await until(() => {
    const due = Math.min(STREAMS, Math.floor(((performance.now() - began) * OPEN_PER_SECOND) / 1000));
    while (opened < due) {
      opened++;
      openStream(url, () => first++, (ok) => (ok ? ended++ : failed++));
    }
    if (failed) throw new Error(`${failed} streams failed while opening`);
    return first >= STREAMS;
  }, `${STREAMS} streams to get their first event`);
  const open = await ask('measure');
  // BENCH_MEMORY_SNAPSHOT=1: a heap snapshot with the streams open, to see what each one holds.
  if (process.env.BENCH_MEMORY_SNAPSHOT === '1') console.error(`heap snapshot: ${(await ask('snapshot')).file}`);
  holdStreams = false;
  release();
  await until(() => ended + failed >= STREAMS, 'the streams to end');
  // Sockets in TIME_WAIT and pooled keep-alive connections to the upstream are the proxy's to keep.
  const after = await ask('measure');
  const per = (key: string, m: any) => round((m[key] - before[key]) / STREAMS / 1024, 2);
  return {
    streams: STREAMS,
    failed,
    heapKBPerStream: per('heapUsed', open),
    externalKBPerStream: per('external', open),
    rssKBPerStream: per('rss', open),
    heapKBPerStreamAfterEnd: per('heapUsed', after),
    baselineHeapMB: round(before.heapUsed / 1048576),
    baselineRssMB: round(before.rss / 1048576),
  };
}

async function main() {
  await new Promise<void>((r) => upstream.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const url = await startProxy(upstreamPort);
  try {
    const plain = PHASES.has('plain') ? await costPerRequest(url, PLAIN) : undefined;
    const streamed = PHASES.has('streamed') ? await costPerRequest(url, STREAMED) : undefined;
    const firstByteUs = PHASES.has('first-byte') ? await firstByte(new URL(url)) : undefined;
    const memory = PHASES.has('held') ? await heldStreams(new URL(url)) : undefined;
    const result = { target: TARGET, date: new Date().toISOString(), node: process.version, requests: REQUESTS, plain, streamed, firstByteUs, memory };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, `bench/results/stream-memory-${TARGET}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    // SIGTERM first: a profile asked for by BENCH_MEMORY_NODE_ARGS is written on a clean exit.
    proxy.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      proxy.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    proxy.kill('SIGKILL');
    upstream.close();
    for (const s of held) s.destroy();
  }
  process.exit(0);
}

await main();
