/**
 * Every JSON5 block of the README is a whole config that `lmrelay check` accepts (with its
 * ${ENV} variables set to real-looking values), and the README's `config set` example works in
 * an empty folder: a recipe cannot rot unnoticed.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/^```json5\n([\s\S]*?)^```$/gm)].map((m) => ({ text: m[1], line: readme.slice(0, m.index).split('\n').length }));
const dir = mkdtempSync(join(tmpdir(), 'lmrelay-readme-'));

/** A value each variable could really have: a URL for *_URL, else a key-shaped random string. */
function envFor(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    env[name] = /URL$/.test(name) ? 'redis://127.0.0.1:6379' : `sk-${randomBytes(16).toString('hex')}`;
  }
  return env;
}

t.ok(blocks.length >= 10, `the README has its recipes (${blocks.length} JSON5 blocks)`);

for (const block of blocks) {
  t.test(`README line ${block.line}: a config check accepts, with no warning`, async (t) => {
    const file = join(dir, `line-${block.line}.json5`);
    writeFileSync(file, block.text);
    const out = runCli(['check', '--config', file], { cwd: dir, env: { ...process.env, ...envFor(block.text) } });
    t.equal(out.status, 0, `${out.stderr}${out.stdout}`);
    t.match(out.stdout, /: valid \(/);
    t.notMatch(out.stdout, /^warning:/m, out.stdout);
  });
}

t.test('the `config set` example works in an empty folder', async (t) => {
  const command = /^npx lmrelay (config set \S+ '.*)$/m.exec(readme);
  t.ok(command, 'the README shows one');
  const args = [...command![1].matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const empty = mkdtempSync(join(tmpdir(), 'lmrelay-readme-set-'));
  const set = runCli(args, { cwd: empty });
  t.equal(set.status, 0, set.stderr);
  const check = runCli(['check'], { cwd: empty });
  t.equal(check.status, 0, check.stderr);
});
