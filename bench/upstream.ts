/**
 * The benchmark's upstream: a fast OpenAI-compatible mock. Non-streamed answers are a fixed
 * ~300-byte chat.completion; streamed answers are N chunks, optionally one every D ms.
 * Usage: node --import tsx bench/upstream.ts --port P --chunks N [--delay D]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { BENCH_ANSWER } from './shared.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '20' }, delay: { type: 'string', default: '0' } } });
const chunks = Number(values.chunks);
const delay = Number(values.delay);

const reply = Buffer.from(BENCH_ANSWER);
const frame = (i: number) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`;
const frames = Array.from({ length: chunks }, (_, i) => frame(i));
const tail =
  'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
  'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32}}\n\n' +
  'data: [DONE]\n\n';

const server = createServer((req, res) => {
  const body: Buffer[] = [];
  req.on('data', (c) => body.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[{"id":"bench","object":"model"}]}');
      return;
    }
    const text = Buffer.concat(body).toString();
    if (!text.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
      res.end(reply);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (!delay) {
      res.end(frames.join('') + tail);
      return;
    }
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      if (i < frames.length) res.write(frames[i++]);
      else {
        clearInterval(timer);
        res.end(tail);
      }
    }, delay);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
