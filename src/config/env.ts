import { formatPath } from './path.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of the parsed file with the environment's value.
 * A variable that is not set is a config error naming both the path and the variable,
 * so a missing ANTHROPIC_API_KEY is caught at load, not at the first request.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, problems: string[], path: PropertyKey[] = [], refs?: Map<string, string[]>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(ENV_REF, (_, name: string) => {
      // Which variables a value came from, so that messages about it can name them.
      if (refs) refs.set(formatPath(path), [...(refs.get(formatPath(path)) ?? []), name]);
      const found = env[name];
      if (found === undefined || found === '') {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, problems, [...path, i], refs));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, problems, [...path, k], refs);
    return out;
  }
  return value;
}

/**
 * `LMRELAY_HOST`: the address to listen on when the file does not set `server.host` (the
 * container image sets 0.0.0.0: loopback inside a container is unreachable from outside it).
 */
export function hostFromEnvironment(config: unknown, env: NodeJS.ProcessEnv): unknown {
  const host = env.LMRELAY_HOST;
  if (!host || !config || typeof config !== 'object' || Array.isArray(config)) return config;
  const server = (config as { server?: unknown }).server;
  if (server === undefined) return { ...config, server: { host } };
  if (server && typeof server === 'object' && !Array.isArray(server) && (server as { host?: unknown }).host === undefined) return { ...config, server: { ...server, host } };
  return config;
}
