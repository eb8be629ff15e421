/**
 * Pulls a human message out of an upstream error body, whatever the server's dialect:
 * OpenAI/llama.cpp `{error:{message}}`, Ollama `{error:"..."}`, vLLM/FastAPI `{detail}` or
 * `{object:"error",message}`, plain text, or an HTML page.
 */
export function upstreamErrorMessage(text: string, status: number): string {
  const trimmed = text.trim();
  if (!trimmed) return `upstream answered HTTP ${status} with an empty body`;
  try {
    const json = JSON.parse(trimmed);
    const found = pickMessage(json);
    if (found) return found;
  } catch {
    if (/^<(!doctype|html)/i.test(trimmed)) {
      const title = /<title>([^<]{1,200})<\/title>/i.exec(trimmed)?.[1]?.trim();
      return `upstream answered HTTP ${status} with an HTML page${title ? ` ("${title}")` : ''}`;
    }
  }
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}...` : trimmed;
}

function pickMessage(json: any): string | undefined {
  if (!json || typeof json !== 'object') return typeof json === 'string' ? json : undefined;
  const candidates = [json.error?.message, json.error, json.message, json.detail?.[0]?.msg, json.detail];
  for (const c of candidates) if (typeof c === 'string' && c) return c;
  return undefined;
}
