// [http_rate_limit] against a running node: 429 with Retry-After per identity (whatever the client
// address) and per anonymous address (distinct 127.0.0.x sources are distinct clients), for requests
// and for body bytes; the table of buckets stays bounded; and with the default configuration an
// anonymous flood of 1 MiB publishes is held to the documented byte rate.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { httpRequest, startHub, type RawHttpAnswer } from '../helpers/hub.js';

function tokens(): { file: string; dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-rate-'));
  const file = join(dir, 'tokens.json');
  const store = new ApiTokenStore(file);
  return { file, dir, a: store.create({ name: 'a', orgId: 1, role: 'Editor' }).token, b: store.create({ name: 'b', orgId: 1, role: 'Editor' }).token };
}

function publish(httpUrl: string, from: string, data: unknown = {}, token?: string): Promise<RawHttpAnswer> {
  return httpRequest(`${httpUrl}/api/live/publish`, {
    method: 'POST',
    localAddress: from,
    headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ channel: 'grafana/broadcast/rate', data }),
  });
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('HTTP rate limits', () => {
  test('per anonymous address and per identity: 429 with Retry-After, other callers unaffected', async () => {
    const t = tokens();
    const server = await startHub({
      GF_AUTH_API_TOKENS_FILE: t.file,
      GF_HTTP_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_SECOND: '1',
      GF_HTTP_RATE_LIMIT_ANONYMOUS_REQUEST_BURST: '3',
      GF_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND: '1',
      GF_HTTP_RATE_LIMIT_REQUEST_BURST: '2',
    });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await publish(server.httpUrl, '127.0.0.2')).status);
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      const limited = await publish(server.httpUrl, '127.0.0.2');
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After ${limited.headers['retry-after']}`);
      assert.match(limited.text, /Too Many Requests: over 1 requests per second \(burst 3\)/);
      // Another address has its own bucket.
      assert.equal((await publish(server.httpUrl, '127.0.0.3')).status, 200);
      // The dashboard API too, with a bucket of its own.
      const search = () => httpRequest(`${server.httpUrl}/api/search`, { localAddress: '127.0.0.2' });
      assert.deepEqual([(await search()).status, (await search()).status, (await search()).status, (await search()).status], [200, 200, 200, 429]);

      // A token's bucket follows the token across addresses; another token is unaffected.
      const push = (token: string, from: string) => httpRequest(`${server.httpUrl}/api/live/push/rate`, { method: 'POST', localAddress: from, headers: { Authorization: `Bearer ${token}` }, body: 'cpu v=1' });
      assert.equal((await push(t.a, '127.0.0.4')).status, 200);
      assert.equal((await push(t.a, '127.0.0.5')).status, 200);
      const over = await push(t.a, '127.0.0.6');
      assert.equal(over.status, 429);
      assert.ok(Number(over.headers['retry-after']) >= 1);
      assert.equal((await push(t.b, '127.0.0.6')).status, 200);
      // The push bucket is not the publish bucket.
      assert.equal((await publish(server.httpUrl, '127.0.0.6', {}, t.a)).status, 200);

      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.ok(metric(metrics, 'livehub_http_rate_limited_total', 'route="publish",caller="anonymous",limit="requests"') >= 2);
      assert.equal(metric(metrics, 'livehub_http_rate_limited_total', 'route="push",caller="identity",limit="requests"'), 1);
      assert.ok(server.logs.some((l) => l['msg'] === 'HTTP request over the rate limit' && l['route'] === 'publish' && l['who'] === 'ip 127.0.0.2'));
    } finally {
      await server.stop();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  test('body bytes: a budget per address, counted after gzip decoding', async () => {
    const server = await startHub({ GF_HTTP_RATE_LIMIT_ANONYMOUS_BYTES_PER_SECOND: '10KiB', GF_HTTP_RATE_LIMIT_ANONYMOUS_BYTES_BURST: '200KiB' });
    try {
      const body = 'x'.repeat(150_000);
      assert.equal((await publish(server.httpUrl, '127.0.0.7', body)).status, 200);
      const second = await publish(server.httpUrl, '127.0.0.7', body);
      assert.equal(second.status, 429);
      // 100 KiB missing at 10 KiB/s.
      assert.ok(Number(second.headers['retry-after']) >= 9, `Retry-After ${second.headers['retry-after']}`);
      assert.match(second.text, /body bytes per second/);
      // Small requests from the same address wait too: the bucket is in use until it refills.
      assert.equal((await publish(server.httpUrl, '127.0.0.7', 'small')).status, 200);
      assert.equal((await publish(server.httpUrl, '127.0.0.8', body)).status, 200, 'another address');
      // 150 KB of JSON gzip to a few hundred bytes: the decoded size is what counts.
      const gzipped = gzipSync(JSON.stringify({ channel: 'grafana/broadcast/rate', data: body }));
      const sendGzip = () => httpRequest(`${server.httpUrl}/api/live/publish`, {
        method: 'POST', localAddress: '127.0.0.10', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipped,
      });
      assert.ok(gzipped.length < 2000);
      assert.equal((await sendGzip()).status, 200);
      assert.equal((await sendGzip()).status, 429);
    } finally {
      await server.stop();
    }
  });

  test('the bucket table stays within max_keys, however many addresses call', async () => {
    const server = await startHub({ GF_HTTP_RATE_LIMIT_MAX_KEYS: '20' });
    try {
      for (let batch = 0; batch < 5; batch++) {
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(server.httpUrl, `127.0.1.${batch * 20 + i + 1}`)));
        assert.ok(answers.every((a) => a.status === 200));
        assert.ok(server.hub.features.rateLimiter.size <= 20);
      }
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
      assert.ok(metric(metrics, 'livehub_http_rate_limit_keys') <= 20);
      assert.equal(metric(metrics, 'livehub_http_rate_limit_evictions_total'), 80);
    } finally {
      await server.stop();
    }
  });

  test('default configuration: an anonymous flood of 1 MiB publishes is held to 256 KiB/s after a 1 MiB burst', async () => {
    const server = await startHub();
    try {
      const body = 'x'.repeat(1024 * 1024 - 100);
      const started = performance.now();
      let accepted = 0;
      let limited = 0;
      // Back to back, 8 in flight, for about 3 s: an unlimited node took every one of them.
      while (performance.now() - started < 3000) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => publish(server.httpUrl, '127.0.0.9', body)));
        for (const a of answers) {
          if (a.status === 200) accepted++;
          else if (a.status === 429) limited++;
          else assert.fail(`unexpected ${a.status} ${a.text}`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      // 1 MiB of burst, then 256 KiB/s: at most 1 + seconds / 4 bodies of 1 MiB (plus one for rounding).
      assert.ok(accepted <= 2 + Math.floor(seconds / 4), `${accepted} accepted in ${seconds.toFixed(1)} s`);
      assert.ok(accepted >= 1 && limited > accepted, `${accepted} accepted, ${limited} limited`);
    } finally {
      await server.stop();
    }
  });
});
