/** The `GET /models` list every current dialect's servers answer with (OpenAI's shape, give or take). */
import type { DiscoveredModel } from './types.js';

/** OpenAI `{data:[{id}]}`, with llama.cpp's `meta.n_ctx` / vLLM's `max_model_len` when given. */
export function parseModelList(json: any): DiscoveredModel[] {
  const data = Array.isArray(json?.data) ? json.data : Array.isArray(json?.models) ? json.models : [];
  const out: DiscoveredModel[] = [];
  for (const m of data) {
    const id = typeof m?.id === 'string' ? m.id : typeof m?.name === 'string' ? m.name : undefined;
    if (!id) continue;
    const ctx = m.max_model_len ?? m.meta?.n_ctx ?? m.context_length;
    out.push({ id, contextWindow: typeof ctx === 'number' ? ctx : undefined, aliases: fileAliases(id) });
  }
  return out;
}

/**
 * llama.cpp started without `--alias` (and vLLM serving a folder) report the model's file path
 * as its id: its base name, with and without `.gguf`, is easier to type.
 */
export function fileAliases(id: string): string[] | undefined {
  const isPath = /^(\/|~\/|\.{1,2}\/|[A-Za-z]:[\\/])/.test(id) || /[\\/][^\\/]+\.gguf$/i.test(id);
  if (!isPath) return undefined;
  const base = id.split(/[\\/]/).filter(Boolean).at(-1);
  if (!base) return undefined;
  const stem = base.replace(/\.gguf$/i, '');
  return stem && stem !== base ? [base, stem] : [base];
}
