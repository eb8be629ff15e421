/**
 * One keep-alive undici Pool per upstream origin, made when a config is loaded and closed
 * when that config is replaced, never per request.
 */
import { Pool } from 'undici';
import type { LookupFunction } from 'node:net';
import type { ResolvedProvider } from '../catalog.js';
import { guardedConnector } from '../net/guarded-connect.js';

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(providers: Iterable<ResolvedProvider>, private readonly lookup?: LookupFunction) {
    for (const provider of providers) this.forProvider(provider);
  }

  forProvider(provider: ResolvedProvider): Pool {
    const allowPrivate = provider.config.request?.allowPrivateNetwork === true;
    const key = `${provider.origin}|${provider.timeouts.connectMs}|${allowPrivate}|${provider.id}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(provider.origin, {
        // No cap: a thousand long streams must not queue behind each other in lmrelay; the
        // model server is what bounds concurrency.
        connections: null,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        // Our own CallDeadline owns header/body timing; undici's timers would only race it.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: guardedConnector({ providerId: provider.id, allowPrivateNetwork: allowPrivate, connectTimeoutMs: provider.timeouts.connectMs, lookup: this.lookup }),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.pools.clear();
  }
}
