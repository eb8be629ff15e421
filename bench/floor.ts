/**
 * The Node floor: the least a Fastify + undici proxy can do (parse the JSON body, forward it,
 * pipe the answer back). lmrelay is measured against this.
 * Usage: node --import tsx bench/floor.ts --port P --upstream http://127.0.0.1:U
 */
import Fastify from 'fastify';
import { Pool } from 'undici';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const pool = new Pool(values.upstream!, { connections: 256, keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) });
  reply.code(res.statusCode).header('content-type', res.headers['content-type'] as string);
  return reply.send(res.body);
});
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
