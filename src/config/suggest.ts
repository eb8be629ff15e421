/**
 * "did you mean": the keys a config object may hold at a path, read from the zod schema itself
 * (so the list can never drift from it), and the nearest of them to a key that is not one.
 */
import type { z } from 'zod';

type Def = { type: string; innerType?: unknown; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown; options?: unknown[] };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The keys allowed in the object at `path` (several when a union allows several shapes). */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let nodes: unknown[] = [schema];
  for (const key of path) nodes = nodes.flatMap((n) => childrenOf(n, key));
  return [...new Set(nodes.flatMap((n) => Object.keys(objectShape(n) ?? {})))];
}

function childrenOf(schema: unknown, key: PropertyKey): unknown[] {
  const def = unwrap(schema);
  if (!def) return [];
  if (def.type === 'object') return def.shape && typeof key === 'string' && key in def.shape ? [def.shape[key]] : [];
  if (def.type === 'record') return [def.valueType];
  if (def.type === 'array') return [def.element];
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => childrenOf(o, key));
  return [];
}

function objectShape(schema: unknown): Record<string, unknown> | undefined {
  const def = unwrap(schema);
  if (def?.type === 'object') return def.shape;
  if (def?.type === 'union') return Object.assign({}, ...(def.options ?? []).map(objectShape));
  return undefined;
}

/** Through .optional(), .default() and the like, to the schema that holds the shape. */
function unwrap(schema: unknown): Def | undefined {
  let def = defOf(schema);
  for (let i = 0; def?.innerType && i < 8; i++) def = defOf(def.innerType);
  return def;
}

/** The known key nearest to `key`, when it is near enough to be a typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ("modles" -> "models"). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
