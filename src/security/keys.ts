/**
 * Placeholder keys ("ollama-local", "lmstudio", none) are fine for servers on this machine or
 * the local network; a public host needs a real key, or lmrelay would send requests that can
 * only fail (or, worse, a user believes a hosted model is configured when it is not). Inbound
 * keys that are placeholders protect nothing.
 */
import { isPrivateHostname } from '../net/policy.js';

export const MIN_KEY_LENGTH = 12;

/** What the rule is, for the messages that apply it. */
export const PLACEHOLDER_RULE = `a real key has at least ${MIN_KEY_LENGTH} characters and is not a placeholder word such as change-me, your-key, xxx or test`;

/** Vendor prefixes taken off before the rest is compared with the placeholder words ("sk-ant-change-me"). */
const VENDOR_PREFIX = /^(sk-ant-(api\d+-)?|sk-proj-|sk-or-(v\d+-)?|sk-|gsk_|xai-|pk-|key-)/i;

/** Placeholder words, compared without case or separators ("Change_Me", "<your-api-key>"). */
const PLACEHOLDER_WORDS = new RegExp(
  '^(' +
    [
      'none', 'null', 'nil', 'empty', 'dummy', 'placeholder', 'unused', 'notneeded', 'nokey\\w*', 'noapikey\\w*', 'norequired', 'notrequired', 'nokeyrequired',
      'change(me|it|this)\\w*', 'replace(me|this)\\w*', 'setme', 'fillme', 'fixme', 'todo', 'tbd',
      'your\\w*', 'my\\w*key', 'insert\\w*', 'enter\\w*', '(put|paste)\\w*',
      'apikey', 'key', 'token', 'secret', 'password', 'pass', 'test\\w{0,8}', 'example\\w*', 'sample\\w*', 'demo', 'fake\\w*', 'foo(bar)?', 'bar',
      'local', 'lmstudio', 'ollama', 'vllm', 'llamacpp', 'mlx', 'sglang', 'litellm',
      'x+', '\\*+', '\\.+', '0+', '1234\\d*', 'abc\\w{0,6}', 'qwerty',
    ].join('|') +
    ')$',
  'i',
);

export function isPlaceholderKey(key: string | undefined): boolean {
  const trimmed = key?.trim();
  if (!trimmed) return true;
  if (trimmed.length < MIN_KEY_LENGTH || /[-_]local$/i.test(trimmed)) return true;
  const word = trimmed.replace(VENDOR_PREFIX, '').replace(/[\s<>{}[\]()"'`$._-]+/g, '');
  return word === '' || PLACEHOLDER_WORDS.test(word);
}

export { isPrivateHostname };
