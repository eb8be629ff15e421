/**
 * An undici connector that resolves the host itself, checks every address against the
 * network policy, and dials the checked address (keeping the name for TLS), so what was
 * checked is what is connected to: DNS rebinding between check and connect cannot happen.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { classifyAddress, isAllowed, PolicyError, policyMessage } from './policy.js';

export interface GuardOptions {
  providerId: string;
  allowPrivateNetwork: boolean;
  connectTimeoutMs: number;
  lookup?: LookupFunction;
}

export function guardedConnector(opts: GuardOptions): buildConnector.connector {
  const base = buildConnector({ timeout: opts.connectTimeoutMs });
  const lookup = opts.lookup ?? (dnsLookup as unknown as LookupFunction);
  return (connectOpts, callback) => {
    const host = connectOpts.hostname.replace(/^\[|\]$/g, '');
    const dial = (address: string) => {
      const cls = classifyAddress(address);
      if (!isAllowed(cls, opts.allowPrivateNetwork)) {
        callback(new PolicyError(policyMessage(opts.providerId, host, address, cls)), null);
        return;
      }
      base({ ...connectOpts, hostname: address, servername: connectOpts.servername ?? (isIP(host) ? undefined : host) }, callback);
    };
    if (isIP(host)) {
      dial(host);
      return;
    }
    lookup(host, { all: true }, ((err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, null);
        return;
      }
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses as unknown as string, family: 4 }];
      // Every address must pass: a name that mixes public and private answers is not trusted.
      const refused = list.find((a) => !isAllowed(classifyAddress(a.address), opts.allowPrivateNetwork));
      if (refused) {
        callback(new PolicyError(policyMessage(opts.providerId, host, refused.address, classifyAddress(refused.address))), null);
        return;
      }
      if (list.length === 0) {
        callback(Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' }), null);
        return;
      }
      dial(list[0].address);
    }) as never);
  };
}
