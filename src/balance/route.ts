/** The balancer's part in one relayed request: who the client is, and the end of its reply. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModelTarget } from '../catalog.js';
import { SESSION_HEADER, type BalancedRequest } from './balancer.js';

export function balancedRoute(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  group: ModelTarget,
  chain: readonly ModelTarget[],
  previousProvider: string | undefined,
): BalancedRequest {
  const header = request.headers[SESSION_HEADER];
  const session = typeof header === 'string' && header ? header : undefined;
  const route = app.relay.balancer.route(group, chain, app.relay.cooldowns, { session, provider: previousProvider, owner: request.keyOwner });
  // Closed when the answer is written to its end, or the client went away (maybe already).
  if (reply.raw.closed) route.closed();
  else reply.raw.once('close', () => route.closed());
  return route;
}
