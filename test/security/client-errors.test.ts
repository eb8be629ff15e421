/**
 * Every answer lmrelay writes is OpenAI-shaped, including those for requests Node's HTTP parser
 * refuses before any route runs, and bodies that are not JSON say what is wrong and where.
 */
import t from 'tap';
import { startRelay, postJson, type RelayUnderTest } from '../helpers/relay.js';
import { rawExchange } from '../helpers/raw-http.js';

let relay: RelayUnderTest;
t.before(async () => {
  relay = await startRelay({ models: { mode: 'replace', providers: {} } });
});
t.teardown(() => relay.close());

const openAiShaped = { error: { message: String, type: 'invalid_request_error', code: String } };

const malformed: Array<[string, string, number, string]> = [
  ['headers over 16 KiB', `GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431, 'headers_too_large'],
  ['a garbage request line', 'HELLO THERE\r\n\r\n', 400, 'invalid_request'],
  ['binary noise', '\x00\x01\x02\xff\r\n\r\n', 400, 'invalid_request'],
  ['a space in the target', 'GET /v1/mo dels HTTP/1.1\r\nhost: x\r\n\r\n', 400, 'invalid_request'],
  ['a non-numeric Content-Length', 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n{}', 400, 'invalid_request_body'],
  ['two different Content-Lengths', 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}', 400, 'invalid_request_body'],
  ['Content-Length with Transfer-Encoding', 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400, 'invalid_request_body'],
  ['a bad chunk size', 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'invalid_request_body'],
];

for (const [what, text, status, code] of malformed) {
  t.test(`${what}: ${status} in OpenAI's shape`, async (t) => {
    const answer = await rawExchange(relay.url, text);
    t.equal(answer.status, status, answer.head.split('\r\n')[0]);
    t.match(answer.json, { error: { ...openAiShaped.error, code } }, answer.body);
    t.match(answer.head, /content-type: application\/json/i);
    t.equal(answer.ended, 'closed', 'the connection is closed cleanly, not reset');
  });
}

t.test('bodies that are not JSON name the problem', async (t) => {
  const url = `${relay.url}/v1/chat/completions`;
  const form = await postJson(url, 'model=x&messages=hi', { 'content-type': 'application/x-www-form-urlencoded' });
  t.equal(form.status, 400);
  t.match(form.json, { error: { code: 'invalid_json', message: /not valid JSON \(it was sent as application\/x-www-form-urlencoded/ } });
  t.notMatch(form.json.error.message, /content-type is set to 'application\/json'/);

  const broken = await postJson(url, '{"model": "x",');
  t.match(broken.json, { error: { code: 'invalid_json', message: /not valid JSON: .*position|not valid JSON: .*end of JSON/ } });

  const proto = await postJson(url, '{"model":"x","messages":[{"role":"user","content":"hi","__proto__":{"admin":true}}]}');
  t.equal(proto.status, 400);
  t.match(proto.json, { error: { code: 'invalid_json', param: 'messages[0].__proto__', message: /forbidden key at messages\[0\]\.__proto__/ } });

  const escaped = await postJson(url, '{"model":"x","\\u005f_proto__":{}}');
  t.match(escaped.json, { error: { code: 'invalid_json', param: '__proto__' } }, 'an escaped spelling of the key is refused too');

  const ctor = await postJson(url, '{"model":"x","metadata":{"constructor":{"prototype":{"x":1}}}}');
  t.match(ctor.json, { error: { code: 'invalid_json', param: 'metadata.constructor.prototype' } });

  const empty = await postJson(url, '');
  t.match(empty.json, { error: { code: 'invalid_json', message: /empty/ } });
});
