/** Where spend is kept: the ledger every check reads, and how it is kept or shared. */
import type { SpendEntry, SpendLedger } from './ledger.js';

export interface SpendStore {
  readonly ledger: SpendLedger;
  record(entry: SpendEntry): void;
  /** Brings shared totals up to date before a chain is checked; undefined when there is nothing to wait for. */
  refresh(): Promise<void> | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}
