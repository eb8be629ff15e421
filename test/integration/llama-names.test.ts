/** The real llama.cpp server reached by the names a user types: its --alias, or its model file's name. */
import t from 'tap';
import { startLlama } from '../helpers/llama.js';
import { postJson, startRelay } from '../helpers/relay.js';

const [aliased, byPath] = await Promise.all([startLlama(['--alias', 'tiny']), startLlama()]);
if (typeof aliased === 'string' || typeof byPath === 'string') {
  if (typeof aliased !== 'string') await aliased.close();
  if (typeof byPath !== 'string') await byPath.close();
  t.plan(0, `real llama.cpp tests skipped: ${typeof aliased === 'string' ? aliased : byPath}`);
} else {
  t.teardown(async () => {
    await Promise.all([aliased.close(), byPath.close()]);
  });
  const request = { messages: [{ role: 'user', content: 'Say something.' }], temperature: 0, max_tokens: 4 };
  for (const [what, server, names, ref] of [
    ['started with --alias tiny', aliased, ['tiny'], 'llamacpp/tiny'],
    ['started without --alias', byPath, ['tiny.gguf', 'tiny'], undefined],
  ] as const) {
    t.test(`${what}: a bare name reaches it`, async (t) => {
      // The tiny test model reports a 2048-token window, under the default refuseBelow (16000).
      const relay = await startRelay({
        models: { mode: 'replace', providers: { llamacpp: { baseUrl: server.baseUrl, models: [] } } },
        agents: { defaults: { contextGuard: { refuseBelow: 2048 } } },
      });
      t.teardown(() => relay.close());
      const listed = (await (await fetch(`${relay.url}/v1/models`)).json()).data.map((m: any) => m.id);
      const expectedRef = ref ?? listed.find((id: string) => id.startsWith('llamacpp//') && id.endsWith('/tiny.gguf'));
      t.ok(listed.includes(expectedRef), `${expectedRef} listed`);
      for (const name of names) {
        const res = await postJson(`${relay.url}/v1/chat/completions`, { ...request, model: name });
        t.equal(res.status, 200, `${name}: ${res.text}`);
        t.equal(res.headers.get('x-lmrelay-model'), expectedRef);
        t.equal(res.json?.object, 'chat.completion');
      }
    });
  }
}
