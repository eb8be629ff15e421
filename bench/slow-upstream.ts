/**
 * The upstream of the many-slow-streams phase: N chunks per stream, one every D ms, for as
 * little CPU per chunk as Node allows, so that 10,000 streams (100,000 chunks/s) leave the
 * measurement to the proxy. HTTP/1.1 by hand on raw sockets (keep-alive, content-length
 * bodies), chunks pre-encoded once, and one timer wheel of 10 ms slots instead of a timer per
 * stream. Sends the same frames as bench/upstream.ts.
 * Usage: node --import tsx bench/slow-upstream.ts --chunks N [--delay 100] [--port P]
 */
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { BENCH_ANSWER, readRequests } from './shared.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '150' }, delay: { type: 'string', default: '100' } } });
const chunks = Number(values.chunks);
const SLOT_MS = 10;
const SLOTS = Math.max(1, Math.round(Number(values.delay) / SLOT_MS));

const chunked = (text: string) => Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
const frame = (i: number) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`;
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\nkeep-alive: timeout=60\r\n\r\n';
const pieces = Array.from({ length: chunks }, (_, i) => chunked(frame(i)));
pieces[0] = Buffer.concat([Buffer.from(HEAD), pieces[0]]);
pieces.push(
  Buffer.concat([
    chunked(
      'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
        `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${chunks},"total_tokens":${chunks + 12}}}\n\n` +
        'data: [DONE]\n\n',
    ),
    Buffer.from('0\r\n\r\n'),
  ]),
);
const MODELS = '{"object":"list","data":[{"id":"bench","object":"model"}]}';
/** A request without "stream":true (the proxies' warm-up) gets a short answer at once. */
const ANSWER = BENCH_ANSWER;

interface Stream {
  socket: Socket;
  next: number;
}

/** slots[i] holds the streams whose next piece is due when slot i comes round (every SLOTS x 10 ms). */
const slots: Stream[][] = Array.from({ length: SLOTS }, () => []);
let tick = 0;
const began = performance.now();

function turn(): void {
  const due = Math.floor((performance.now() - began) / SLOT_MS);
  // Runs every slot that has come due (timers run late under load: catch up, never skip).
  for (; tick <= due; tick++) {
    const slot = slots[tick % SLOTS];
    let kept = 0;
    for (const stream of slot) {
      if (stream.socket.destroyed) continue;
      stream.socket.write(pieces[stream.next++]);
      if (stream.next < pieces.length) slot[kept++] = stream;
    }
    slot.length = kept;
  }
}
setInterval(turn, SLOT_MS);

const json = (text: string) => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\nconnection: keep-alive\r\nkeep-alive: timeout=60\r\n\r\n${text}`;

function answer(socket: Socket, method: string, body: string): void {
  if (method === 'GET' || !body.includes('"stream":true')) {
    socket.write(json(method === 'GET' ? MODELS : ANSWER));
    return;
  }
  // Into the slot that ran last: its first piece goes out when that slot comes round again, one interval from now.
  slots[(tick + SLOTS - 1) % SLOTS].push({ socket, next: 0 });
}

const server = createServer({ noDelay: true }, (socket) => readRequests(socket, answer));
server.listen({ port: Number(values.port), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
