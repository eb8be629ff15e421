/**
 * Spend kept across restarts without Redis: a small JSON file (the current periods' totals),
 * read at start and written a moment after each answer (debounced), atomically: a temporary
 * file renamed over the old one, so a crash never leaves half a file.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { SpendLedger, type SpendEntry, type SpendTotals } from './ledger.js';
import type { SpendStore } from './store.js';

export const SPEND_WRITE_DELAY_MS = 500;

export class FileSpend implements SpendStore {
  readonly ledger = new SpendLedger();
  private timer?: NodeJS.Timeout;
  private dirty = false;

  constructor(
    private readonly file: string | undefined,
    private readonly logger?: Logger,
  ) {
    if (file) for (const [id, scopes] of Object.entries(readSpendFile(file))) this.ledger.replace(id, scopes);
  }

  record(entry: SpendEntry): void {
    this.ledger.add(entry);
    if (!this.file) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => this.write(), SPEND_WRITE_DELAY_MS);
  }

  refresh(): undefined {
    return undefined;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.write();
  }

  private write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    try {
      writeSpendFile(this.file, this.ledger.snapshot());
    } catch (err) {
      this.logger?.warn({ err, file: this.file }, 'spend: could not write the spend file');
    }
  }
}

/** The totals a spend file holds; none when it is missing or unreadable. */
export function readSpendFile(file: string): SpendTotals {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed.periods === 'object' ? parsed.periods : {};
  } catch {
    return {};
  }
}

function writeSpendFile(file: string, periods: SpendTotals): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ periods }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
