/** `npm install` is clean on every Node version package.json promises: no installed package asks for more. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// fastify's own dependency (no types of its own): the range logic npm itself uses.
const semver = createRequire(import.meta.url)('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };

const read = (file: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8'));
const pkg = read('package.json');
const lock = read('package-lock.json');
const oldest = semver.minVersion(pkg.engines.node)!.version;

t.test(`every locked package runs on Node ${oldest} (the oldest package.json allows) and on 22`, async (t) => {
  const refusing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string } }>)) {
    const range = entry.engines?.node;
    if (!path || !range) continue;
    for (const version of [oldest, '22.12.0']) {
      if (!semver.satisfies(version, range)) refusing.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range} (not ${version})`);
    }
  }
  t.same(refusing, [], refusing.join('\n'));
});
