/**
 * Where lmrelay may connect, decided on the IP address actually dialled (after DNS), so a name
 * that resolves, or re-resolves, to a private address cannot slip through.
 *   loopback                      always allowed (the model server on this machine)
 *   private, CGNAT/tailnet, ULA   only with `request.allowPrivateNetwork: true`
 *   link-local, metadata, other   never (169.254.0.0/16, fe80::/10: cloud metadata lives there)
 * An IPv6 spelling of an IPv4 address (`::ffff:a9fe:a9fe`, `::a9fe:a9fe`, `64:ff9b::a9fe:a9fe`)
 * gets the verdict of that IPv4 address.
 */
import ipaddr from 'ipaddr.js';
import { effectiveAddress } from './hosts.js';

export type AddressClass = 'loopback' | 'private' | 'public' | 'forbidden';

const RANGE_CLASS: Record<string, AddressClass> = {
  loopback: 'loopback',
  private: 'private',
  carrierGradeNat: 'private',
  uniqueLocal: 'private',
  unicast: 'public',
  linkLocal: 'forbidden',
  unspecified: 'forbidden',
  broadcast: 'forbidden',
  multicast: 'forbidden',
  reserved: 'forbidden',
};

/** Cloud metadata and platform endpoints outside link-local, always refused. */
const METADATA: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [
  '100.100.100.200/32', // Alibaba Cloud metadata (inside CGNAT space)
  '168.63.129.16/32', // Azure WireServer (platform agent endpoint, a public-looking address)
  'fd00:ec2::/32', // AWS Nitro services over IPv6: metadata fd00:ec2::254, pod identity ::23
  'fd20:ce::254/128', // Google Cloud metadata over IPv6
  'fd00:c1::a9fe:a9fe/128', // Oracle Cloud metadata over IPv6
].map((cidr) => ipaddr.parseCIDR(cidr));

export function classifyAddress(address: string): AddressClass {
  const parsed = effectiveAddress(address);
  if (!parsed) return 'forbidden';
  for (const [range, bits] of METADATA) if (parsed.kind() === range.kind() && parsed.match(range, bits)) return 'forbidden';
  return RANGE_CLASS[parsed.range()] ?? 'forbidden';
}

export function isAllowed(cls: AddressClass, allowPrivateNetwork: boolean): boolean {
  return cls === 'loopback' || cls === 'public' || (cls === 'private' && allowPrivateNetwork);
}

/** Host names that only mean something on a local network. */
export function isPrivateHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (effectiveAddress(h)) return classifyAddress(h) !== 'public';
  return !h.includes('.') || /\.(local|lan|home|internal|intranet|localdomain|home\.arpa|ts\.net)$/.test(h) || h === 'localhost' || h.endsWith('.localhost');
}

export class PolicyError extends Error {
  readonly code = 'ELMRELAY_POLICY';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

export function policyMessage(providerId: string, host: string, address: string, cls: AddressClass): string {
  if (cls === 'forbidden') return `provider ${providerId}: ${host} resolves to ${address}, a link-local/metadata or reserved address lmrelay never connects to`;
  return `provider ${providerId}: ${host} resolves to private address ${address}; set models.providers.${providerId}.request.allowPrivateNetwork: true to allow LAN/tailnet upstreams`;
}
