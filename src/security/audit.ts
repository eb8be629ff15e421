/**
 * Security findings of a loaded config: errors (`lmrelay check` fails; the server refuses that
 * provider's requests) and warnings (said at start and by `check`). Never contains a secret.
 */
import type { Catalog, ResolvedProvider } from '../catalog.js';
import type { Config } from '../config/schema.js';
import { isLoopbackHost } from '../net/hosts.js';
import { classifyAddress, isPrivateHostname } from '../net/policy.js';
import { isPlaceholderKey, PLACEHOLDER_RULE } from './keys.js';
import { isIP } from 'node:net';

export interface SecurityFindings {
  errors: string[];
  warnings: string[];
}

export function auditConfig(config: Config, catalog: Catalog, envRefs: ReadonlyMap<string, string[]> = new Map()): SecurityFindings {
  const findings: SecurityFindings = { errors: [], warnings: [] };
  for (const provider of catalog.providers.values()) auditProvider(provider, findings, envRefs);
  const host = config.server.host;
  const inbound = auditInboundKeys(config, host, envRefs);
  findings.errors.push(...inbound.errors);
  findings.warnings.push(...inbound.warnings);
  if (!isLoopbackHost(host) && !config.server.apiKeys?.length) {
    findings.warnings.push(`server.host: ${host} is reachable beyond this machine and server.apiKeys is empty: anyone who reaches it can use your models and keys`);
  }
  return findings;
}

/**
 * Placeholder inbound keys protect nothing: a warning on loopback, an error (`check` fails,
 * `serve` refuses to start) where lmrelay listens beyond this machine. `host` is the address
 * really listened on (serve's --host may override the file).
 */
export function auditInboundKeys(config: Config, host: string, envRefs: ReadonlyMap<string, string[]>): { errors: string[]; warnings: string[] } {
  const out = { errors: [] as string[], warnings: [] as string[] };
  (config.server.apiKeys ?? []).forEach((entry, i) => {
    const key = typeof entry === 'string' ? entry : entry.key;
    if (!isPlaceholderKey(key)) return;
    const path = typeof entry === 'string' ? `server.apiKeys[${i}]` : `server.apiKeys[${i}].key`;
    const said = `${path}${readFrom(envRefs, path)} looks like a placeholder (${PLACEHOLDER_RULE})`;
    if (isLoopbackHost(host)) out.warnings.push(`${said}: fine on ${host}, but set a real key before lmrelay listens beyond this machine`);
    else out.errors.push(`${said}, and lmrelay listens on ${host}, beyond this machine: anyone who guesses it can use your models; set a real key (e.g. from \`openssl rand -hex 24\`)`);
  });
  return out;
}

/** ` (read from ${NAME})` when the value came from the environment. */
function readFrom(envRefs: ReadonlyMap<string, string[]>, path: string): string {
  const names = envRefs.get(path);
  return names?.length ? ` (read from ${names.map((n) => `\${${n}}`).join(', ')})` : '';
}

/**
 * Why this provider's requests are refused (a public host with no real key), or undefined.
 * The catalog asks it of each provider as it is built; the findings say it too.
 */
export function providerRefusal(p: Pick<ResolvedProvider, 'id' | 'hostname' | 'config'>, envRefs: ReadonlyMap<string, string[]>): string | undefined {
  const host = p.hostname;
  if (isPrivateHostname(host) || !isPlaceholderKey(p.config.apiKey)) return undefined;
  const path = `models.providers.${p.id}.apiKey`;
  const what = !p.config.apiKey
    ? 'it has none: set apiKey: "${ENV_NAME}" and the variable'
    : envRefs.has(path)
      ? `the key${readFrom(envRefs, path)} looks like a placeholder (${PLACEHOLDER_RULE})`
      : `the apiKey given looks like a placeholder (${PLACEHOLDER_RULE}); keep the real one in the environment and write apiKey: "\${ENV_NAME}"`;
  return `${path}: ${host} is a public host and needs a real API key; ${what}`;
}

function auditProvider(p: ResolvedProvider, findings: SecurityFindings, envRefs: ReadonlyMap<string, string[]>): void {
  const host = p.hostname;
  const localHost = isPrivateHostname(host);
  const refusal = providerRefusal(p, envRefs);
  if (refusal) findings.errors.push(refusal);
  if (p.config.request?.allowPrivateNetwork) return;
  if (isIP(host)) {
    const cls = classifyAddress(host);
    if (cls === 'private') findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} is a private address; its requests are refused until request.allowPrivateNetwork: true`);
    if (cls === 'forbidden') findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} is a link-local/metadata or reserved address; lmrelay never connects there`);
  } else if (localHost && !isLoopbackHost(host)) {
    findings.warnings.push(`models.providers.${p.id}.baseUrl: ${host} looks like a local-network name; if it resolves to a private address, set request.allowPrivateNetwork: true`);
  }
}
