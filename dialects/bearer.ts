/** `Authorization: Bearer <apiKey>`, as OpenAI-compatible servers take it (none without a key). */
export function bearerHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
