/**
 * Security findings of a loaded config: errors (`lmrelay check` fails; the server refuses that
 * provider's requests) and warnings (said at start and by `check`). Never contains a secret.
 */
import type { Catalog, ResolvedProvider } from '../catalog.js';
import type { Config } from '../config/schema.js';
import { isLoopbackHost } from '../net/hosts.js';
import { classifyAddress, isPrivateHostname } from '../net/policy.js';
import { isPlaceholderKey } from './keys.js';
import { isIP } from 'node:net';

export interface SecurityFindings {
  errors: string[];
  warnings: string[];
  /** Providers whose requests are refused, with the reason. */
  refused: Map<string, string>;
}

export function auditConfig(config: Config, catalog: Catalog): SecurityFindings {
  const findings: SecurityFindings = { errors: [], warnings: [], refused: new Map() };
  for (const provider of catalog.providers.values()) auditProvider(provider, findings);
  const host = config.server.host;
  if (!isLoopbackHost(host) && !config.server.apiKeys?.length) {
    findings.warnings.push(`server.host: ${host} is reachable beyond this machine and server.apiKeys is empty: anyone who reaches it can use your models and keys`);
  }
  return findings;
}

function auditProvider(p: ResolvedProvider, findings: SecurityFindings): void {
  const host = p.hostname;
  const localHost = isPrivateHostname(host);
  if (!localHost && isPlaceholderKey(p.config.apiKey)) {
    const reason = `models.providers.${p.id}.apiKey: ${host} is a public host and needs a real API key (got ${p.config.apiKey ? 'a placeholder' : 'none'}); use "\${ENV_NAME}" to read it from the environment`;
    findings.errors.push(reason);
    findings.refused.set(p.id, reason);
  }
  if (p.config.request?.allowPrivateNetwork) return;
  if (isIP(host)) {
    const cls = classifyAddress(host);
    if (cls === 'private') findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} is a private address; its requests are refused until request.allowPrivateNetwork: true`);
    if (cls === 'forbidden') findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} is a link-local/metadata or reserved address; lmrelay never connects there`);
  } else if (localHost && !isLoopbackHost(host)) {
    findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} looks like a local-network name; if it resolves to a private address, set request.allowPrivateNetwork: true`);
  }
}
