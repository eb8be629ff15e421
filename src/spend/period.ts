/** Budget periods are UTC calendar days and months: `day:2026-11-25`, `month:2026-11`. */
export type PeriodKind = 'day' | 'month';

export function periodId(kind: PeriodKind, now: number): string {
  const iso = new Date(now).toISOString();
  return kind === 'day' ? `day:${iso.slice(0, 10)}` : `month:${iso.slice(0, 7)}`;
}

/** When the period holding `now` ends (ms since the epoch). */
export function periodEnd(kind: PeriodKind, now: number): number {
  const d = new Date(now);
  return kind === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export const PERIODS: readonly PeriodKind[] = ['day', 'month'];
