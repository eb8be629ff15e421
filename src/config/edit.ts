/**
 * `lmrelay config set <path> <value>`: edits the JSON5 file, validates the result like
 * `lmrelay check`, and writes it atomically only when valid. The json5 library cannot keep
 * comments, so a file that had some is rewritten without them (and the command says so).
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import JSON5 from 'json5';
import { ConfigError, validateConfig } from './load.js';

export interface SetOptions {
  merge?: boolean;
  strictJson?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SetResult {
  droppedComments: boolean;
}

/** `agents.defaults.models["local/m"].params` -> ['agents','defaults','models','local/m','params'] */
export function parseConfigPath(path: string): string[] {
  const segments: string[] = [];
  const re = /\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*'([^']*)'\s*\]|\[(\d+)\]|([^.[\]]+)/g;
  let consumed = 0;
  for (const m of path.matchAll(re)) {
    segments.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m[2] ?? m[3] ?? m[4]));
    consumed += m[0].length;
  }
  const dots = (path.match(/\./g) ?? []).length;
  if (!segments.length || consumed + dots < path.length) throw new Error(`cannot read config path "${path}"`);
  return segments;
}

export function parseValue(text: string, strictJson: boolean): unknown {
  if (strictJson) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`--strict-json: value is not JSON: ${(err as Error).message}`);
    }
  }
  try {
    return JSON5.parse(text);
  } catch {
    return text; // a bare word such as vllm/qwen is a string
  }
}

export function setConfigValue(file: string, path: string, valueText: string, opts: SetOptions = {}): SetResult {
  const original = existsSync(file) ? readFileSync(file, 'utf8') : '{}';
  const root = JSON5.parse(original) as Record<string, unknown>;
  const segments = parseConfigPath(path);
  const value = parseValue(valueText, opts.strictJson === true);
  let node: Record<string, unknown> = root;
  for (const key of segments.slice(0, -1)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new Error(`refusing config path segment "${key}"`);
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object') throw new Error(`${path}: "${key}" is a ${typeof next}, not an object`);
    node = node[key] as Record<string, unknown>;
  }
  const last = segments.at(-1)!;
  node[last] = opts.merge ? deepMerge(node[last], value) : value;
  validateConfig(root, file, opts.env ?? process.env); // throws ConfigError naming each problem
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON5.stringify(root, null, 2)}\n`);
  renameSync(tmp, file);
  return { droppedComments: /\/\/|\/\*/.test(stripStrings(original)) };
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v);
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const stripStrings = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');

export { ConfigError };
