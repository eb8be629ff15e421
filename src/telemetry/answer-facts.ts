/**
 * What a trace says of an answer: the model that answered, why it stopped and, only when
 * content capture is on, its text. Read from the answer in the client's API (Chat Completions,
 * Responses, Anthropic Messages, embeddings), whole or event by event, so one reader serves
 * every surface and dialect.
 */
const TEXT_LIMIT = 32 * 1024;

export class AnswerFacts {
  model?: string;
  readonly finishReasons: string[] = [];
  private text = '';

  constructor(private readonly captureText: boolean) {}

  get outputText(): string | undefined {
    return this.captureText && this.text ? this.text : undefined;
  }

  /** A whole JSON answer, or one stream event, of any surface. */
  observe(json: any): void {
    if (json === null || typeof json !== 'object') return;
    if (Array.isArray(json.choices)) return this.chat(json);
    switch (json.type) {
      case 'message':
        return this.anthropic(json);
      case 'message_start':
        return this.setModel(json.message?.model);
      case 'message_delta':
        return this.addReason(json.delta?.stop_reason);
      case 'content_block_delta':
        return this.addText(json.delta?.text);
      case 'response.output_text.delta':
        return this.addText(json.delta);
    }
    if (json.response && typeof json.type === 'string' && json.type.startsWith('response.')) return this.response(json.response, false);
    if (json.object === 'response') return this.response(json, true);
    if (json.object === 'list') this.setModel(json.model);
  }

  private chat(json: any): void {
    this.setModel(json.model);
    for (const choice of json.choices) {
      this.addReason(choice?.finish_reason);
      if (this.captureText) this.addText(choice?.delta?.content ?? choice?.message?.content);
    }
  }

  private anthropic(json: any): void {
    this.setModel(json.model);
    this.addReason(json.stop_reason);
    if (!this.captureText || !Array.isArray(json.content)) return;
    for (const block of json.content) if (block?.type === 'text') this.addText(block.text);
  }

  /** A Responses object: its status says how it ended (`completed`, or why it is `incomplete`). */
  private response(response: any, whole: boolean): void {
    this.setModel(response.model);
    const status = response.status;
    if (status === 'completed' || status === 'failed' || status === 'cancelled') this.addReason(status);
    else if (status === 'incomplete') this.addReason(response.incomplete_details?.reason ?? status);
    if (!whole || !this.captureText || !Array.isArray(response.output)) return;
    for (const item of response.output) {
      if (item?.type !== 'message' || !Array.isArray(item.content)) continue;
      for (const part of item.content) if (part?.type === 'output_text') this.addText(part.text);
    }
  }

  private setModel(model: unknown): void {
    if (typeof model === 'string' && model) this.model = model;
  }

  private addReason(reason: unknown): void {
    if (typeof reason === 'string' && reason && !this.finishReasons.includes(reason)) this.finishReasons.push(reason);
  }

  private addText(text: unknown): void {
    if (!this.captureText || typeof text !== 'string' || this.text.length >= TEXT_LIMIT) return;
    this.text += text.slice(0, TEXT_LIMIT - this.text.length);
  }
}
