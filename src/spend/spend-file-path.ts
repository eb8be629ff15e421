/** The spend file: `state.spendFile`, else lmrelay-spend.json beside the config file (none for a config not read from a file). */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';

export const SPEND_FILE_NAME = 'lmrelay-spend.json';

export function spendFileOf(loaded: Pick<LoadedConfig, 'config' | 'source'>): string | undefined {
  const fromFile = isFile(loaded.source);
  const base = fromFile ? dirname(resolve(loaded.source)) : process.cwd();
  const configured = loaded.config.state.spendFile;
  if (configured) return resolve(base, configured);
  return fromFile ? resolve(base, SPEND_FILE_NAME) : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
