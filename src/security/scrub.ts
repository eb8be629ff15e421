/** Removes configured secrets from text that leaves lmrelay (upstream error messages can echo a key). */
export class SecretScrubber {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    this.secrets = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    if (this.secrets.length === 0) return text;
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out;
  }
}
