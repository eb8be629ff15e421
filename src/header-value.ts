/**
 * Client-chosen text (a model name) as a response header value. Node refuses a header with
 * characters outside Latin-1 or with control characters (it throws), and sends Latin-1 as raw
 * bytes no client decodes as UTF-8; so every byte outside printable ASCII, the space and `%`
 * itself are percent-encoded as UTF-8: `decodeURIComponent` gives the name back.
 */
const PLAIN = /^[\x21-\x24\x26-\x7e]*$/;

export function headerValue(text: string): string {
  if (PLAIN.test(text)) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  }
  return out;
}
