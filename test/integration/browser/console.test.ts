// End-to-end test of the Live console in headless Chromium against a real livehub: connection
// state, stream list, live chart growth, broadcast and dashboard events, the push form, the
// cluster panel, phone and dark layouts, and the "live connection lost" → reconnected cycle.
// Screenshots go to test-artifacts/console/ for a human to look at.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../../harness/project-root.js';
import { ApiTokenStore } from '../../../src/auth/api-tokens.js';
import { installConsole } from '../../../src/http/routes/console.js';
import { Router } from '../../../src/http/router.js';
import type { ChannelHandler } from '../../../src/live/handlers.js';
import { createLogger } from '../../../src/log/logger.js';
import { postJson, startHub, type TestHub } from '../../helpers/hub.js';

const ARTIFACTS = join(projectRoot(), 'test-artifacts', 'console');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const STREAM = 'stream/console-test/cpu';

/** Stands in for the dashboards feature when a hub runs without it: allows every subscribe and publish. */
const permissiveDashboards: ChannelHandler = {
  onSubscribe: async () => ({ status: 'ok', presence: true, joinLeave: true }),
  onPublish: async (request) => ({ status: 'ok', data: request.rawData }),
};

async function startConsoleHub(env: Record<string, string>): Promise<TestHub> {
  const server = await startHub(env);
  // No-op once the composition root installs the console itself.
  installConsole(server.hub.router, { version: server.hub.node.options.version });
  if (server.hub.dashboards === undefined) server.hub.grafanaScope.registerFeature('dashboard', () => permissiveDashboards);
  return server;
}

async function connectionState(page: Page, state: 'connected' | 'lost'): Promise<string> {
  await page.waitForSelector(`[data-testid="connection-state"][data-state="${state}"]`);
  return (await page.getByTestId('connection-label').textContent()) ?? '';
}

async function chartPoints(page: Page): Promise<number> {
  return Number(await page.getByTestId('chart').getAttribute('data-points'));
}

/** The chart's message counter ("… · 12 messages · …" in its status line). */
async function chartMessages(page: Page): Promise<number> {
  const status = (await page.getByTestId('chart-status').textContent()) ?? '';
  return Number(/(\d+) messages/.exec(status)?.[1] ?? 0);
}

/** Polls a value read from the page until it passes `check` (page callbacks are not typed here: no DOM lib). */
async function pollUntil(read: () => Promise<number>, check: (value: number) => boolean, what: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last value ${value})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function waitForMorePoints(page: Page, than: number): Promise<number> {
  return pollUntil(() => chartPoints(page), (n) => n > than, `more than ${than} chart points`);
}

/** The page must never scroll sideways: everything fits the viewport width. */
async function assertNoHorizontalOverflow(page: Page): Promise<void> {
  const [scroll, client] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  assert.ok(scroll <= client, `page is ${scroll}px wide in a ${client}px viewport`);
}

describe('Live console in the browser', { timeout: 90_000 }, () => {
  let server: TestHub;
  let port: number;
  let env: Record<string, string>;
  let editorToken: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let pusher: NodeJS.Timeout | undefined;
  let tick = 0;

  const push = async (streamId: string, body: string, query = ''): Promise<number> => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/live/push/${streamId}${query}`, { method: 'POST', headers: { Authorization: `Bearer ${editorToken}` }, body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0; // the hub is down during the outage part: pushes just fail
    }
  };

  const newPage = async (options: Parameters<Browser['newContext']>[0]): Promise<Page> => {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    return page;
  };

  const shoot = async (page: Page, name: string, fullPage = true): Promise<void> => {
    await page.evaluate('window.scrollTo(0, 0)'); // clicks scroll the page; pictures start at the top
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'livehub-console-'));
    const tokenFile = join(dir, 'tokens.json');
    editorToken = new ApiTokenStore(tokenFile).create({ name: 'console-editor', orgId: 1, role: 'Editor' }).token;
    env = { GF_AUTH_API_TOKENS_FILE: tokenFile };
    server = await startConsoleHub(env);
    port = server.port;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    // Two hosts, two label sets in labels_column mode: 2 × 2 series, one batch every 200 ms.
    pusher = setInterval(() => {
      tick++;
      const a = 50 + 30 * Math.sin(tick / 5);
      const b = 40 + 20 * Math.cos(tick / 7);
      void push('console-test', `cpu,host=alpha usage=${a.toFixed(2)},idle=${(100 - a).toFixed(2)}\ncpu,host=beta usage=${b.toFixed(2)},idle=${(100 - b).toFixed(2)}`);
    }, 200);
  });

  after(async () => {
    clearInterval(pusher);
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  let desktop: Page;
  let phone: Page;

  it('serves the console with the right headers', async () => {
    const res = await fetch(`${server.httpUrl}/`);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(html, /livehub-console/, 'the built console, not the fallback page (run npm run build)');
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset);
    const js = await fetch(`${server.httpUrl}/${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    await js.arrayBuffer();
    for (const path of ['/assets/missing.js', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/index.html']) {
      const miss = await fetch(`${server.httpUrl}${path}`);
      await miss.arrayBuffer();
      assert.equal(miss.status, 404, path);
    }
  });

  it('desktop: connects, lists the pushed stream and plots it growing', async () => {
    desktop = await newPage({ viewport: { width: 1280, height: 800 } });
    await desktop.goto(server.httpUrl);
    assert.equal(await connectionState(desktop, 'connected'), 'connected');

    const item = desktop.locator(`[data-testid="stream-item"][data-channel="${STREAM}"]`);
    await item.waitFor();
    await item.click();
    await desktop.waitForSelector('[data-testid="chart"] canvas');
    const first = await waitForMorePoints(desktop, 0);
    const later = await waitForMorePoints(desktop, first + 4);
    assert.ok(later > first, `points grew ${first} → ${later}`);
    assert.equal(await desktop.getByTestId('chart').getAttribute('data-series'), '4'); // usage/idle × alpha/beta
    assert.match((await desktop.getByTestId('chart').textContent()) ?? '', /usage \{host=alpha\}/);
  });

  it('desktop: shows broadcast messages and dashboard events, newest first', async () => {
    await desktop.waitForSelector(`[data-testid="watches"] [data-channel="grafana/broadcast/console"][data-status="subscribed"]`);
    const published = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/console', data: { text: 'hello from the test' } });
    assert.equal(published.status, 200);
    await desktop.getByTestId('events').getByText('hello from the test').waitFor();

    // The page's own publish form.
    await desktop.getByTestId('broadcast-message').fill('{"text": "typed in the console"}');
    await desktop.getByTestId('broadcast-form').getByRole('button', { name: 'Publish' }).click();
    await desktop.getByTestId('events').getByText('typed in the console').waitFor();
    assert.equal(await desktop.getByTestId('broadcast-status').getAttribute('data-ok'), 'true');

    // With the dashboards feature the server emits "saved" itself on a save through the API (the
    // dashboard must exist before anyone may watch it); without it, a test handler relays a publish.
    const realDashboards = server.hub.dashboards !== undefined;
    const save = (message: string): Promise<{ status: number; text: string }> =>
      postJson(`${server.httpUrl}/api/dashboards/db`, { dashboard: { uid: 'abc', title: 'Console test' }, overwrite: true, message }, { Authorization: `Bearer ${editorToken}` });
    if (realDashboards) assert.equal((await save('first version')).status, 200);
    await desktop.getByTestId('dashboard-uid').fill('abc');
    await desktop.getByTestId('dashboard-uid').press('Enter');
    await desktop.waitForSelector(`[data-testid="watches"] [data-channel="grafana/dashboard/uid/abc"][data-status="subscribed"]`);
    const event = realDashboards
      ? await save('new panel')
      : await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/dashboard/uid/abc', data: { uid: 'abc', action: 'saved', user: { id: 1, login: 'admin' }, message: 'new panel' } });
    assert.equal(event.status, 200, event.text);
    const newest = desktop.getByTestId('event').first();
    await newest.getByText(/^saved abc/).waitFor();
    assert.equal(await newest.getAttribute('data-kind'), 'dashboard');
  });

  it('desktop: pushes line protocol from the form and shows parser errors', async () => {
    const form = desktop.getByTestId('push-form');
    await desktop.getByTestId('push-stream').fill('console-form');
    await desktop.getByTestId('push-token').fill(editorToken);
    await desktop.getByTestId('push-lines').fill('weather,city=paris temp=21.5,humidity=40\nweather,city=oslo temp=4,humidity=80');
    await form.getByRole('button', { name: 'Push' }).click();
    await desktop.waitForSelector('[data-testid="push-status"][data-status="200"]');
    await desktop.locator('[data-testid="stream-item"][data-channel="stream/console-form/weather"]').waitFor();

    await desktop.getByTestId('push-lines').fill('weather temp=');
    await form.getByRole('button', { name: 'Push' }).click();
    await desktop.waitForSelector('[data-testid="push-status"][data-status="400"]');
    assert.match((await desktop.getByTestId('push-status').textContent()) ?? '', /^400: line 1, column \d+/);

    await desktop.getByTestId('push-token').fill('');
    await desktop.getByTestId('push-lines').fill('weather temp=1');
    await form.getByRole('button', { name: 'Push' }).click();
    await desktop.waitForSelector('[data-testid="push-status"][data-status="401"]'); // pushing needs a real credential
    assert.match((await desktop.getByTestId('push-status').textContent()) ?? '', /token is needed/);
  });

  it('desktop: shows the cluster nodes with their connections and health', async () => {
    const cluster = desktop.getByTestId('cluster');
    await cluster.getByTestId('cluster-node').first().waitFor();
    assert.equal(await cluster.getByTestId('cluster-health').textContent(), 'ok');
    // /api/live/cluster when the server has it (the phone test below forces the /api/health fallback).
    const clusterRoute = await fetch(`${server.httpUrl}/api/live/cluster`);
    await clusterRoute.arrayBuffer();
    assert.equal(await cluster.getAttribute('data-source'), clusterRoute.status === 200 ? 'cluster' : 'health');
    assert.match((await cluster.textContent()) ?? '', /connections/);
    await assertNoHorizontalOverflow(desktop);
    await waitForMorePoints(desktop, 0);
    await shoot(desktop, 'desktop-1280x800', false);
    await shoot(desktop, 'desktop-1280x800-full');
  });

  it('wide frames: one series per field and labels object', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(await push('console-wide', `mem,host=alpha used=${40 + i},free=${60 - i}\nmem,host=beta used=${20 + i},free=${80 - i}`, '?gf_live_frame_format=wide'), 200);
    }
    const item = desktop.locator('[data-testid="stream-item"][data-channel="stream/console-wide/mem"]');
    await desktop.getByTestId('streams').getByRole('button', { name: 'Refresh' }).click();
    await item.click();
    await desktop.waitForSelector('[data-testid="chart"][data-channel="stream/console-wide/mem"][data-series="4"]');
    // Back to the growing stream for the rest of the test.
    await desktop.locator(`[data-testid="stream-item"][data-channel="${STREAM}"]`).click();
  });

  it('phone and dark mode: the same page fits 390×844 and a dark scheme', async () => {
    phone = await newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    // As if the server had no /api/live/cluster: the panel falls back to this node's /api/health.
    await phone.route('**/api/live/cluster', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"message":"Not Found"}' }));
    await phone.goto(`${server.httpUrl}/#${encodeURIComponent(STREAM)}`);
    assert.equal(await connectionState(phone, 'connected'), 'connected');
    await phone.locator('[data-testid="cluster"][data-source="health"] [data-testid="cluster-node"]').waitFor();
    await phone.waitForSelector('[data-testid="chart"] canvas');
    const first = await waitForMorePoints(phone, 0);
    await waitForMorePoints(phone, first + 2);
    await assertNoHorizontalOverflow(phone);
    await shoot(phone, 'phone-390x844', false);
    await shoot(phone, 'phone-390x844-full');

    const dark = await newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    await dark.goto(`${server.httpUrl}/#${encodeURIComponent(STREAM)}`);
    await connectionState(dark, 'connected');
    await dark.waitForSelector('[data-testid="chart"] canvas');
    await waitForMorePoints(dark, 5);
    await shoot(dark, 'desktop-dark-1280x800', false);
    await dark.context().close();
  });

  it('shows "live connection lost" when the hub stops and recovers by itself when it is back', async () => {
    await server.stop();
    const messagesBefore = await chartMessages(desktop);
    assert.equal(await connectionState(desktop, 'lost'), 'live connection lost');
    assert.equal(await connectionState(phone, 'lost'), 'live connection lost');
    await shoot(desktop, 'desktop-connection-lost', false);
    await shoot(phone, 'phone-connection-lost', false);

    server = await startConsoleHub({ ...env, GF_SERVER_HTTP_PORT: String(port) });
    assert.equal(server.port, port);
    assert.equal(await connectionState(desktop, 'connected'), 'connected');
    assert.equal(await connectionState(phone, 'connected'), 'connected');
    assert.match((await desktop.getByTestId('connection-detail').textContent()) ?? '', /recovered after/);

    // Subscriptions came back with the connection: new data and new broadcasts arrive.
    await desktop.waitForSelector(`[data-testid="watches"] [data-channel="grafana/broadcast/console"][data-status="subscribed"]`);
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/console', data: { text: 'after the restart' } });
    await desktop.getByTestId('events').getByText('after the restart').waitFor();
    await pollUntil(() => chartMessages(desktop), (n) => n > messagesBefore + 2, 'chart data after the restart');
    await desktop.waitForSelector('[data-testid="chart"] canvas');
    await shoot(desktop, 'desktop-recovered', false);
    assert.deepEqual(pageErrors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
  });
});

describe('Live console over the fallback transports', { timeout: 60_000 }, () => {
  let server: TestHub;
  let browser: Browser;

  before(async () => {
    // The WebSocket is not served (as behind a proxy that refuses upgrades): the page falls back.
    server = await startConsoleHub({ GF_LIVE_TRANSPORTS: 'http_stream,sse' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('connects over HTTP-streaming, says so, receives broadcasts and shows connections by transport', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(server.httpUrl);
    assert.equal(await connectionState(page, 'connected'), 'connected');
    assert.equal(await page.getByTestId('connection-state').getAttribute('data-transport'), 'http_stream');
    assert.match((await page.getByTestId('connection-detail').textContent()) ?? '', /over http_stream \(json\)/);
    await page.waitForSelector(`[data-testid="watches"] [data-channel="grafana/broadcast/console"][data-status="subscribed"]`);
    const published = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/console', data: { text: 'over the stream' } });
    assert.equal(published.status, 200);
    await page.getByTestId('events').getByText('over the stream').waitFor();
    const transports = page.getByTestId('node-transports');
    await transports.waitFor();
    assert.match((await transports.textContent()) ?? '', /http_stream json 1/);
    await page.screenshot({ path: join(ARTIFACTS, 'desktop-http-stream.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('console route without a built console', () => {
  it('serves the fallback page telling the operator to run npm run build', async () => {
    const router = new Router(createLogger('error', () => undefined));
    installConsole(router, { version: '9.9.9', root: join(mkdtempSync(join(tmpdir(), 'livehub-noweb-')), 'web') });
    installConsole(router, { version: 'ignored' }); // idempotent: the first install wins
    const http = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/`);
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(html, /livehub 9\.9\.9/);
      assert.match(html, /npm run build/);
      const asset = await fetch(`${base}/assets/index.js`);
      await asset.arrayBuffer();
      assert.equal(asset.status, 404);
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
