// Cross-site requests (issue 14) against a running node with anonymous Editors: a page on another
// site can make a visitor's browser send "simple" requests (text/plain, forms) without a preflight.
// Foreign Origins are refused with 403 (Grafana's [security] csrf_* rules), JSON APIs refuse
// non-JSON types with 415, and same-origin callers, Telegraf and token holders keep working.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RawClient } from '../../harness/raw-client.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { httpRequest, startHub, type RawHttpAnswer, type TestHub } from '../helpers/hub.js';

const EVIL = 'https://evil.example';
const PUBLISH = JSON.stringify({ channel: 'grafana/broadcast/csrf', data: { from: 'page' } });
const DASHBOARD = JSON.stringify({ dashboard: { uid: 'csrf', title: 'CSRF' }, overwrite: true });

describe('cross-site requests', () => {
  let dir: string;
  let editor: string;
  let server: TestHub;
  let watcher: RawClient;
  const env = () => ({ GF_AUTH_API_TOKENS_FILE: join(dir, 'tokens.json'), GF_AUTH_ANONYMOUS_ORG_ROLE: 'Editor' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livehub-csrf-'));
    editor = new ApiTokenStore(join(dir, 'tokens.json')).create({ name: 'telegraf', orgId: 1, role: 'Editor' }).token;
    server = await startHub(env());
    watcher = await RawClient.open(server.wsUrl);
    await watcher.connect();
    watcher.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/csrf' } });
    await watcher.reply(2);
  });
  after(async () => {
    watcher.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (hub: TestHub, path: string, method: string, headers: Record<string, string>, body?: string): Promise<RawHttpAnswer> =>
    httpRequest(`${hub.httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });

  test('a cross-origin publish is refused (text/plain or JSON), and nothing is published', async () => {
    const textPlain = await send(server, '/api/live/publish', 'POST', { Origin: EVIL, 'Content-Type': 'text/plain' }, PUBLISH);
    assert.equal(textPlain.status, 403);
    assert.match(textPlain.text, /origin not allowed/);
    assert.equal((await send(server, '/api/live/publish', 'POST', { Origin: EVIL, 'Content-Type': 'application/json' }, PUBLISH)).status, 403);
    // Old browsers send no Origin on a form post, but a Referer.
    assert.equal((await send(server, '/api/live/publish', 'POST', { Referer: `${EVIL}/attack.html`, 'Content-Type': 'application/json' }, PUBLISH)).status, 403);
    assert.equal((await send(server, '/api/live/publish', 'POST', { Origin: 'null', 'Content-Type': 'application/json' }, PUBLISH)).status, 403);
    // Same origin: JSON works, the simple types a page could send cross-site are 415.
    const own = `http://127.0.0.1:${server.port}`;
    const sameOrigin = await send(server, '/api/live/publish', 'POST', { Origin: own, 'Content-Type': 'application/json' }, PUBLISH.replace('page', 'same-origin'));
    assert.equal(sameOrigin.status, 200, sameOrigin.text);
    for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await send(server, '/api/live/publish', 'POST', { Origin: own, 'Content-Type': type }, PUBLISH);
      assert.equal(res.status, 415, type);
      assert.match(res.text, /application\/json/);
    }
    await watcher.next((f) => JSON.stringify(f).includes('same-origin'));
    assert.ok(!watcher.lines.some((l) => l.includes('"from":"page"')), 'no cross-site or wrongly typed publish got through');
  });

  test('with an anonymous Editor the dashboard API is closed to other sites the same way', async () => {
    assert.equal((await send(server, '/api/dashboards/db', 'POST', { Origin: EVIL, 'Content-Type': 'text/plain' }, DASHBOARD)).status, 403);
    assert.equal((await send(server, '/api/dashboards/db', 'POST', { Origin: EVIL, 'Content-Type': 'application/json' }, DASHBOARD)).status, 403);
    assert.equal((await send(server, '/api/dashboards/db', 'POST', { 'Content-Type': 'text/plain' }, DASHBOARD)).status, 415);
    assert.equal((await send(server, '/api/dashboards/uid/csrf', 'GET', {})).status, 404, 'nothing was saved');
    assert.equal((await send(server, '/api/dashboards/db', 'POST', { 'Content-Type': 'application/json' }, DASHBOARD)).status, 200);
    assert.equal((await send(server, '/api/dashboards/uid/csrf', 'DELETE', { Origin: EVIL })).status, 403);
    assert.equal((await send(server, '/api/dashboards/uid/csrf', 'GET', {})).status, 200, 'still there');
  });

  test('Telegraf (no Origin, line protocol) and token holders keep working', async () => {
    const auth = { Authorization: `Bearer ${editor}` };
    assert.equal((await send(server, '/api/live/push/csrf', 'POST', auth, 'cpu v=1')).status, 200);
    assert.equal((await send(server, '/api/live/push/csrf', 'POST', { ...auth, 'Content-Type': 'text/plain; charset=utf-8' }, 'cpu v=2')).status, 200);
    // An explicit credential is nothing a page can attach cross-site: checked only with csrf_always_check.
    assert.equal((await send(server, '/api/live/publish', 'POST', { ...auth, Origin: EVIL, 'Content-Type': 'application/json' }, PUBLISH.replace('page', 'token'))).status, 200);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /^livehub_http_csrf_rejections_total\{node="[^"]+"\} [1-9]\d*$/m);
    assert.match(metrics, /^livehub_http_content_type_rejections_total\{node="[^"]+"\} [1-9]\d*$/m);
    assert.ok(server.logs.some((l) => l['msg'] === 'cross-site request refused' && l['origin'] === EVIL));
  });

  test('csrf_trusted_origins and csrf_additional_headers admit their hosts; csrf_always_check covers tokens', async () => {
    const trusted = await startHub({ ...env(), GF_SECURITY_CSRF_TRUSTED_ORIGINS: 'portal.example', GF_SECURITY_CSRF_ADDITIONAL_HEADERS: 'X-Forwarded-Host', GF_SECURITY_CSRF_ALWAYS_CHECK: 'true' });
    try {
      const json = { 'Content-Type': 'application/json' };
      assert.equal((await send(trusted, '/api/live/publish', 'POST', { ...json, Origin: 'https://portal.example' }, PUBLISH)).status, 200);
      assert.equal((await send(trusted, '/api/live/publish', 'POST', { ...json, Origin: EVIL }, PUBLISH)).status, 403);
      assert.equal((await send(trusted, '/api/live/publish', 'POST', { ...json, Origin: 'https://public.example', 'X-Forwarded-Host': 'public.example' }, PUBLISH)).status, 200);
      const auth = { Authorization: `Bearer ${editor}` };
      assert.equal((await send(trusted, '/api/live/publish', 'POST', { ...json, ...auth, Origin: EVIL }, PUBLISH)).status, 403);
      assert.equal((await send(trusted, '/api/live/push/csrf', 'POST', auth, 'cpu v=3')).status, 200, 'Telegraf sends no Origin');
    } finally {
      await trusted.stop();
    }
  });
});
