// Origin policy of WebSocket upgrades: Grafana's algorithm by default (a missing Origin passes), and
// [live] strict_origin, which refuses Origin-less upgrades unless they carry an explicit credential
// (Authorization header or auth_token) — on /api/live/ws and on the push socket.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { startHub, type TestHub } from '../helpers/hub.js';

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

describe('origin policy', () => {
  let dir: string;
  let admin: string;
  let strict: TestHub;
  let grafana: TestHub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livehub-origin-'));
    const file = join(dir, 'tokens.json');
    admin = new ApiTokenStore(file).create({ name: 'admin', orgId: 1, role: 'Admin' }).token;
    const env = { GF_AUTH_API_TOKENS_FILE: file, GF_SERVER_ROOT_URL: 'https://grafana.example.com/', GF_LIVE_ALLOWED_ORIGINS: 'https://*.trusted.org', GF_LOG_LEVEL: 'warn' };
    strict = await startHub({ ...env, GF_LIVE_STRICT_ORIGIN: 'true' });
    grafana = await startHub(env);
  });
  after(async () => {
    await strict.stop();
    await grafana.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('default (Grafana): an upgrade without Origin passes, a foreign Origin gets 403', async () => {
    assert.equal(await upgrade(grafana.wsUrl, {}), 101);
    assert.equal(await upgrade(grafana.wsUrl, { Origin: 'https://evil.example' }), 403);
    assert.equal(await upgrade(grafana.wsUrl, { Origin: 'https://a.trusted.org' }), 101);
  });

  test('strict_origin: Origin-less upgrades need an explicit credential; browsers (with Origin) are unaffected', async () => {
    const before = strict.hub.node.counters.originRejections;
    assert.equal(await upgrade(strict.wsUrl, {}), 403, 'anonymous without Origin');
    assert.ok(strict.logs.some((l) => l['msg'] === 'Request Origin is not authorized' && l['origin'] === '' && l['appUrl'] === 'https://grafana.example.com/'));
    assert.equal(strict.hub.node.counters.originRejections, before + 1);
    assert.equal(await upgrade(strict.wsUrl, { Authorization: `Bearer ${admin}` }), 101, 'token in the header');
    assert.equal(await upgrade(`${strict.wsUrl}?auth_token=${admin}`, {}), 101, 'token in the query');
    assert.equal(await upgrade(strict.wsUrl, { Authorization: 'Bearer glh_forged' }), 401, 'a bad credential is still a 401');
    // Browsers always send Origin: the normal rules apply, with or without a token.
    assert.equal(await upgrade(strict.wsUrl, { Origin: `http://127.0.0.1:${strict.port}` }), 101, 'same host');
    assert.equal(await upgrade(strict.wsUrl, { Origin: 'https://grafana.example.com' }), 101, 'root_url');
    assert.equal(await upgrade(strict.wsUrl, { Origin: 'https://evil.example' }), 403);
    assert.equal(await upgrade(strict.wsUrl, { Origin: 'https://evil.example', Authorization: `Bearer ${admin}` }), 403, 'a token does not excuse a foreign Origin');
  });

  test('strict_origin on the push socket: tokens always present, foreign Origins refused', async () => {
    const push = `ws://127.0.0.1:${strict.port}/api/live/push/origin`;
    assert.equal(await upgrade(push, {}), 401);
    assert.equal(await upgrade(push, { Authorization: `Bearer ${admin}` }), 101, 'Telegraf sends no Origin but a token');
    assert.equal(await upgrade(push, { Authorization: `Bearer ${admin}`, Origin: 'https://evil.example' }), 403);
    assert.ok(strict.logs.some((l) => l['msg'] === 'Request Origin is not authorized' && l['origin'] === 'https://evil.example' && l['allowedOrigins'] === 'https://*.trusted.org'));
  });
});

describe('rejected upgrades do not flood the log', () => {
  test('500 upgrades with an 8 KB Origin: a line per interval with the count of the others, values cut', async () => {
    const server = await startHub({ GF_LOG_REPEAT_INTERVAL: '3s', GF_LOG_MAX_VALUE_LENGTH: '256' });
    try {
      const huge = `https://${'x'.repeat(8192)}.evil.example`;
      const started = Date.now();
      for (let batch = 0; batch < 10; batch++) {
        const codes = await Promise.all(Array.from({ length: 50 }, () => upgrade(server.wsUrl, { Origin: huge })));
        assert.ok(codes.every((c) => c === 403), String(codes));
      }
      const burstMs = Date.now() - started;
      assert.equal(server.hub.node.counters.originRejections, 500);
      const lines = () => server.logs.filter((l) => l['msg'] === 'Request Origin is not authorized');
      // Every rejection is accounted for: written, or counted in a summary line.
      const accounted = () => lines().reduce((n, l) => n + (typeof l['suppressed'] === 'number' ? l['suppressed'] : 1), 0);
      await waitUntil(() => accounted() === 500, 'summary lines covering all 500 rejections', 15_000, 10);
      // One line at once, then a summary per interval (3 s) while the burst lasts. On a slow host a
      // batch may take longer than the interval: the window closes empty and the next rejection
      // opens a new one with a plain line. Either way at most two lines per interval.
      const windows = Math.ceil(burstMs / 3000) + 1;
      const plain = lines().filter((l) => l['suppressed'] === undefined);
      const summaries = lines().filter((l) => l['suppressed'] !== undefined);
      assert.equal(lines()[0]!['suppressed'], undefined);
      assert.ok(plain.length <= windows && summaries.length <= windows, `${plain.length} + ${summaries.length} lines for a ${burstMs} ms burst`);
      assert.ok(summaries.every((l) => typeof l['suppressed'] === 'number' && l['intervalSeconds'] === 3));
      for (const line of lines()) {
        assert.equal(line['origin'], `${huge.slice(0, 256)}…(+${huge.length - 256} chars)`);
        assert.ok(JSON.stringify(line).length < 1024, 'the whole line stays small');
      }
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      const written = lines().filter((l) => l['suppressed'] === undefined).length;
      assert.match(metrics, new RegExp(`^livehub_log_lines_suppressed_total\\{node="[^"]+"\\} ${500 - written}$`, 'm'));
    } finally {
      await server.stop();
    }
  });
});
