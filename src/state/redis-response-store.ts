/**
 * Stored responses in Redis, shared by every replica: a response is one key (its whole record:
 * the conversation it continues, its input and output), and each of its output items one more
 * key (what item_reference names), all with the TTL. A turn reads with one MGET (the previous
 * response and any referenced items) and writes with one pipelined round trip.
 * Redis being slow or gone is not an outage: the in-process store takes the writes meanwhile
 * and is read for what Redis does not have, and the switch is logged once each way.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Json } from '../../adapters/types.js';
import type { EmbeddedResponseStore } from './embedded-response-store.js';
import { isStorableId, outputItemIds, type ResponseStore, type StoreLookup, type StoredResponse } from './response-store.js';

export interface RedisResponseStoreOptions {
  url: string;
  keyPrefix: string;
  ttlMs: number;
  maxEntryBytes: number;
  logger: Logger;
}

/**
 * Longer than the shared state's command timeout: a record may be megabytes, and a slow write
 * here must not mark Redis down for cooldowns and limits. This store has its own connection.
 */
const COMMAND_TIMEOUT_MS = 2000;

/** Owner '' (no keys configured) is written as '_', which no key's owner id can be. */
const ownerPart = (owner: string) => owner || '_';

export class RedisResponseStore implements ResponseStore {
  private readonly redis: Redis;
  private up = false;
  private warnedDown = false;
  private closing = false;

  constructor(private readonly opts: RedisResponseStoreOptions, private readonly local: EmbeddedResponseStore) {
    this.redis = new Redis(opts.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (times: number) => Math.min(200 * times, 2000),
    });
    this.redis.on('error', () => this.markDown('connection error'));
    this.redis.on('close', () => this.markDown('connection closed'));
    this.redis.on('ready', () => this.markUp());
  }

  private responseKey(owner: string, id: string): string {
    return `${this.opts.keyPrefix}resp:${ownerPart(owner)}:${id}`;
  }

  private itemKey(owner: string, id: string): string {
    return `${this.opts.keyPrefix}item:${ownerPart(owner)}:${id}`;
  }

  async lookup(owner: string, responseId: string | undefined, itemIds: readonly string[]): Promise<StoreLookup> {
    const keys = [...(responseId !== undefined ? [this.responseKey(owner, responseId)] : []), ...itemIds.map((id) => this.itemKey(owner, id))];
    const values = keys.length ? await this.attempt((r) => r.mget(keys)) : [];
    if (!values) return this.local.lookupSync(owner, responseId, itemIds);
    const out: StoreLookup = { items: new Map() };
    let at = 0;
    if (responseId !== undefined) out.response = parse(values[at++]);
    for (const id of itemIds) {
      const item = parse(values[at++]);
      if (item) out.items.set(id, item as Json);
    }
    // What was written here while Redis was away.
    const missingResponse = responseId !== undefined && !out.response ? responseId : undefined;
    const missingItems = itemIds.filter((id) => !out.items.has(id));
    if (this.local.size && (missingResponse || missingItems.length)) {
      const found = this.local.lookupSync(owner, missingResponse, missingItems);
      out.response ??= found.response;
      for (const [id, item] of found.items) out.items.set(id, item);
    }
    return out;
  }

  async put(owner: string, record: StoredResponse): Promise<boolean> {
    const text = JSON.stringify(record);
    if (Buffer.byteLength(text) > this.opts.maxEntryBytes) return false;
    const ttl = this.opts.ttlMs;
    const written = await this.attempt(async (r) => {
      const batch = r.pipeline().set(this.responseKey(owner, record.response.id), text, 'PX', ttl);
      for (const item of record.response.output ?? []) {
        if (isStorableId(item?.id)) batch.set(this.itemKey(owner, item.id), JSON.stringify(item), 'PX', ttl);
      }
      const results = await batch.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
      return true;
    });
    return written ?? this.local.put(owner, record);
  }

  async delete(owner: string, id: string): Promise<boolean> {
    const key = this.responseKey(owner, id);
    const deleted = await this.attempt(async (r) => {
      const record = parse(await r.get(key)) as StoredResponse | undefined;
      if (!record) return false;
      await r.del(key, ...outputItemIds(record).map((itemId) => this.itemKey(owner, itemId)));
      return true;
    });
    const local = await this.local.delete(owner, id);
    return Boolean(deleted) || local;
  }

  async start(): Promise<void> {
    await this.redis.connect().catch(() => this.markDown('connect failed'));
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.local.close();
    this.redis.disconnect();
  }

  /** A Redis call; undefined (and Redis marked down) when it failed. */
  private async attempt<T>(call: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.up) return undefined;
    try {
      return await call(this.redis);
    } catch (err) {
      this.markDown((err as Error).message);
      return undefined;
    }
  }

  private markUp(): void {
    if (this.warnedDown) this.opts.logger.info('stored responses: Redis is back; storing there again');
    this.up = true;
    this.warnedDown = false;
  }

  private markDown(why: string): void {
    if (this.closing) return;
    if (!this.warnedDown) this.opts.logger.warn({ why }, 'stored responses: Redis unreachable; keeping them in this process until it is back');
    this.warnedDown = true;
    this.up = false;
    // A command that timed out leaves the connection open: no new 'ready' will come, so check it.
    if (this.redis.status === 'ready') {
      void this.redis.ping().then(
        () => this.markUp(),
        () => {},
      );
    }
  }
}

function parse(text: string | null | undefined): any {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
