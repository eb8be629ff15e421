/**
 * The in-process response store: records kept as JSON text (compact, and parsed only when a
 * turn reads one), bounded by total bytes with the least recently used evicted first, each
 * expiring after the TTL. Optionally written to a snapshot file on shutdown and read at start,
 * so that a restart loses nothing (./response-snapshot.ts).
 */
import type { Json } from '../../adapters/types.js';
import { outputItemIds, type ResponseStore, type StoreLookup, type StoredResponse } from './response-store.js';
import { readSnapshot, writeSnapshot, type SnapshotEntry } from './response-snapshot.js';

export interface EmbeddedStoreOptions {
  ttlMs: number;
  maxBytes: number;
  maxEntryBytes: number;
  snapshotFile?: string;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  now?: () => number;
}

interface Entry {
  owner: string;
  text: string;
  bytes: number;
  expiresAt: number;
  itemIds: string[];
}

/** What an entry and an item's index line cost beside their text (Map slots, keys, objects): an estimate. */
const ENTRY_OVERHEAD = 256;
const ITEM_OVERHEAD = 128;
/** Expired records are swept at least this often (and on every read of them). */
const SWEEP_MS = 60_000;

const keyOf = (owner: string, id: string) => `${owner}\u0000${id}`;

export class EmbeddedResponseStore implements ResponseStore {
  /** By owner and response id, least recently used first. */
  private readonly entries = new Map<string, Entry>();
  /** Owner and output item id -> the key of the response it is in. */
  private readonly items = new Map<string, string>();
  private held = 0;
  private readonly maxEntryBytes: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: EmbeddedStoreOptions) {
    this.maxEntryBytes = Math.min(opts.maxEntryBytes, opts.maxBytes);
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_MS, Math.max(1000, opts.ttlMs / 2)));
    this.sweeper.unref();
  }

  /** Bytes held (text and the estimated overhead), never above maxBytes. */
  get bytesHeld(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  async lookup(owner: string, responseId: string | undefined, itemIds: readonly string[]): Promise<StoreLookup> {
    return this.lookupSync(owner, responseId, itemIds);
  }

  lookupSync(owner: string, responseId: string | undefined, itemIds: readonly string[]): StoreLookup {
    const out: StoreLookup = { items: new Map() };
    const parsed = new Map<string, StoredResponse | undefined>();
    const read = (key: string) => {
      if (!parsed.has(key)) parsed.set(key, this.read(key));
      return parsed.get(key);
    };
    if (responseId !== undefined) out.response = read(keyOf(owner, responseId));
    for (const id of itemIds) {
      const key = this.items.get(keyOf(owner, id));
      const item = key === undefined ? undefined : read(key)?.response.output?.find((i: Json) => i?.id === id);
      if (item) out.items.set(id, item);
    }
    return out;
  }

  async put(owner: string, record: StoredResponse): Promise<boolean> {
    return this.putText(owner, JSON.stringify(record), record, this.now() + this.opts.ttlMs);
  }

  async delete(owner: string, id: string): Promise<boolean> {
    const key = keyOf(owner, id);
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.remove(key, entry);
      return false;
    }
    this.remove(key, entry);
    return true;
  }

  async start(): Promise<void> {
    const file = this.opts.snapshotFile;
    if (!file) return;
    const now = this.now();
    const loaded = await readSnapshot(file, this.opts.logger, (entry) => {
      if (entry.expiresAt > now) this.putText(entry.owner, entry.text, JSON.parse(entry.text), entry.expiresAt);
    });
    if (loaded !== undefined) this.opts.logger?.info({ file, responses: this.entries.size, bytes: this.held }, 'stored responses read from the snapshot');
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const file = this.opts.snapshotFile;
    if (!file) return;
    this.sweep();
    try {
      await writeSnapshot(file, this.snapshotEntries());
      this.opts.logger?.info({ file, responses: this.entries.size }, 'stored responses written to the snapshot');
    } catch (err) {
      this.opts.logger?.warn({ file, err: (err as Error).message }, 'could not write the snapshot of stored responses; they are lost with this process');
    }
  }

  private *snapshotEntries(): Generator<SnapshotEntry> {
    // Least recently used first: read back in this order, the order of eviction is kept.
    for (const entry of this.entries.values()) yield { owner: entry.owner, expiresAt: entry.expiresAt, text: entry.text };
  }

  private putText(owner: string, text: string, record: StoredResponse, expiresAt: number): boolean {
    const ids = outputItemIds(record);
    const id = record.response.id;
    const bytes = Buffer.byteLength(text) + ENTRY_OVERHEAD + ids.reduce((n, i) => n + ITEM_OVERHEAD + i.length * 2, 0);
    if (typeof id !== 'string' || bytes > this.maxEntryBytes) return false;
    const key = keyOf(owner, id);
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    this.entries.set(key, { owner, text, bytes, expiresAt, itemIds: ids });
    for (const itemId of ids) this.items.set(keyOf(owner, itemId), key);
    this.held += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.opts.maxBytes) break;
      this.remove(oldest, entry);
    }
    return true;
  }

  /** The record, touched as most recently used; undefined when absent or expired. */
  private read(key: string): StoredResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return JSON.parse(entry.text);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.held -= entry.bytes;
    for (const itemId of entry.itemIds) {
      const itemKey = keyOf(entry.owner, itemId);
      // A later response may have an item of the same id (upstreams that reuse ids): keep its line.
      if (this.items.get(itemKey) === key) this.items.delete(itemKey);
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.remove(key, entry);
  }
}
