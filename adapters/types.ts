/** Loose shapes of the OpenAI wire objects the adapters touch; unknown fields pass through. */
export type Json = Record<string, any>;

export interface ChatRequest extends Json {
  model?: string;
  messages: Json[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } & Json;
  tools?: Json[];
  tool_choice?: unknown;
}

/** An answer or stream chunk still held as text: lets an adapter say whether it may apply before anything is parsed. */
export interface RawText {
  mayContain(needle: string): boolean;
}
