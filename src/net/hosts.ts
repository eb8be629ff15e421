/** Host name and address facts used by the network policy and the exposure warning. */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * An IP literal as the kernel reads it, or undefined. Strict (Node's `isIP`), and an IPv6 dotted
 * tail is spelled in hex first: ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`, another address.
 */
export function parseIp(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const family = isIP(address);
  if (family === 4) return ipaddr.IPv4.parse(address);
  if (family !== 6) return undefined;
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)(%.*)?$/, (_m, a, b, c, d, zone = '') => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}${zone}`);
  return ipaddr.IPv6.parse(hex);
}

/**
 * The IPv4 address an IPv6 one carries in its last 32 bits, for the spellings that mean (or
 * lead to) that IPv4 host: IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96`,
 * IPv4-compatible `::/96` (but `::` and `::1`), and NAT64's well-known `64:ff9b::/96`.
 */
export function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = v6.parts;
  const zeroUpTo = (n: number) => p.slice(0, n).every((x) => x === 0);
  const mapped = zeroUpTo(5) && p[5] === 0xffff;
  const translated = zeroUpTo(4) && p[4] === 0xffff && p[5] === 0;
  const compatible = zeroUpTo(6) && !(p[6] === 0 && p[7] <= 1);
  const nat64 = p[0] === 0x64 && p[1] === 0xff9b && p.slice(2, 6).every((x) => x === 0);
  if (!mapped && !translated && !compatible && !nat64) return undefined;
  return new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
}

/** The address to judge: the embedded IPv4 one when an IPv6 spelling carries it. */
export function effectiveAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const parsed = parseIp(address);
  if (parsed?.kind() !== 'ipv6') return parsed;
  return embeddedIPv4(parsed as ipaddr.IPv6) ?? parsed;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return effectiveAddress(h)?.range() === 'loopback';
}
