// Abuse on the Telegraf push WebSocket (/api/live/push/:streamId): a pusher that never reads the
// error answers is closed once its outbound buffer passes the cap (3008 "slow"), a pusher faster
// than the node is paused rather than queued without bound (the node reads only a few batches
// ahead; TCP holds the rest at the sender; every batch still arrives), oversized messages close
// 1009, and only Admin may open the socket.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { PUSH_SOCKET_MAX_BUFFERED } from '../../src/transport/push-socket.js';
import { startHub } from '../helpers/hub.js';

function tokens(): { dir: string; file: string; admin: string; editor: string } {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-abuse-push-'));
  const file = join(dir, 'tokens.json');
  const store = new ApiTokenStore(file);
  return { dir, file, admin: store.create({ name: 'admin', orgId: 1, role: 'Admin' }).token, editor: store.create({ name: 'editor', orgId: 1, role: 'Editor' }).token };
}

function openPush(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

describe('abuse: push WebSocket', () => {
  test('a pusher that never reads its error answers is closed 3008 once the outbound buffer passes the cap', async () => {
    const t = tokens();
    const server = await startHub({ GF_AUTH_API_TOKENS_FILE: t.file, GF_LOG_LEVEL: 'warn' });
    try {
      await assert.rejects(openPush(`ws://127.0.0.1:${server.port}/api/live/push/x`, t.editor), (err: { status: number }) => err.status === 403);
      const ws = await openPush(`ws://127.0.0.1:${server.port}/api/live/push/deaf`, t.admin);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.on('error', () => undefined);
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      // Every batch is rejected with a ~1 KiB message (the measurement cannot be used in a channel).
      const bad = `${'\u00e9'.repeat(1500)} v=1`;
      const messages: string[] = [];
      ws.on('message', (m) => messages.push(m.toString()));
      for (let i = 0; i < 40_000 && !server.logs.some((l) => l['msg'] === 'closing push socket: peer does not read'); i++) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(bad);
        if (i % 500 === 499) await new Promise((r) => setTimeout(r, 5));
      }
      await waitUntil(() => server.logs.some((l) => l['msg'] === 'closing push socket: peer does not read'), 'the deaf pusher to be cut', 20_000, 10);
      const log = server.logs.find((l) => l['msg'] === 'closing push socket: peer does not read')!;
      assert.equal(log['limit'], PUSH_SOCKET_MAX_BUFFERED);
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const code = await closed;
      assert.ok(code === 3008 || code === 1006, `close ${code}`);
      // The answers it did read were capped in size.
      for (const m of messages.slice(0, 5)) assert.ok(m.length < 1200, `error answer of ${m.length} chars`);
      assert.equal(server.hub.node.counters.disconnects.get('3008'), 1);
      // The node still takes pushes.
      const ok = await openPush(`ws://127.0.0.1:${server.port}/api/live/push/fine`, t.admin);
      const client = await RawClient.open(server.wsUrl);
      await client.connect();
      client.send({ id: 2, subscribe: { channel: '1/stream/fine/cpu' } });
      await client.reply(2);
      ok.send('cpu v=1');
      await client.next((f) => f['push'] !== undefined);
      ok.close();
      client.close();
    } finally {
      await server.stop();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  test('oversized push messages close 1009', async () => {
    const t = tokens();
    const server = await startHub({ GF_AUTH_API_TOKENS_FILE: t.file, GF_LOG_LEVEL: 'error' });
    try {
      const ws = await openPush(`ws://127.0.0.1:${server.port}/api/live/push/huge`, t.admin);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.on('error', () => undefined);
      ws.send(`cpu v="${'x'.repeat(1024 * 1024 + 10)}"`);
      assert.equal(await closed, 1009);
    } finally {
      await server.stop();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  test('a pusher faster than the node is paused, not queued: the node reads a few batches ahead, every batch arrives', async () => {
    const t = tokens();
    const server = await startHub({ GF_AUTH_API_TOKENS_FILE: t.file, GF_LOG_LEVEL: 'error' });
    try {
      // An engine that takes 15 ms per frame (a remote Redis under load): the pusher is far faster.
      const node = server.hub.node;
      const pushFrame = node.pushFrame.bind(node);
      node.pushFrame = async (channel, frame) => {
        await new Promise((r) => setTimeout(r, 15));
        return pushFrame(channel, frame);
      };
      const subscriber = await RawClient.open(server.wsUrl, { maxPayload: 0 });
      await subscriber.connect();
      subscriber.send({ id: 2, subscribe: { channel: '1/stream/flood/m' } });
      await subscriber.reply(2);
      let received = 0;
      const count = (): number => {
        received += subscriber.frames.filter((f) => f['push'] !== undefined).length;
        subscriber.frames.length = 0;
        return received;
      };
      const ws = await openPush(`ws://127.0.0.1:${server.port}/api/live/push/flood`, t.admin);
      ws.on('error', () => undefined);
      const lines: string[] = [];
      for (let i = 0; i < 4000; i++) lines.push(`m,host=h v=${i}i,w=${i * 2}i ${1_700_000_000_000_000_000n + BigInt(i)}`);
      const batch = Buffer.from(lines.join('\n')); // ~190 KB
      const total = 200; // ~38 MB, ~3 s of engine time
      for (let n = 0; n < total; n++) ws.send(batch);
      await new Promise((r) => setTimeout(r, 500));
      // Without the pause the node would have read (and queued) everything by now.
      const unread = ws.bufferedAmount;
      assert.ok(unread > (total * batch.length) / 2, `the node read ahead too far: ${unread} bytes still with the sender`);
      assert.ok(count() < total / 2);
      await waitUntil(() => count() >= total, 'every batch to arrive', 30_000, 10);
      assert.equal(received, total, 'no batch lost');
      ws.close();
      subscriber.close();
    } finally {
      await server.stop();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
