/**
 * The key that seals compaction items: `state.compaction.key` when set, else the one kept in
 * `state.compaction.keyFile`, made (32 random bytes, base64, mode 0600) the first time a
 * compaction needs it, so a restart, and every replica that shares the file, opens the items
 * sealed before. Read once per setting: never on the hot path, never at start for a server
 * that does not compact.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { RelayError } from '../../core/errors.js';
import type { CompactionConfig } from '../config/schema.js';

export const KEY_BYTES = 32;

const loaded = new Map<string, Buffer>();

export function compactionKey(settings: CompactionConfig): Buffer {
  const id = settings.key !== undefined ? `key:${settings.key}` : `file:${settings.keyFile}`;
  let key = loaded.get(id);
  if (!key) {
    key = settings.key !== undefined ? decodeKey(settings.key) : keyFromFile(expandHome(settings.keyFile));
    if (!key) throw new RelayError('state.compaction.key is not 32 bytes of base64 or hex', { code: 'compaction_key_unavailable' });
    loaded.set(id, key);
  }
  return key;
}

/** 32 bytes written as hex (64 characters) or base64 (standard or URL alphabet). */
export function decodeKey(text: string): Buffer | undefined {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  return bytes?.length === KEY_BYTES ? bytes : undefined;
}

export function expandHome(path: string): string {
  return resolve(path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path);
}

function keyFromFile(file: string): Buffer {
  let text = readKeyFile(file);
  if (text === undefined) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // `wx`: of two processes starting at once, one writes the key and the other reads it.
      writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unavailable(file, `cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    text = readKeyFile(file);
    if (text === undefined) throw unavailable(file, 'cannot be read back');
  }
  const key = decodeKey(text);
  if (!key) throw unavailable(file, 'does not hold a 32-byte key in base64 or hex');
  return key;
}

function readKeyFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unavailable(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function unavailable(file: string, why: string): RelayError {
  return new RelayError(`the compaction key file ${file} ${why}: set state.compaction.keyFile to a writable path, or state.compaction.key`, {
    code: 'compaction_key_unavailable',
  });
}
