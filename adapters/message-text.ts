/**
 * The text of a Chat message's `content`, for APIs that want a string where Chat allows parts: a
 * string as it is, the text parts of an array joined by `joiner`, '' for none.
 */
export function textOf(content: unknown, joiner = ''): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((p) => p?.type === 'text').map((p) => p.text).join(joiner);
  // The Chat schema lets nothing else through; should something, it is sent rather than lost.
  return content == null ? '' : JSON.stringify(content);
}
