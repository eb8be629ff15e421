/**
 * The Node floor: the least a Fastify + undici proxy can do (parse the JSON body, re-serialise
 * it, forward it, pipe the answer back). lmrelay is measured against this. Like lmrelay it takes
 * bodies up to 16 MiB (an agent's turn runs to hundreds of KB) and sets no cap on upstream
 * connections (thousands of slow streams must not queue behind each other).
 * Usage: node --import tsx bench/floor.ts --port P --upstream http://127.0.0.1:U
 */
import Fastify from 'fastify';
import { Pool } from 'undici';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const pool = new Pool(values.upstream!, { connections: null, keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.post('/v1/chat/completions', async (request, reply) => {
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) });
  reply.code(res.statusCode).header('content-type', res.headers['content-type'] as string);
  return reply.send(res.body);
});
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
