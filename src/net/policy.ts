/**
 * Where lmrelay may connect, decided on the IP address actually dialled (after DNS), so a name
 * that resolves, or re-resolves, to a private address cannot slip through.
 *   loopback                      always allowed (the model server on this machine)
 *   private, CGNAT/tailnet, ULA   only with `request.allowPrivateNetwork: true`
 *   link-local, metadata, other   never (169.254.0.0/16, fe80::/10: cloud metadata lives there)
 */
import ipaddr from 'ipaddr.js';

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

/** Metadata endpoints outside link-local (AWS's IPv6 one is in fd00::/8). */
const METADATA = new Set(['fd00:ec2::254']);

export function classifyAddress(address: string): AddressClass {
  if (!ipaddr.isValid(address)) return 'forbidden';
  const parsed = ipaddr.process(address);
  if (METADATA.has(parsed.toNormalizedString()) || METADATA.has(parsed.toString())) return 'forbidden';
  return RANGE_CLASS[parsed.range()] ?? 'forbidden';
}

export function isAllowed(cls: AddressClass, allowPrivateNetwork: boolean): boolean {
  return cls === 'loopback' || cls === 'public' || (cls === 'private' && allowPrivateNetwork);
}

/** Host names that only mean something on a local network. */
export function isPrivateHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (ipaddr.isValid(h)) return classifyAddress(h) !== 'public';
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
