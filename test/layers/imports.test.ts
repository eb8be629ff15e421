/**
 * Layers point down: no import cycles among lmrelay's own modules, and the pure layers (core/,
 * adapters/, the converters of each surface) import nothing of the server, fastify or undici.
 */
import t from 'tap';
import { findCycles, readImportGraph, SOURCE_FOLDERS } from '../helpers/import-graph.js';

const graph = readImportGraph();

t.test('the graph is read: files, their imports and packages', async (t) => {
  t.ok(graph.local.size > 50, `${graph.local.size} source files`);
  t.ok(graph.local.get('src/app.ts')?.includes('src/services.ts'), 'a value import');
  t.ok(graph.local.get('src/relay-state.ts')?.includes('src/catalog.ts'), 'a type-only import');
  t.ok(graph.packages.get('src/app.ts')?.includes('fastify'), 'a package import');
  t.same(SOURCE_FOLDERS.slice(0, 4), ['core', 'src', 'routes', 'adapters']);
});

t.test('the cycle finder finds a cycle, and only a cycle', async (t) => {
  t.same(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c', 'a']]);
  t.same(findCycles(new Map([['a', ['a']]])), [['a', 'a']]);
  t.same(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

t.test(`no import cycle among ${SOURCE_FOLDERS.join('/, ')}/`, async (t) => {
  t.same(findCycles(graph.local).map((cycle) => cycle.join(' -> ')), []);
});

/**
 * Files that must stay pure: no server code (src/), no HTTP framework or client. In a surface's
 * folder only its route plugins (route*.ts), request-schema.ts and its model calls through the
 * pipeline (call*.ts) reach into src/; its converters do not.
 */
const pure = (file: string) => /^(core|adapters|dialects)\//.test(file) || (/^routes\/[^/]+\//.test(file) && !/\/(route(-[\w-]+)?|request-schema|call(-[\w-]+)?)\.ts$/.test(file));
const FORBIDDEN_PACKAGES = new Set(['fastify', 'undici']);
/** core/ and adapters/ for all; a surface's converters also use each other. */
const folderOf = (file: string) => file.slice(0, file.lastIndexOf('/'));
const pureImport = (from: string, to: string) => /^(core|adapters|dialects)\//.test(to) || (pure(to) && to.startsWith('routes/') && folderOf(to) === folderOf(from));

t.test('core/, adapters/ and surface converters import nothing from src/, fastify or undici', async (t) => {
  const files = [...graph.local.keys()].filter(pure);
  t.ok(files.some((f) => f.startsWith('core/')) && files.some((f) => f.startsWith('adapters/')), 'both folders are checked');
  const reachingUp = files.flatMap((file) => [
    ...graph.local.get(file)!.filter((to) => !pureImport(file, to)).map((to) => `${file} imports ${to}`),
    ...graph.packages.get(file)!.filter((p) => FORBIDDEN_PACKAGES.has(p)).map((p) => `${file} imports ${p}`),
  ]);
  t.same(reachingUp, []);
});

t.test('core/ imports nothing of ours but core/', async (t) => {
  const out = [...graph.local].filter(([f]) => f.startsWith('core/')).flatMap(([f, to]) => to.filter((x) => !x.startsWith('core/')).map((x) => `${f} imports ${x}`));
  t.same(out, []);
});
