/**
 * The model label of every metric comes from a bounded set whatever clients send: a ref is a
 * label of its own when the config names it or a server reported it (discovery); any other
 * name a client writes is counted under `other`. One Set lookup per count.
 */
export const OTHER_MODEL = 'other';
/** Reported models beyond this many (a server listing thousands) are counted as `other`. */
export const MAX_REPORTED_MODEL_LABELS = 1000;

export class ModelLabels {
  private readonly known = new Set<string>();
  private reported = 0;

  /** Refs of the config: always labels of their own. */
  addConfigured(refs: Iterable<string>): void {
    for (const ref of refs) this.known.add(ref);
  }

  /** A ref a server reported, while there is room. */
  addReported(ref: string): void {
    if (this.known.has(ref) || this.reported >= MAX_REPORTED_MODEL_LABELS) return;
    this.known.add(ref);
    this.reported++;
  }

  has(ref: string): boolean {
    return this.known.has(ref);
  }

  /** The label for `ref`: itself when known, `other` when not, empty when no model was named. */
  of(ref: string | undefined): string {
    if (!ref) return '';
    return this.known.has(ref) ? ref : OTHER_MODEL;
  }
}
