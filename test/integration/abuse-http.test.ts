// Abuse on the HTTP side while well-behaved clients keep working: oversized bodies (413), slow
// clients (slowloris headers, dripped bodies, dripped upgrades: [server] headers_timeout and
// read_timeout answer 408 and close), malformed request targets that once ended the process, and
// gzip bombs on the push endpoint against a separate node process whose peak RSS is measured.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { startLivehub } from '../../harness/livehub.js';
import { freePort } from '../../harness/ports.js';
import { peakRssBytes } from '../../harness/proc-stats.js';
import { RawClient } from '../../harness/raw-client.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { startHub, type TestHub } from '../helpers/hub.js';

function tokenFile(): { file: string; editor: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-abuse-http-'));
  const file = join(dir, 'tokens.json');
  const editor = new ApiTokenStore(file).create({ name: 'pusher', orgId: 1, role: 'Editor' }).token;
  return { file, editor, dir };
}

/** A raw TCP exchange: what the server answered (first line) and when it closed the socket. */
interface Slow {
  readonly firstLine: Promise<string>;
  readonly closedAfterMs: Promise<number>;
  readonly socket: Socket;
}

function dripper(port: number, head: string, drip: string, everyMs: number): Slow {
  const started = Date.now();
  const socket = tcpConnect({ host: '127.0.0.1', port });
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(head);
    timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip);
    }, everyMs);
  });
  socket.on('error', () => undefined);
  socket.on('data', (d) => (answer += d.toString()));
  const closed = new Promise<number>((resolve) => socket.on('close', () => {
    clearInterval(timer);
    resolve(Date.now() - started);
  }));
  // The status line as soon as it arrives (a 400 on a keep-alive connection does not close it).
  const firstLine = new Promise<string>((resolve) => {
    const check = (): void => {
      if (answer.includes('\r\n')) resolve(answer.split('\r\n')[0]!);
    };
    socket.on('data', check);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
  return { firstLine, closedAfterMs: closed, socket };
}

async function goodWsClient(server: TestHub, channel: string): Promise<RawClient> {
  const c = await RawClient.open(server.wsUrl);
  await c.connect();
  c.send({ id: 2, subscribe: { channel } });
  await c.reply(2);
  return c;
}

describe('abuse: HTTP', () => {
  test('oversized bodies get 413 (publish, push with and without Content-Length) and nothing is published', async () => {
    const tokens = tokenFile();
    const server = await startHub({ GF_AUTH_API_TOKENS_FILE: tokens.file, GF_LIVE_PUSH_BODY_LIMIT: '65536', GF_LOG_LEVEL: 'error' });
    try {
      const good = await goodWsClient(server, '1/stream/big/cpu');
      const publish = await fetch(`${server.httpUrl}/api/live/publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'grafana/broadcast/x', data: 'x'.repeat(1_100_000) }),
      });
      assert.equal(publish.status, 413);
      assert.match(((await publish.json()) as { message: string }).message, /too large/);
      const auth = { Authorization: `Bearer ${tokens.editor}` };
      const big = `cpu v=1\n${'cpu v="' + 'y'.repeat(70_000) + '"'}`;
      const declared = await fetch(`${server.httpUrl}/api/live/push/big`, { method: 'POST', headers: auth, body: big });
      assert.equal(declared.status, 413);
      // Chunked (no Content-Length): counted while reading.
      const chunked = await fetch(`${server.httpUrl}/api/live/push/big`, {
        method: 'POST',
        headers: auth,
        body: new ReadableStream({ start(c) { for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode(`cpu v=${i}\n${'#'.repeat(8000)}\n`)); c.close(); } }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.status, 413);
      const gz = await fetch(`${server.httpUrl}/api/live/push/big`, { method: 'POST', headers: { ...auth, 'Content-Encoding': 'gzip' }, body: gzipSync(big) });
      assert.equal(gz.status, 413);
      // A body within the limit works, and is the only thing the subscriber ever sees.
      assert.equal((await fetch(`${server.httpUrl}/api/live/push/big`, { method: 'POST', headers: auth, body: 'cpu v=42' })).status, 200);
      const frame = await good.next((f) => f['push'] !== undefined);
      assert.match(JSON.stringify(frame), /42/);
      good.close();
    } finally {
      await server.stop();
      rmSync(tokens.dir, { recursive: true, force: true });
    }
  });

  test('slow clients: dripped headers, dripped upgrades and dripped bodies are cut with 408; others are served', async () => {
    const server = await startHub({ GF_SERVER_HEADERS_TIMEOUT: '1', GF_SERVER_READ_TIMEOUT: '3', GF_LOG_LEVEL: 'error' });
    try {
      const good = await goodWsClient(server, '1/grafana/broadcast/slow');
      const headers = Array.from({ length: 10 }, () => dripper(server.port, 'GET /api/health HTTP/1.1\r\nHost: x\r\n', 'X-Drip: 1\r\n', 200));
      const upgrades = Array.from({ length: 5 }, () => dripper(server.port, 'GET /api/live/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n', 'X-Drip: 1\r\n', 200));
      const bodies = Array.from({ length: 5 }, () =>
        dripper(server.port, 'POST /api/live/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n', ' ', 200));
      const silent = dripper(server.port, '', '', 60_000);

      // While they drip, normal requests and the WebSocket client are served promptly.
      for (let i = 0; i < 10; i++) {
        const t0 = Date.now();
        assert.equal((await fetch(`${server.httpUrl}/api/health`)).status, 200);
        assert.ok(Date.now() - t0 < 500);
        await server.hub.node.publish('1/grafana/broadcast/slow', JSON.stringify({ i }));
        await good.next((f) => (f['push'] as { pub?: { data?: { i?: number } } } | undefined)?.pub?.data?.i === i);
        await new Promise((r) => setTimeout(r, 100));
      }

      for (const s of [...headers, ...upgrades, silent]) {
        const after = await s.closedAfterMs;
        assert.ok(after >= 900 && after < 2600, `header dripper cut after ${after} ms`);
        assert.equal(await s.firstLine, 'HTTP/1.1 408 Request Timeout');
      }
      for (const s of bodies) {
        const after = await s.closedAfterMs;
        assert.ok(after >= 2900 && after < 4600, `body dripper cut after ${after} ms`);
        assert.match(await s.firstLine, /^HTTP\/1\.1 408/);
      }
      good.close();
    } finally {
      await server.stop();
    }
  });

  test('malformed request targets ("GET //") are answered 400 instead of ending the process', async () => {
    const server = await startHub({ GF_LOG_LEVEL: 'error' });
    try {
      for (const head of [
        'GET // HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ]) {
        const s = dripper(server.port, head, '', 60_000);
        assert.match(await s.firstLine, /^HTTP\/1\.1 400/);
        s.socket.destroy();
      }
      assert.equal((await fetch(`${server.httpUrl}/api/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test('gzip bombs on the push endpoint: 413 at the decoded limit, peak RSS of the node stays flat', async () => {
    const tokens = tokenFile();
    // Log level error hides "HTTP Server Listen": a fixed port tells when it listens.
    const node = await startLivehub({
      port: await freePort(),
      dataDir: tokens.dir,
      healthy: true,
      env: { GF_AUTH_API_TOKENS_FILE: tokens.file, GF_LIVE_PUSH_BODY_LIMIT: '1MiB', GF_LOG_LEVEL: 'error' },
    });
    const url = node.httpUrl;
    const peakRssMb = (): number => peakRssBytes(node.pid) / 1048576;
    try {
      const auth = { Authorization: `Bearer ${tokens.editor}`, 'Content-Encoding': 'gzip' };
      // Warm up the push path so the baseline includes its code and caches.
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/api/live/push/warm`, { method: 'POST', headers: auth, body: gzipSync(`cpu v=${i}\n`.repeat(20_000)) })).status, 200);
      const baseline = peakRssMb();

      // 256 MiB of zeros, gzipped as a stream (never held whole): ~256 KB on the wire.
      const bomb = await new Promise<Buffer>((resolve) => {
        const gz = createGzip({ level: 9 });
        const out: Buffer[] = [];
        gz.on('data', (c: Buffer) => out.push(c));
        gz.on('end', () => resolve(Buffer.concat(out)));
        const zeros = Buffer.alloc(1024 * 1024);
        for (let i = 0; i < 256; i++) gz.write(zeros);
        gz.end();
      });
      const answers = await Promise.all(Array.from({ length: 8 }, async () => {
        const res = await fetch(`${url}/api/live/push/bomb`, { method: 'POST', headers: auth, body: bomb });
        return { status: res.status, body: await res.text() };
      }));
      for (const a of answers) {
        assert.equal(a.status, 413);
        assert.match(a.body, /too large/);
      }
      const growth = peakRssMb() - baseline;
      // 8 × 2 GiB decoded would have been requested; the node holds at most the 1 MiB limit per request.
      assert.ok(growth < 64, `peak RSS grew by ${growth.toFixed(1)} MiB`);
      assert.equal((await fetch(`${url}/api/live/push/ok`, { method: 'POST', headers: auth, body: gzipSync('cpu v=1') })).status, 200);
    } finally {
      await node.stop();
      rmSync(tokens.dir, { recursive: true, force: true });
    }
  });
});
