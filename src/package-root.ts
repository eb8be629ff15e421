/** lmrelay's own package folder and version, found from src/ (tsx) or dist/src/ (built) alike. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  root: string;
  version: string;
}

let found: PackageInfo | null | undefined;

export function lmrelayPackage(): PackageInfo | undefined {
  if (found !== undefined) return found ?? undefined;
  found = null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'lmrelay') {
        found = { root: dir, version: String(pkg.version) };
        break;
      }
    } catch {
      // not here: one folder up
    }
  }
  return found ?? undefined;
}
