/**
 * lmrelay's own import graph, read with TypeScript's import scanner (`ts.preProcessFile`): every
 * `import`, `import type`, `export ... from` and `import()` of each source file, resolved to the
 * file it names. Type-only imports count: a cycle of types is still two modules that cannot be
 * understood (or moved) one without the other.
 */
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The folders that hold the product's source (dialects/ once it exists). */
export const SOURCE_FOLDERS = ['core', 'src', 'routes', 'adapters', 'dialects'].filter((f) => existsSync(join(ROOT, f)));

export interface ImportGraph {
  /** file (relative to the repo, `src/app.ts`) -> the files of ours it imports. */
  local: Map<string, string[]>;
  /** file -> the packages it imports (`fastify`, `undici`, `node:fs`, ...). */
  packages: Map<string, string[]>;
}

export function readImportGraph(folders: readonly string[] = SOURCE_FOLDERS): ImportGraph {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of folders.flatMap((f) => tsFilesUnder(join(ROOT, f)))) {
    const from = relative(ROOT, file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const mine: string[] = [];
    const theirs: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) mine.push(relative(ROOT, resolveLocal(dirname(file), fileName)));
      else theirs.push(packageName(fileName));
    }
    local.set(from, [...new Set(mine)]);
    packages.set(from, [...new Set(theirs)]);
  }
  return { local, packages };
}

/** Each import cycle once, as the files in import order (the first repeated at the end). */
export function findCycles(local: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's strongly connected components: a component of more than one file holds a cycle.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of local.get(v) ?? []) {
      if (!local.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) !== indexOf.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (local.get(v) ?? []).includes(v)) cycles.push(cycleThrough(v, new Set(component), local));
  };
  for (const v of [...local.keys()].sort()) if (!indexOf.has(v)) visit(v);
  return cycles;
}

/** One concrete path from `start` back to itself inside its component (breadth-first: the shortest). */
function cycleThrough(start: string, component: ReadonlySet<string>, local: ReadonlyMap<string, readonly string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of local.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `./x.js` -> `x.ts` (NodeNext spells the emitted name), `./dir` -> `dir/index.ts`. */
function resolveLocal(fromDir: string, specifier: string): string {
  const target = resolve(fromDir, specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts'), target];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? target;
}

/** `fastify/types/x` -> `fastify`, `@scope/pkg/y` -> `@scope/pkg`, `node:fs` stays. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
