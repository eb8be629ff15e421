/** HTTP written by hand on a socket: request targets and headers exactly as given, nothing normalised. */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  head: string;
  body: string;
  json: any;
  /** How the connection ended: closed by the server, or reset. */
  ended: 'closed' | 'reset' | 'timeout';
}

/** Sends `text` (a whole request, or a prefix of one) and reads until the server closes. */
export function rawExchange(url: string, text: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    const chunks: Buffer[] = [];
    let ended: RawAnswer['ended'] = 'closed';
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => (ended = 'reset'));
    const timer = setTimeout(() => {
      ended = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = split >= 0 ? all.slice(0, split) : all;
      const body = split >= 0 ? all.slice(split + 4) : '';
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body, json, ended });
    });
  });
}

/** One request with `Connection: close`, the target written as given. */
export function rawRequest(url: string, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${new URL(url).host}`, 'connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return rawExchange(url, `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
}
