/**
 * The status page in a real browser (Debian's chromium, driven by playwright-core): it loads
 * behind the keys with no console error, shows a provider going down (its server killed) and
 * recovering (started again on the same port), and its charts move under load. Screenshots are
 * saved under test/artifacts/. Skips, saying so, where no chromium is installed.
 */
import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startRelay, postJson } from '../helpers/relay.js';
import { startMock, closedPort, type MockUpstream } from '../helpers/mock.js';
import { Cooldowns } from '../../src/upstream/cooldown.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const KEY = 'status-browser-key';

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

const executablePath = findChromium();
if (!executablePath) {
  t.plan(0, 'chromium not found (apt-get install chromium, or set CHROMIUM_PATH): the status page browser test is skipped');
} else {
  t.test('the page in a browser: live, a provider down and back, charts under load', async (t) => {
    const localPort = await closedPort();
    let local: MockUpstream = await startMock('vllm', ['--port', String(localPort)]);
    const backup = await startMock('llamacpp');
    // Short cooldowns: the recovery is seen within seconds.
    const relay = await startRelay(
      {
        server: { apiKeys: [KEY], metricsRequireAuth: true },
        models: {
          mode: 'replace',
          providers: {
            local: { baseUrl: local.baseUrl, models: [{ id: 'qwen3-8b' }] },
            backup: { baseUrl: backup.baseUrl, models: [{ id: 'qwen3-32b' }] },
          },
        },
        agents: { defaults: { model: { primary: 'local/qwen3-8b', fallbacks: ['backup/qwen3-32b'] } } },
      },
      { cooldowns: new Cooldowns(Date.now, 1000) },
    );
    const browser: Browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    t.teardown(async () => {
      await browser.close();
      await relay.close();
      await local.close();
      await backup.close();
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    const headers = { authorization: `Bearer ${KEY}` };
    const ask = (extra: Record<string, string> = {}, stream = false) =>
      postJson(`${relay.url}/v1/chat/completions`, { model: 'local/qwen3-8b', stream, messages: [{ role: 'user', content: 'hello' }] }, { ...headers, ...extra });

    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: KEY }, viewport: { width: 1280, height: 900 } });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      // The feed's own request is cut when the page closes; anything else failing is a problem.
      if (!req.url().endsWith('/ui/events')) problems.push(`request failed: ${req.url()}`);
    });

    await page.goto(`${relay.url}/`);
    t.equal(new URL(page.url()).pathname, '/ui/', '/ leads to the page');
    await page.waitForSelector('#live[data-live="open"]', { timeout: 10_000 });
    t.equal(await page.textContent('#live'), 'live');
    t.equal(await page.locator('#providers tbody tr').count(), 2, 'both providers listed');
    t.match(await page.textContent('#chains'), /local\/qwen3-8b\s+→\s+backup\/qwen3-32b/, 'the chain as configured');

    // Under load: the request chart gets points, the latency and first-token charts a line.
    const before = await page.getAttribute('#chart-requests polyline', 'points');
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 15 }, (_, i) => ask({}, i % 3 === 0)));
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.waitForFunction(() => Number(document.querySelector('#chart-requests')?.getAttribute('data-total')) >= 60, undefined, { timeout: 10_000 });
    const after = await page.getAttribute('#chart-requests polyline', 'points');
    t.not(after, before, 'the request chart moved');
    t.ok(Number(await page.getAttribute('#chart-latency', 'data-total')) > 0, 'the latency chart has points');
    t.ok(Number(await page.getAttribute('#chart-ttft', 'data-total')) > 0, 'the first-token chart has points');
    await page.waitForSelector('[data-provider="local"][data-health="up"]', { timeout: 10_000 });
    t.ok(await page.locator('#recent tbody tr[data-status="200"]').count() > 0, 'recent requests listed');

    // Down: the local server is killed; requests fall back to the backup, and some ask for no fallback.
    await local.close();
    for (let i = 0; i < 5; i++) await ask();
    for (let i = 0; i < 3; i++) t.equal((await ask({ 'x-lmrelay-fallbacks': 'none' })).status, 502);
    await page.waitForSelector('[data-provider="local"][data-health="cooling"], [data-provider="local"][data-health="down"]', { timeout: 10_000 });
    t.match(await page.textContent('[data-provider="local"]'), /connect_refused/, 'the failure kind is shown');
    await page.waitForFunction(() => Number(document.querySelector('#chart-errors')?.getAttribute('data-total')) >= 3, undefined, { timeout: 10_000 });
    await page.waitForSelector('#recent tbody tr[data-status="502"]', { timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}status-page-down.png`, fullPage: true });

    // Back: the same server on the same port; the next requests once its cooldown is over.
    local = await startMock('vllm', ['--port', String(localPort)]);
    let recovered = false;
    for (let i = 0; i < 40 && !recovered; i++) {
      const res = await ask({ 'x-lmrelay-fallbacks': 'none' });
      recovered = res.status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    t.ok(recovered, 'the restarted server answers again');
    await page.waitForSelector('[data-provider="local"][data-health="up"]', { timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true });
    t.same(problems, [], 'no console error, page error or failed request');
    await context.close();
  });
}
