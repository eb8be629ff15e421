/**
 * A rerank request for the upstream, and its answer in one shape whatever the server: llama.cpp,
 * vLLM and LiteLLM differ in whether they sort, cut at top_n, echo the documents, and which usage
 * counts they give. Results come back best first, at most top_n of them, each with its
 * `document: { text }` unless the client set return_documents: false.
 */
import type { Json } from '../../adapters/types.js';
import { newId } from '../../adapters/ids.js';

const textOf = (document: unknown): string => (typeof document === 'string' ? document : (document as { text: string }).text);

/** Servers that take only strings get strings; lmrelay puts the documents back itself. */
export function rerankRequestFor(body: Json, upstreamModel: string): Json {
  return { ...body, model: upstreamModel, documents: (body.documents as unknown[]).map(textOf) };
}

/** The answer in the Jina/Cohere shape, or what is wrong with the upstream's. */
export function normalizeRerankAnswer(answer: Json, request: Json, fallbackModel: string): { body: Json } | { problem: string } {
  const documents = request.documents as unknown[];
  const results: Json[] = [];
  for (const r of answer.results as unknown[]) {
    const item = r as Json;
    const index = item?.index;
    const score = item?.relevance_score ?? item?.score;
    if (!Number.isInteger(index) || index < 0 || index >= documents.length) return { problem: `a rerank result names no document of the request (index ${JSON.stringify(index)})` };
    if (typeof score !== 'number' || !Number.isFinite(score)) return { problem: `rerank result ${index} has no numeric relevance_score` };
    results.push({ index, relevance_score: score });
  }
  results.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const kept = results.slice(0, request.top_n ?? documents.length);
  if (request.return_documents !== false) for (const r of kept) r.document = { text: textOf(documents[r.index]) };
  const body: Json = {
    id: typeof answer.id === 'string' ? answer.id : newId('rerank'),
    model: typeof answer.model === 'string' ? answer.model : fallbackModel,
    results: kept,
  };
  const usage = rerankUsage(answer.usage);
  if (usage) body.usage = usage;
  return { body };
}

/** A rerank's tokens are all input: vLLM gives only total_tokens, llama.cpp prompt_tokens too. */
function rerankUsage(usage: unknown): Json | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Json;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : typeof u.total_tokens === 'number' ? u.total_tokens : undefined;
  if (prompt === undefined) return undefined;
  return { prompt_tokens: prompt, total_tokens: typeof u.total_tokens === 'number' ? u.total_tokens : prompt };
}
