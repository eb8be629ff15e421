/**
 * One keep-alive undici Pool per upstream origin, made when a config is loaded and closed
 * when that config is replaced, never per request.
 */
import { Pool } from 'undici';
import type { LookupFunction } from 'node:net';
import type { ResolvedProvider } from '../catalog.js';

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(providers: Iterable<ResolvedProvider>, private readonly lookup?: LookupFunction) {
    for (const provider of providers) this.forProvider(provider);
  }

  forProvider(provider: ResolvedProvider): Pool {
    const key = `${provider.origin}|${provider.timeouts.connectMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(provider.origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        // Our own CallDeadline owns header/body timing; undici's timers would only race it.
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: provider.timeouts.connectMs, ...(this.lookup ? { lookup: this.lookup } : {}) },
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
