/**
 * The local servers lmrelay looks for on their usual ports. With no config file they are the
 * whole config; with one, `models.mode: "merge"` (the default) keeps them beside the file's
 * providers and `"replace"` drops them. Each lists whatever models it reports; a server that is
 * not running is simply absent.
 */
import { providerSchema, type ProviderConfig } from './schema.js';

export const BUILTIN_PROVIDERS: Readonly<Record<string, ProviderConfig>> = Object.freeze({
  lmstudio: providerSchema.parse({ baseUrl: 'http://127.0.0.1:1234/v1', apiKey: 'lmstudio', api: 'openai-responses', models: [] }),
  // Ollama's native API: tool calls as tool calls, num_ctx set from the model's window.
  ollama: providerSchema.parse({ baseUrl: 'http://127.0.0.1:11434', apiKey: 'ollama-local', api: 'ollama', models: [] }),
  vllm: providerSchema.parse({ baseUrl: 'http://127.0.0.1:8000/v1', models: [] }),
  llamacpp: providerSchema.parse({ baseUrl: 'http://127.0.0.1:8080/v1', models: [] }),
});

/** The config used when there is no file: the built-in local servers only. */
export const DEFAULT_CONFIG_TEXT = `{ server: { host: "127.0.0.1", port: 4000 }, models: { mode: "merge", providers: {} } }\n`;

/**
 * The built-in servers to add beside configured providers: those whose id is free and whose
 * address no configured provider already uses (a configured llama.cpp on :8080 is not listed twice).
 */
export function builtinProvidersBeside(configured: Readonly<Record<string, ProviderConfig>>): Record<string, ProviderConfig> {
  const taken = new Set(Object.values(configured).map((p) => localOrigin(p.baseUrl)));
  const out: Record<string, ProviderConfig> = {};
  for (const [id, p] of Object.entries(BUILTIN_PROVIDERS)) {
    if (!(id in configured) && !taken.has(localOrigin(p.baseUrl))) out[id] = p;
  }
  return out;
}

/** `http://localhost:8080/v1` and `http://[::1]:8080` name the same server as `http://127.0.0.1:8080`. */
function localOrigin(baseUrl: string): string {
  const url = new URL(baseUrl);
  const host = url.hostname === 'localhost' || url.hostname === '[::1]' ? '127.0.0.1' : url.hostname;
  return `${url.protocol}//${host}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}
