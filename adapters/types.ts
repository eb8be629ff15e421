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
