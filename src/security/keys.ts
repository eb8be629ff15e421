/**
 * Placeholder keys ("ollama-local", "lmstudio", none) are fine for servers on this machine or
 * the local network; a public host needs a real key, or lmrelay would send requests that can
 * only fail (or, worse, a user believes a hosted model is configured when it is not).
 */
import { isPrivateHostname } from '../net/policy.js';

const PLACEHOLDER = /^(none|null|empty|dummy|placeholder|unused|not[-_ ]?needed|no[-_ ]?key.*|sk-no-key-required|sk-dummy|local|.*[-_]local|lmstudio|lm-studio|ollama|vllm|llamacpp|llama\.cpp|mlx|sglang|litellm|x+)$/i;

export function isPlaceholderKey(key: string | undefined): boolean {
  if (!key || !key.trim()) return true;
  return PLACEHOLDER.test(key.trim()) || key.trim().length < 12;
}

export { isPrivateHostname };
