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

/**
 * The message of an error an upstream wrote where an answer or a stream event belongs (an
 * OpenAI-style `{"error": ...}`, an Anthropic or Responses `{"type": "error", ...}`), or
 * undefined for anything else. `"error": null` (a Response object's own field) is no error.
 */
export function errorInAnswer(json: any): string | undefined {
  const error = json?.error;
  const isError = (error !== null && typeof error === 'object') || (typeof error === 'string' && error !== '') || json?.type === 'error';
  if (!isError) return undefined;
  return pickMessage(json) ?? JSON.stringify(json).slice(0, 200);
}

function pickMessage(json: any): string | undefined {
  if (!json || typeof json !== 'object') return typeof json === 'string' ? json : undefined;
  const candidates = [json.error?.message, json.error, json.message, json.detail?.[0]?.msg, json.detail];
  for (const c of candidates) if (typeof c === 'string' && c) return c;
  return undefined;
}
