/**
 * Where lmrelay may connect. No private or link-local address is ever dialled here: the policy
 * refuses before any connection, and names resolve through a stand-in DNS.
 */
import t from 'tap';
import { startMock, type MockUpstream } from '../helpers/mock.js';
import { startRelay, postJson, staticLookup } from '../helpers/relay.js';
import { classifyAddress, isAllowed, isPrivateHostname } from '../../src/net/policy.js';
import { auditConfig } from '../../src/security/audit.js';
import { validateConfig } from '../../src/config/load.js';
import { isPlaceholderKey } from '../../src/security/keys.js';
import { isLoopbackHost } from '../../src/net/hosts.js';

let mock: MockUpstream;
t.before(async () => {
  mock = await startMock('ollama');
});
t.teardown(() => mock.close());

t.test('address classes', async (t) => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['10.1.2.3', 'private'], ['172.16.5.4', 'private'], ['192.168.1.9', 'private'],
    ['100.100.1.1', 'private'], ['fd12::1', 'private'], ['::ffff:192.168.0.1', 'private'], ['169.254.169.254', 'forbidden'],
    ['fe80::1', 'forbidden'], ['fd00:ec2::254', 'forbidden'], ['0.0.0.0', 'forbidden'], ['8.8.8.8', 'public'],
  ];
  for (const [address, cls] of cases) t.equal(classifyAddress(address), cls, address);
  t.ok(isAllowed('private', true));
  t.notOk(isAllowed('private', false));
  t.notOk(isAllowed('forbidden', true), 'metadata is refused even with allowPrivateNetwork');
  t.ok(isPrivateHostname('gpu-box'));
  t.ok(isPrivateHostname('studio.local'));
  t.notOk(isPrivateHostname('api.openai.com'));
  t.ok(isPlaceholderKey('ollama-local'));
  t.ok(isPlaceholderKey(undefined));
  t.notOk(isPlaceholderKey('sk-proj-abcdefghijklmnopqrstuvwxyz'));
});

t.test('every spelling of a metadata, private or loopback address gets the verdict of the IPv4 address', async (t) => {
  const metadata = [
    '100.100.100.200', '::ffff:100.100.100.200', '::6464:64c8', '64:ff9b::6464:64c8', '168.63.129.16',
    '169.254.169.254', '::a9fe:a9fe', '::169.254.169.254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::FFFF:A9FE:A9FE',
    '0:0:0:0:0:ffff:a9fe:a9fe', '0000:0000:0000:0000:0000:ffff:a9fe:a9fe', '::ffff:0:a9fe:a9fe', '::ffff:0:169.254.169.254',
    '64:ff9b::a9fe:a9fe', '64:ff9b::169.254.169.254', '64:FF9B:0:0:0:0:A9FE:A9FE', '64:ff9b:1::a9fe:a9fe', '2002:a9fe:a9fe::1',
    '::ffff:a9fe:a9fe%eth0', 'fd00:ec2::254', 'FD00:0EC2:0:0:0:0:0:254', 'fd00:ec2::23', 'fd20:ce::254', 'fd00:c1::a9fe:a9fe',
  ];
  for (const address of metadata) t.equal(classifyAddress(address), 'forbidden', address);
  const same: Array<[string, string]> = [
    ['::ffff:10.0.0.1', 'private'], ['::a00:1', 'private'], ['::10.0.0.1', 'private'], ['::ffff:0:a00:1', 'private'], ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::c0a8:101', 'private'], ['::ffff:100.64.0.1', 'private'], ['::ffff:172.16.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'], ['::7f00:1', 'loopback'], ['::127.0.0.1', 'loopback'], ['64:ff9b::7f00:1', 'loopback'], ['::0.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'], ['64:ff9b::8.8.8.8', 'public'], ['2606:4700::1111', 'public'],
    ['::ffff:0.0.0.0', 'forbidden'], ['::', 'forbidden'], ['::2', 'forbidden'],
  ];
  for (const [address, cls] of same) t.equal(classifyAddress(address), cls, address);
  for (const junk of ['127.1', '0x7f.0.0.1', '0177.0.0.1', '[::1]', '', 'x', '１２７.0.0.1', `${'1:'.repeat(5000)}1`]) t.equal(classifyAddress(junk), 'forbidden', `not an address: ${junk.slice(0, 20)}`);
  t.ok(isPrivateHostname('::a9fe:a9fe'), 'an IPv6 spelling of metadata is not a public host');
  t.ok(isLoopbackHost('::ffff:127.0.0.1'));
  t.ok(isLoopbackHost('[::7f00:1]'));
  t.notOk(isLoopbackHost('::ffff:a9fe:a9fe'));
});

t.test('IPv6 spellings of metadata are refused before connecting, also with allowPrivateNetwork', async (t) => {
  const lookup = staticLookup({ 'mapped.example': '::ffff:a9fe:a9fe', 'compat.example': '::a9fe:a9fe', 'nat64.example': '64:ff9b::a9fe:a9fe', 'ali.example': '100.100.100.200' });
  const provider = (baseUrl: string) => ({ baseUrl, apiKey: 'sk-real-looking-key-123456', connectTimeoutSeconds: 1, request: { allowPrivateNetwork: true }, models: [] });
  const relay = await startRelay(
    {
      models: {
        providers: {
          compat: provider('http://[::a9fe:a9fe]/v1'),
          mapped: provider('http://[::ffff:169.254.169.254]/v1'),
          mappedhex: provider('http://[::ffff:a9fe:a9fe]/v1'),
          nat64: provider('http://[64:ff9b::a9fe:a9fe]/v1'),
          alibaba: provider('http://100.100.100.200/v1'),
          dnsmapped: provider('http://mapped.example/v1'),
          dnscompat: provider('http://compat.example/v1'),
          dnsnat64: provider('http://nat64.example/v1'),
          dnsali: provider('http://ali.example/v1'),
          lan: { baseUrl: 'http://[::ffff:10.0.0.5]/v1', apiKey: 'sk-real-looking-key-123456', models: [] },
          home: { baseUrl: `http://[::ffff:127.0.0.1]:${mock.port}/v1`, models: [] },
        },
      },
    },
    { lookup },
  );
  t.teardown(() => relay.close());
  for (const id of ['compat', 'mapped', 'mappedhex', 'nat64', 'alibaba', 'dnsmapped', 'dnscompat', 'dnsnat64', 'dnsali']) {
    const res = await postJson(`${relay.url}/v1/chat/completions`, { model: `${id}/m`, messages: [{ role: 'user', content: 'hi' }] });
    t.equal(res.status, 502, id);
    t.equal(res.json?.error?.code, 'upstream_blocked', id);
    t.match(res.json?.error?.message, /a link-local\/metadata or reserved address lmrelay never connects to/, id);
  }
  const lan = await postJson(`${relay.url}/v1/chat/completions`, { model: 'lan/m', messages: [{ role: 'user', content: 'hi' }] });
  t.match(lan.json?.error?.message, /private address .*allowPrivateNetwork/, 'a mapped private address is private');
  const home = await postJson(`${relay.url}/v1/chat/completions`, { model: 'home/m', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(home.status, 200, 'a mapped loopback address is loopback');
});

t.test('private and metadata upstreams are refused at once; the server still starts', async (t) => {
  const lookup = staticLookup({ 'gpu.lan': '10.0.0.5', 'rebind.example': '127.0.0.1', 'meta.example': '169.254.169.254', 'ok.lan': '127.0.0.1' });
  const relay = await startRelay(
    {
      models: {
        providers: {
          lan: { baseUrl: 'http://gpu.lan:8000/v1', models: [] },
          literal: { baseUrl: 'http://192.168.1.20:8000/v1', models: [] },
          metadata: { baseUrl: 'http://meta.example/v1', apiKey: 'sk-real-looking-key-123456', request: { allowPrivateNetwork: true }, models: [] },
          tail: { baseUrl: 'http://100.101.102.103:11434/v1', models: [] },
          local: { baseUrl: `http://ok.lan:${mock.port}/v1`, models: [] },
        },
      },
    },
    { lookup },
  );
  t.teardown(() => relay.close());
  for (const [model, pattern] of [
    ['lan/m', /provider lan: gpu\.lan resolves to private address 10\.0\.0\.5; set models\.providers\.lan\.request\.allowPrivateNetwork: true/],
    ['literal/m', /192\.168\.1\.20 resolves to private address 192\.168\.1\.20; set models\.providers\.literal\.request\.allowPrivateNetwork/],
    ['tail/m', /100\.101\.102\.103.*allowPrivateNetwork/],
    ['metadata/m', /169\.254\.169\.254, a link-local\/metadata or reserved address/],
  ] as const) {
    const res = await postJson(`${relay.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });
    t.equal(res.status, 502, model);
    t.equal(res.json.error.code, 'upstream_blocked');
    t.match(res.json.error.message, pattern);
  }
  const ok = await postJson(`${relay.url}/v1/chat/completions`, { model: 'local/m', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(ok.status, 200, 'a name that resolves to loopback is trusted');
  t.ok(relay.logs.some((l) => l.failureKind === 'policy'), 'counted as failure kind policy');
});

t.test('DNS rebinding: the address checked is the address dialled', async (t) => {
  let answer = '127.0.0.1';
  const lookup = ((host: string, opts: any, cb: any) => staticLookup({ [host]: answer })(host, opts, cb)) as any;
  const relay = await startRelay({ models: { providers: { flip: { baseUrl: `http://flip.example:${mock.port}/v1`, apiKey: 'sk-real-looking-key-123456', models: [] } } } }, { lookup });
  t.teardown(() => relay.close());
  t.equal((await postJson(`${relay.url}/v1/chat/completions`, { model: 'flip/m', messages: [{ role: 'user', content: 'hi' }] }, { connection: 'close' })).status, 200);
  // Drop pooled connections so the next request must resolve and connect again.
  await relay.app.relay.state.pools.close();
  answer = '10.9.8.7';
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'flip/m', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(res.status, 502);
  t.match(res.json.error.message, /10\.9\.8\.7/);
});

t.test('placeholder keys: fine for local hosts, refused for public ones', async (t) => {
  const loaded = validateConfig(
    {
      models: {
        providers: {
          ollama: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'ollama-local', models: [] },
          lan: { baseUrl: 'http://studio.local:1234/v1', apiKey: 'lmstudio', models: [] },
          hosted: { baseUrl: 'https://api.example.com/v1', apiKey: 'ollama-local', models: [] },
        },
      },
    },
    'test',
    {},
  );
  const findings = auditConfig(loaded.config as any, loaded.catalog);
  t.same(findings.errors.length, 1);
  t.match(findings.errors[0], /models\.providers\.hosted\.apiKey: api\.example\.com is a public host and needs a real API key/);
  t.ok(findings.warnings.some((w) => /studio\.local looks like a local-network name/.test(w)));
  const relay = await startRelay(loaded.config, { lookup: staticLookup({}) });
  t.teardown(() => relay.close());
  const res = await postJson(`${relay.url}/v1/chat/completions`, { model: 'hosted/gpt', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(res.status, 502);
  t.match(res.json.error.message, /hosted\/gpt: refused by lmrelay: .*needs a real API key/);
});
