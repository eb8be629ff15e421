/**
 * The plugin scope that guards routes: every route registered inside it (all of /v1, and
 * /metrics when `server.metricsRequireAuth`) runs this onRequest hook, which checks the inbound
 * key and the key's per-minute budgets. Because Fastify runs a scope's hooks only for the routes
 * it matched, the check follows the route the router chose, whatever spelling of the path the
 * client sent (percent-encoding, case, slashes): a spelling either matches a guarded route, and
 * is checked, or matches none, and gets 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { authenticate } from './auth.js';
import { RelayError } from '../core/errors.js';

export interface GuardOptions {
  /** Read per request (config reloads); false leaves the scope open. */
  enabled?: () => boolean;
  /**
   * Pages a browser opens (the status page): the key may also come as HTTP Basic credentials'
   * password, and a refusal asks the browser for them, which it then sends with the page's feed too.
   */
  browserLogin?: boolean;
}

export function guardScope(app: FastifyInstance, scope: FastifyInstance, options: GuardOptions = {}): void {
  const { enabled, browserLogin = false } = options;
  // Callback-style: no promise per request on the hot path.
  scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (enabled && !enabled()) return done();
    const auth = authenticate(app.relay.state.config.server.apiKeys, request, browserLogin);
    if ('denied' in auth) {
      if (browserLogin) reply.header('www-authenticate', 'Basic realm="lmrelay", charset="UTF-8"');
      return refuse(request, auth.denied, done);
    }
    const key = auth.key;
    if (key) {
      request.keyOwner = key.owner;
      request.spendKey = key;
    }
    if (!key || (key.rpm === undefined && key.tpm === undefined)) return done();
    request.rateKey = key.name;
    // Only keys with budgets pay for the (possibly shared) counter.
    app.relay.limiter.consume(key.name, key).then(
      (decision) => {
        if (decision.allowed) return done();
        const limit = decision.reason === 'tpm' ? `${key.tpm} tokens` : `${key.rpm} requests`;
        const err = new RelayError(`Rate limit reached for key ${key.name}: ${limit} per minute`, {
          code: 'rate_limit_exceeded',
          retryAfterSeconds: decision.retryAfterSeconds,
        });
        refuse(request, err, done);
      },
      // A limiter that cannot answer (shared store down past its fallback) does not lock clients out.
      () => done(),
    );
  });
}

/** Through the route's error handler, which frames the error in the route's own API (and sets retry-after). */
function refuse(request: FastifyRequest, err: RelayError, done: HookHandlerDoneFunction): void {
  request.relayInfo ??= {};
  done(err);
}
