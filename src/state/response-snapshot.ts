/**
 * The snapshot file of the in-process response store: one header line, then one line per
 * record, `{"o":owner,"e":expiresAt}` TAB the record's JSON (JSON text holds no raw tab or
 * newline). Written to a temporary file beside it, flushed, then renamed over it: a crash while
 * writing leaves the previous snapshot whole. Read line by line; a missing file starts empty, a
 * damaged one is read as far as it is sound, with a warning.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

export interface SnapshotEntry {
  owner: string;
  expiresAt: number;
  text: string;
}

const HEADER = JSON.stringify({ lmrelay: 'stored-responses', version: 1 });

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };

export async function writeSnapshot(file: string, entries: Iterable<SnapshotEntry>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const out = createWriteStream(tmp, { mode: 0o600 });
    const opened = new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
    await opened;
    const write = (line: string) => (out.write(line) ? undefined : new Promise<void>((r) => out.once('drain', r)));
    await write(`${HEADER}\n`);
    for (const e of entries) await write(`${JSON.stringify({ o: e.owner, e: e.expiresAt })}\t${e.text}\n`);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    // On disk before the rename makes it the snapshot.
    const handle = await open(tmp, 'r');
    await handle.sync();
    await handle.close();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Calls `onEntry` for each sound line; answers the count read, or undefined when there is no file. */
export async function readSnapshot(file: string, log: Log | undefined, onEntry: (entry: SnapshotEntry) => void): Promise<number | undefined> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const missing = await new Promise<boolean>((resolve, reject) => {
    input.once('ready', () => resolve(false));
    input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(true) : reject(err)));
  }).catch((err: Error) => {
    log?.warn({ file, err: err.message }, 'the snapshot of stored responses cannot be read; starting with none');
    return true;
  });
  if (missing) {
    input.destroy();
    log?.info({ file }, 'no snapshot of stored responses yet; starting with none');
    return undefined;
  }
  let count = 0;
  let bad = 0;
  let first = true;
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (first) {
        first = false;
        if (line !== HEADER) {
          log?.warn({ file }, 'the snapshot file is not one lmrelay wrote (unknown header); starting with no stored responses');
          return 0;
        }
        continue;
      }
      const entry = parseLine(line);
      if (!entry) {
        bad++;
        continue;
      }
      try {
        onEntry(entry);
        count++;
      } catch {
        bad++;
      }
    }
  } catch (err) {
    log?.warn({ file, err: (err as Error).message }, 'reading the snapshot of stored responses failed part-way; keeping what was read');
  } finally {
    input.destroy();
  }
  if (first) log?.warn({ file }, 'the snapshot of stored responses is empty (not even its header); starting with none');
  if (bad) log?.warn({ file, skipped: bad, read: count }, 'the snapshot of stored responses has damaged lines; they were skipped');
  return count;
}

function parseLine(line: string): SnapshotEntry | undefined {
  const tab = line.indexOf('\t');
  if (tab < 0) return undefined;
  try {
    const head = JSON.parse(line.slice(0, tab));
    if (typeof head?.o !== 'string' || typeof head?.e !== 'number') return undefined;
    return { owner: head.o, expiresAt: head.e, text: line.slice(tab + 1) };
  } catch {
    return undefined;
  }
}
