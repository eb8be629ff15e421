/**
 * Text that looks like a tool call where the provider sent no structured call is left as text
 * (no blind conversion) but reported, so a user can see the model or template is off.
 */
export interface LookAlike {
  pattern: 'json' | 'xml' | 'react';
  tool: string;
}

const DETECTORS: Array<{ pattern: LookAlike['pattern']; re: RegExp }> = [
  { pattern: 'xml', re: /<tool_call>[\s\S]*?"name"\s*:\s*"([^"]{1,100})"/ },
  { pattern: 'xml', re: /<function=([\w.-]{1,100})>/ },
  { pattern: 'react', re: /^\s*Action:\s*([\w.-]{1,100})\s*$[\s\S]*?^\s*Action Input:/m },
  { pattern: 'json', re: /\{\s*"(?:name|function)"\s*:\s*"([\w.-]{1,100})"\s*,\s*"(?:arguments|parameters)"\s*:/ },
];

/** Only this much of a reply is searched. */
export const LOOKALIKE_SCAN_LIMIT = 64 * 1024;

export function detectLookAlikeToolCall(text: string): LookAlike | undefined {
  if (!text) return undefined;
  const scanned = text.length > LOOKALIKE_SCAN_LIMIT ? text.slice(0, LOOKALIKE_SCAN_LIMIT) : text;
  for (const { pattern, re } of DETECTORS) {
    const m = re.exec(scanned);
    if (m) return { pattern, tool: m[1] };
  }
  return undefined;
}
