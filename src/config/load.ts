/** read -> JSON5 -> ${ENV} -> validate -> cross-check refs -> freeze */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import JSON5 from 'json5';
import { configSchema, type Config } from './schema.js';
import { hostFromEnvironment, substituteEnv } from './env.js';
import { formatPath } from './path.js';
import { knownKeysAt, nearestKey } from './suggest.js';
import { builtinProvidersBeside, DEFAULT_CONFIG_TEXT } from './defaults.js';
import { Catalog } from '../catalog.js';
import { auditConfig, type SecurityFindings } from '../security/audit.js';
import { SecretScrubber } from '../security/scrub.js';
import { providerRefusal } from '../security/audit.js';
import { deepFreeze } from './deep-freeze.js';

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Readonly<Config>;
  catalog: Catalog;
  /** Where it came from: a file path or `(built-in default)`. */
  source: string;
  security: SecurityFindings;
  /** Removes every configured key from text that leaves lmrelay. */
  scrubber: SecretScrubber;
  /** The environment variables each `${NAME}` value came from, by config path. */
  envRefs: ReadonlyMap<string, string[]>;
}

export const DEFAULT_CONFIG_FILE = 'lmrelay.json5';
export const BUILTIN_SOURCE = '(built-in default)';

/** The file to use: --config, else ./lmrelay.json5 when present, else the built-in default. */
export function pickConfigSource(explicit?: string, cwd = process.cwd()): string {
  if (explicit) return resolve(cwd, explicit);
  const local = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(local) ? local : BUILTIN_SOURCE;
}

export function loadConfigFile(source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  if (source === BUILTIN_SOURCE) text = DEFAULT_CONFIG_TEXT;
  else {
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new ConfigError(source, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
  }
  return parseConfigText(text, source, env);
}

export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let raw: unknown;
  try {
    raw = JSON5.parse(text);
  } catch (err) {
    throw new ConfigError(source, [`not valid JSON5: ${(err as Error).message}`]);
  }
  return validateConfig(raw, source, env);
}

export function validateConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const envRefs = new Map<string, string[]>();
  const substituted = substituteEnv(raw, env, problems, [], envRefs);
  const parsed = configSchema.safeParse(hostFromEnvironment(substituted, env));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue as Issue));
    throw new ConfigError(source, problems);
  }
  // models.mode "merge" keeps the built-in local servers beside the file's providers.
  const builtin = parsed.data.models.mode === 'merge' ? builtinProvidersBeside(parsed.data.models.providers) : {};
  const catalog = new Catalog(parsed.data, problems, { builtin, refusalOf: (provider) => providerRefusal(provider, envRefs) });
  if (problems.length) throw new ConfigError(source, problems);
  const security = auditConfig(parsed.data, catalog, envRefs);
  const inbound = (parsed.data.server.apiKeys ?? []).map((k) => (typeof k === 'string' ? k : k.key));
  const scrubber = new SecretScrubber([...Object.values(parsed.data.models.providers).map((p) => p.apiKey), ...inbound]);
  return { config: deepFreeze(parsed.data), catalog, source, security, scrubber, envRefs };
}

/** One line per unknown key, with the nearest known key when it looks like a typo, else the known ones. */
function unknownKeys(path: ReadonlyArray<PropertyKey>, keys: readonly string[]): string[] {
  const known = knownKeysAt(configSchema, path);
  return keys.map((key) => {
    const near = nearestKey(key, known);
    const help = near ? `did you mean "${near}"?` : known.length ? `known keys here: ${known.join(', ')}` : '';
    return `${formatPath(path)}: unknown key "${key}"${help ? ` (${help})` : ''}`;
  });
}

interface Issue {
  code: string;
  message: string;
  path: PropertyKey[];
  keys?: string[];
  errors?: Issue[][];
}

function describeIssue(issue: Issue, base: PropertyKey[] = []): string[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys) return unknownKeys(path, issue.keys);
  // A string-or-object value (an inbound key) given as an object: the object's own problems say more.
  const objectBranch = issue.code === 'invalid_union' ? issue.errors?.find((branch) => branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys')) : undefined;
  if (objectBranch) return objectBranch.flatMap((i) => describeIssue(i, path));
  // zod says "Invalid input: expected number, received string"; keep the useful half.
  return [`${formatPath(path)}: ${issue.message.replace(/^Invalid input: /, '')}`];
}
