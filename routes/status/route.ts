/**
 * The live status page: GET /ui/ (HTML, with its script and stylesheet beside it) and its feed
 * GET /ui/events (SSE, a snapshot a second). `/` and `/ui` send the browser to `/ui/`, so that
 * the page's relative links also work behind a reverse proxy that mounts lmrelay under a path.
 * Registered inside the scope that guards /metrics: the page and its feed need the same key
 * (`/`, which only redirects, is open like the probes: `rootRedirect`).
 * The files ship in the package (static/ui/) and are read once, at start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { lmrelayPackage } from '../../src/package-root.js';
import { statusSnapshot } from '../../src/status/snapshot.js';
import { LiveFeed } from '../../src/status/live.js';
import { RelayError } from '../../core/errors.js';

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Nothing but the page's own files runs or loads, and no other site may frame it. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export default async function statusRoutes(app: FastifyInstance): Promise<void> {
  const files = readAssets();
  const feed = new LiveFeed(
    () => statusSnapshot(app.relay),
    (err) => app.log.error({ err }, 'status page snapshot failed'),
  );
  app.addHook('preClose', async () => feed.close());

  app.get('/ui', toPage);
  for (const [name, type] of Object.entries(ASSETS)) {
    const body = files.get(name)!;
    app.get(name === 'index.html' ? '/ui/' : `/ui/${name}`, async (_request, reply) => reply.headers(PAGE_HEADERS).type(type).send(body));
  }
  app.get('/ui/events', async (request, reply) => {
    reply.hijack();
    if (!feed.add(reply.raw, { 'x-request-id': String(request.id) })) {
      const err = new RelayError('too many status pages are open; close one and reload', { code: 'rate_limit_exceeded' });
      reply.raw.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' }).end(JSON.stringify(err.toJSON()));
    }
  });
}

/** GET /: to the status page (open: it says nothing but where the page is). */
export async function rootRedirect(app: FastifyInstance): Promise<void> {
  app.get('/', toPage);
}

async function toPage(_request: unknown, reply: FastifyReply): Promise<FastifyReply> {
  return reply.code(302).header('location', 'ui/').header('cache-control', 'no-cache').send();
}

function readAssets(): Map<string, Buffer> {
  const root = lmrelayPackage()?.root;
  if (!root) throw new Error('status page: lmrelay\'s package.json was not found beside its code');
  const folder = join(root, 'static', 'ui');
  return new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(folder, name))]));
}
