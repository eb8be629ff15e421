/** NDJSON framing (src/stream/ndjson-parse.ts): lines split anywhere across network chunks, bounded. */
import t from 'tap';
import { parseNdjson } from '../../src/stream/ndjson-parse.js';
import { SseOverflowError } from '../../src/stream/sse-parse.js';

async function batches(pieces: string[], max?: number) {
  async function* body() {
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: string[][] = [];
  for await (const batch of parseNdjson(body(), () => {}, max)) out.push(batch.map((e) => e.data));
  return out;
}

t.test('lines split across chunks, one batch per chunk, blank lines skipped', async (t) => {
  t.same(await batches(['{"a":1}\n{"b"', ':2}\n\n{"c":3}\r\n', '{"d":4}']), [['{"a":1}'], ['{"b":2}', '{"c":3}'], ['{"d":4}']]);
});

t.test('a multi-byte character split between chunks survives', async (t) => {
  const bytes = Buffer.from('{"t":"é"}\n');
  async function* body() {
    yield bytes.subarray(0, 7);
    yield bytes.subarray(7);
  }
  const out: string[] = [];
  for await (const batch of parseNdjson(body(), () => {})) out.push(...batch.map((e) => e.data));
  t.same(out, ['{"t":"é"}']);
});

t.test('a line longer than the bound fails, whether or not it ended', async (t) => {
  const unended = await batches(['x'.repeat(20)], 10).catch((e) => e);
  t.ok(unended instanceof SseOverflowError, 'the overflow the stream reader reports as a bad response');
  await t.rejects(batches([`${'x'.repeat(20)}\n`], 10), { message: /a stream line exceeded 10 characters/ });
});
