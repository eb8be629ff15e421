/**
 * The load generator for many concurrent slow streams, as its own process: opens `count`
 * streaming requests at `rate` per second over raw sockets (no HTTP client per read, one shared
 * read buffer), and measures how late each chunk arrives against a chunk every `interval` ms
 * after the stream's first. Prints one JSON line: completed, failures by kind, lateness
 * percentiles, peak concurrent streams.
 * Usage: node --import tsx bench/slow-clients.ts --url http://127.0.0.1:P/v1/chat/completions
 *          --body-file F --count N [--rate 2000] [--interval 100] [--deadline 120]
 */
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'body-file': { type: 'string' },
    count: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '100' },
    deadline: { type: 'string', default: '120' },
  },
});
const url = new URL(values.url!);
const body = readFileSync(values['body-file']!);
const count = Number(values.count);
const rate = Number(values.rate);
const interval = Number(values.interval);
const deadlineMs = Number(values.deadline) * 1000;

const request = Buffer.concat([
  Buffer.from(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAuthorization: Bearer client\r\nContent-Length: ${body.length}\r\n\r\n`),
  body,
]);

/** Lateness histogram: 0.1 ms buckets up to 60 s (the last bucket holds anything later). */
const BUCKET_MS = 0.1;
const lateness = new Uint32Array(600_001);
let samples = 0;
const firstFrame: number[] = [];
const failures: Record<string, number> = {};
let completed = 0;
let started = 0;
let open = 0;
let streaming = 0;
let peakOpen = 0;
let peakStreaming = 0;
const sockets = new Set<Socket>();

const fail = (kind: string) => (failures[kind] = (failures[kind] ?? 0) + 1);

// Byte patterns scanned across reads with a small state machine each (neither pattern's
// prefix reappears inside it, so a mismatch restarts at 0, or 1 on the first byte).
const FRAME = Buffer.from('data: ');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

function step(pattern: Buffer, state: number, byte: number): number {
  if (byte === pattern[state]) return state + 1;
  return byte === pattern[0] ? 1 : 0;
}

function openStream(): void {
  started++;
  const t = performance.now();
  let head = '';
  let headState = 0;
  let inBody = false;
  let frameState = 0;
  let endState = 0;
  let t0 = 0;
  let k = 0;
  let done = false;
  const finish = (kind?: string) => {
    if (done) return;
    done = true;
    open--;
    if (t0) streaming--;
    if (kind) fail(kind);
    else completed++;
    sockets.delete(socket);
    socket.destroy();
  };
  const onRead = (nread: number, buf: Buffer): boolean => {
    const now = performance.now();
    let i = 0;
    if (!inBody) {
      for (; i < nread && headState < 4; i++) headState = step(HEAD_END, headState, buf[i]);
      head += buf.toString('latin1', 0, i);
      if (headState < 4) return true;
      inBody = true;
      const status = Number(head.slice(9, 12));
      if (status !== 200) {
        finish(`http ${status}`);
        return false;
      }
    }
    let frames = 0;
    let ended = false;
    for (; i < nread && !ended; i++) {
      const byte = buf[i];
      frameState = step(FRAME, frameState, byte);
      if (frameState === FRAME.length) {
        frames++;
        frameState = 0;
      }
      endState = step(LAST_CHUNK, endState, byte);
      ended = endState === LAST_CHUNK.length;
    }
    if (frames) {
      if (!t0) {
        t0 = now;
        streaming++;
        if (streaming > peakStreaming) peakStreaming = streaming;
        firstFrame.push(now - t);
      } else {
        const late = Math.max(0, now - (t0 + k * interval));
        lateness[Math.min(lateness.length - 1, Math.round(late / BUCKET_MS))]++;
        samples++;
      }
      k += frames;
    }
    if (ended) finish();
    return !ended;
  };
  const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true, onread: { buffer: readBuffer, callback: onRead } });
  sockets.add(socket);
  open++;
  if (open > peakOpen) peakOpen = open;
  socket.on('connect', () => socket.write(request));
  socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'error'));
  socket.on('close', () => finish(t0 ? 'closed mid-stream' : 'closed before the first chunk'));
}

const readBuffer = Buffer.alloc(64 * 1024);

function percentile(p: number): number {
  const rank = Math.ceil((p / 100) * samples);
  let seen = 0;
  for (let b = 0; b < lateness.length; b++) {
    seen += lateness[b];
    if (seen >= rank && seen > 0) return Number((b * BUCKET_MS).toFixed(1));
  }
  return 0;
}

const began = performance.now();
let rampedAt = 0;
// Opens as many streams as the rate allows by now (timers run late under load; this catches up).
const ramp = setInterval(() => {
  // Behind schedule, it catches up by at most 50 ms of openings per turn: no storm of connects.
  const due = Math.min(count, Math.floor(((performance.now() - began) * rate) / 1000), started + Math.ceil(rate / 20));
  while (started < due) openStream();
  if (started >= count) {
    clearInterval(ramp);
    rampedAt = performance.now();
  }
}, 10);

await new Promise<void>((resolve) => {
  const poll = setInterval(() => {
    const over = performance.now() - began > deadlineMs;
    if (started >= count && open === 0) {
      clearInterval(poll);
      resolve();
    } else if (over) {
      clearInterval(poll);
      clearInterval(ramp);
      for (const socket of sockets) socket.destroy();
      resolve();
    }
  }, 50);
});

firstFrame.sort((a, b) => a - b);
const unfinished = count - completed - Object.values(failures).reduce((a, b) => a + b, 0);
if (unfinished > 0) failures['unfinished at the deadline'] = unfinished;
process.stdout.write(
  `${JSON.stringify({
    streams: count,
    completed,
    failures,
    peakOpen,
    peakStreaming,
    rampSeconds: Number(((rampedAt - began) / 1000).toFixed(2)),
    seconds: Number(((performance.now() - began) / 1000).toFixed(2)),
    chunksMeasured: samples,
    latenessP50Ms: percentile(50),
    latenessP99Ms: percentile(99),
    latenessP999Ms: percentile(99.9),
    latenessMaxMs: percentile(100),
    firstChunkP50Ms: Number((firstFrame[Math.floor(firstFrame.length / 2)] ?? 0).toFixed(1)),
    firstChunkP99Ms: Number((firstFrame[Math.floor(firstFrame.length * 0.99)] ?? 0).toFixed(1)),
  })}\n`,
);
process.exit(0);
