/**
 * Sealed compaction summaries: AES-256-GCM, so an item that was altered, cut short, sealed by
 * another key or for another scope does not open. The token is versioned:
 *   `lmrelay-c1.` + base64url(iv[12] | ciphertext | tag[16])
 * and the associated data binds it to its version and its scope (the inbound key's digest
 * when keys are configured), so one key's items never open under another's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'lmrelay-c1.';
/** Far above any summary a model writes; a longer value is refused before any decoding. */
export const MAX_SEALED_LENGTH = 4 * 1024 * 1024;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface SealScope {
  key: Buffer;
  /** Whose items these are: '' when no inbound keys are configured. */
  scope: string;
}

export function isOurs(token: string): boolean {
  return token.startsWith(SEALED_PREFIX);
}

export function sealSummary(at: SealScope, summary: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', at.key, iv);
  cipher.setAAD(associatedData(at.scope));
  const body = Buffer.concat([cipher.update(JSON.stringify({ summary }), 'utf8'), cipher.final()]);
  const token = SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  if (token.length > MAX_SEALED_LENGTH) throw new RangeError(`a compaction summary of ${summary.length} characters is too long to seal`);
  return token;
}

/** The summary, or why the token does not open (for the client's error message). */
export function unsealSummary(at: SealScope, token: string): { summary: string } | { problem: string } {
  if (!isOurs(token)) return { problem: 'it was not made by this lmrelay' };
  if (token.length > MAX_SEALED_LENGTH) return { problem: `it is longer than ${MAX_SEALED_LENGTH} characters` };
  const text = token.slice(SEALED_PREFIX.length);
  if (!BASE64URL.test(text)) return { problem: 'it is not base64url' };
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES + 1) return { problem: 'it is truncated' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', at.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData(at.scope));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    const summary = JSON.parse(plain)?.summary;
    return typeof summary === 'string' ? { summary } : { problem: 'it holds no summary' };
  } catch {
    // GCM's tag check: altered, cut short, another key's or another scope's item.
    return { problem: 'it was altered, or sealed by another key or for another API key' };
  }
}

function associatedData(scope: string): Buffer {
  return Buffer.from(`${SEALED_PREFIX}${scope}`, 'utf8');
}
