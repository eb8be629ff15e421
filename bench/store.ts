/**
 * npm run bench:store: the in-process response store under its byte bound. Stores 10,000
 * conversations of ~20 KB each (BENCH_STORE_CONVERSATIONS, BENCH_STORE_KB) in an
 * EmbeddedResponseStore bounded at BENCH_STORE_MAX_MB (default 128 MiB, less than they add up
 * to, so the least recently used are evicted), each turn as a server does it: one lookup of the
 * previous response, one put of the new one. Prints the process's RSS and heap, the bytes the
 * store says it holds, and checks that they never passed the bound. RSS is more than the bound:
 * evicted records are garbage until V8's next major collection, and V8 lets its heap grow well
 * past what is live before one (heapUsed after a forced GC is what is live); run with
 * `--max-old-space-size` to see RSS held closer. Results go to
 * bench/results/store.json. Bounded: a fixed count of puts, in process, no network.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { EmbeddedResponseStore } from '../src/state/embedded-response-store.js';
import type { StoredResponse } from '../src/state/response-store.js';

const CONVERSATIONS = Number(process.env.BENCH_STORE_CONVERSATIONS ?? 10_000);
const KB = Number(process.env.BENCH_STORE_KB ?? 20);
const MAX_BYTES = Number(process.env.BENCH_STORE_MAX_MB ?? 128) * 1024 * 1024;
const TURNS = 4;

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Text of `bytes`, from a random pool at a moving offset: the store keeps each record as its
 * own JSON text, so records share nothing, and the bench allocates no buffer per call (which
 * would show in RSS as the allocator's, not the store's).
 */
const POOL = randomBytes(512 * 1024).toString('hex');
let offset = 0;
const text = (bytes: number) => {
  offset = (offset + 7919) % (POOL.length - bytes);
  return POOL.slice(offset, offset + bytes);
};

/** Turn `turn` of a conversation: its context grows to about KB kilobytes at the last turn. */
function record(id: string, previous: StoredResponse | undefined, turn: number): StoredResponse {
  const perTurn = Math.floor((KB * 1024) / TURNS);
  const context = [...(previous ? [...previous.context, ...previous.response.output] : []), { id: `msg_in_${id}`, type: 'message', role: 'user', content: text(perTurn / 4) }];
  const output = [{ id: `msg_${id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: text((perTurn * 3) / 4), annotations: [] }] }];
  return { response: { id, object: 'response', created_at: 0, status: 'completed', model: 'bench', output, turn }, context };
}

async function main() {
  gc?.();
  const before = process.memoryUsage();
  const store = new EmbeddedResponseStore({ ttlMs: 24 * 3600 * 1000, maxBytes: MAX_BYTES, maxEntryBytes: 8 * 1024 * 1024 });
  let maxHeld = 0;
  let recordBytes = 0;
  const started = performance.now();
  for (let c = 0; c < CONVERSATIONS; c++) {
    let previous: StoredResponse | undefined;
    for (let turn = 0; turn < TURNS; turn++) {
      const id = `resp_${c}_${turn}`;
      if (turn > 0) previous = (await store.lookup('bench', `resp_${c}_${turn - 1}`, [])).response;
      const next = record(id, previous, turn);
      if (turn === TURNS - 1) recordBytes += Buffer.byteLength(JSON.stringify(next));
      await store.put('bench', next);
      maxHeld = Math.max(maxHeld, store.bytesHeld);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  gc?.();
  const after = process.memoryUsage();
  const result = {
    conversations: CONVERSATIONS,
    turnsEach: TURNS,
    averageConversationKB: Math.round(recordBytes / CONVERSATIONS / 1024),
    addedUpMB: mb(recordBytes),
    boundMB: mb(MAX_BYTES),
    heldMB: mb(store.bytesHeld),
    maxHeldMB: mb(maxHeld),
    responsesKept: store.size,
    withinBound: maxHeld <= MAX_BYTES,
    rssMB: { before: mb(before.rss), after: mb(after.rss) },
    heapUsedMB: { before: mb(before.heapUsed), after: mb(after.heapUsed) },
    heapTotalMB: mb(after.heapTotal),
    externalMB: mb(after.external + after.arrayBuffers),
    turnsPerSecond: Math.round((CONVERSATIONS * TURNS) / seconds),
    gcExposed: Boolean(gc),
    node: process.version,
  };
  await store.close();
  console.log(JSON.stringify(result, null, 2));
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}store.json`, `${JSON.stringify(result, null, 2)}\n`);
  if (!result.withinBound) {
    console.error(`the store held ${result.maxHeldMB} MB, over its bound of ${result.boundMB} MB`);
    process.exit(1);
  }
}

await main();
