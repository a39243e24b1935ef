// The Live limits with Grafana's keys: max_connections (3504), message_size_limit (1009),
// client_queue_max_size (3008 for a client that stops reading, without slowing the others),
// allowed_origins (Grafana's origin algorithm), and max_connections = 0 disabling Live.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disconnectedCodes, type PublicationContext } from 'centrifuge';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, disconnected, newClient, RecordingWebSocket, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub } from '../helpers/hub.js';

describe('limits', () => {
  test('max_connections: the connection over the limit is closed 3504 and logged', async () => {
    // Grafana's rule alone: anonymous clients may take every slot (livehub's default keeps 10% for credentials).
    const server = await startHub({ GF_LIVE_MAX_CONNECTIONS: '2', GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '100%' });
    try {
      const a = newClient(server.wsUrl);
      const b = newClient(server.wsUrl);
      await Promise.all([connected(a), connected(b)]);
      const c = newClient(server.wsUrl);
      const closed = disconnected(c);
      c.connect();
      assert.equal((await closed).code, 3504);
      assert.equal(c.state, 'disconnected', '3504 is terminal: the client does not reconnect');
      assert.ok(server.logs.some((l) => l['msg'] === 'Max number of Live connections reached, increase max_connections in [live] configuration section' && l['limit'] === 2));
      a.disconnect();
      await waitUntil(() => server.hub.node.numClients === 1, 'a slot to free up', 5000, 10);
      const d = newClient(server.wsUrl);
      await connected(d);
      b.disconnect();
      d.disconnect();
    } finally {
      await server.stop();
    }
  });

  test('max_connections = 0 disables Live: 3504 on the socket, 503 on publish', async () => {
    const server = await startHub({ GF_LIVE_MAX_CONNECTIONS: '0' });
    try {
      const c = newClient(server.wsUrl);
      const closed = disconnected(c);
      c.connect();
      assert.equal((await closed).code, 3504);
      const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/x', data: {} });
      assert.equal(res.status, 503);
      assert.deepEqual(res.body, { message: 'Live is disabled' });
    } finally {
      await server.stop();
    }
  });

  test('message_size_limit: a larger inbound message closes 1009 and the client stays disconnected', async () => {
    const server = await startHub({ GF_LIVE_MESSAGE_SIZE_LIMIT: '1024' });
    try {
      const client = newClient(server.wsUrl);
      await connected(client);
      const closed = disconnected(client);
      client.publish('1/grafana/broadcast/big', { blob: 'x'.repeat(2000) }).catch(() => undefined);
      // centrifuge-js turns the 1009 close into its terminal "message size limit" state.
      assert.equal((await closed).code, disconnectedCodes.messageSizeLimit);
      assert.equal(client.state, 'disconnected');
      const raw = await RawClient.open(server.wsUrl);
      await raw.connect();
      raw.send({ id: 2, publish: { channel: '1/grafana/broadcast/big', data: 'x'.repeat(2000) } });
      assert.equal((await raw.closed).code, 1009);
      // A message under the limit on a new connection is fine.
      const ok = newClient(server.wsUrl);
      await connected(ok);
      await ok.publish('1/grafana/broadcast/big', { blob: 'x'.repeat(500) });
      ok.disconnect();
    } finally {
      await server.stop();
    }
  });

  test('client_queue_max_size: a client that stops reading is closed 3008 while the others receive everything', async () => {
    const server = await startHub({ GF_LIVE_CLIENT_QUEUE_MAX_SIZE: '262144', GF_LIVE_HISTORY_SIZE: '0' });
    try {
      const slowClients: string[] = [];
      server.hub.node.on('slowClient', (clientId) => slowClients.push(clientId));
      const fast = newClient(server.wsUrl);
      const slow = newClient(server.wsUrl, { websocket: RecordingWebSocket });
      await Promise.all([connected(fast), connected(slow)]);
      const fastSub = fast.newSubscription('1/grafana/broadcast/flood');
      const slowSub = slow.newSubscription('1/grafana/broadcast/flood');
      const fastGot: PublicationContext[] = collect(fastSub);
      await Promise.all([subscribed(fastSub), subscribed(slowSub)]);
      const slowCodes: number[] = [];
      slow.on('connecting', (ctx) => slowCodes.push(ctx.code));
      slow.on('disconnected', (ctx) => slowCodes.push(ctx.code));
      RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.stopReading();

      // 2,000 × 8 KB = 16 MB: more than the kernel buffers of a paused loopback socket hold.
      const payload = JSON.stringify({ blob: 'y'.repeat(8000) });
      const count = 2000;
      for (let i = 0; i < count; i++) {
        await server.hub.node.publish('1/grafana/broadcast/flood', payload);
        if (i % 10 === 9) await new Promise((r) => setImmediate(r)); // ≤ 80 KB per turn: a reader that keeps up never nears the limit
      }
      await waitUntil(() => fastGot.length === count, 'the fast client to receive everything', 30000, 10);
      assert.equal(slowClients.length, 1, 'exactly the slow client was cut');
      assert.ok(server.logs.some((l) => l['msg'] === 'closing slow client' && l['limit'] === 262144));
      RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.resumeReading();
      await waitUntil(() => slowCodes.includes(3008), 'the slow client to see 3008', 10000, 10);
      fast.disconnect();
      slow.disconnect();
    } finally {
      await server.stop();
    }
  });

  test('origin check: same host, root_url, allowed_origins globs, "*" and rejection with 403', async () => {
    const server = await startHub({ GF_SERVER_ROOT_URL: 'https://grafana.example.com/', GF_LIVE_ALLOWED_ORIGINS: 'https://*.trusted.org, http://localhost:8080' });
    try {
      const attempt = async (origin: string | undefined, host?: string): Promise<number> => {
        const headers: Record<string, string> = {};
        if (origin !== undefined) headers['Origin'] = origin;
        if (host !== undefined) headers['Host'] = host;
        try {
          const c = await RawClient.open(server.wsUrl, { headers });
          c.close();
          return 101;
        } catch (err) {
          return (err as { status: number }).status;
        }
      };
      assert.equal(await attempt(undefined), 101, 'no Origin header (non-browser client)');
      assert.equal(await attempt(`http://127.0.0.1:${server.port}`), 101, 'same host as the request');
      assert.equal(await attempt('https://grafana.example.com'), 101, 'root_url');
      assert.equal(await attempt('https://grafana.example.com:443'), 101, 'root_url with the default port spelled out');
      assert.equal(await attempt('https://a.trusted.org'), 101, 'allowed_origins glob');
      assert.equal(await attempt('http://localhost:8080'), 101, 'allowed_origins exact');
      assert.equal(await attempt('https://evil.example.net'), 403);
      assert.equal(await attempt('http://grafana.example.com'), 403, 'scheme must match root_url');
      assert.equal(await attempt('http://localhost:9090'), 403);
      assert.equal(await attempt('null'), 403, 'unparseable origin');
      assert.ok(server.logs.some((l) => l['msg'] === 'Request Origin is not authorized' && l['origin'] === 'https://evil.example.net' && l['appUrl'] === 'https://grafana.example.com/'));
    } finally {
      await server.stop();
    }
    const any = await startHub({ GF_LIVE_ALLOWED_ORIGINS: '*' });
    try {
      const c = await RawClient.open(any.wsUrl, { headers: { Origin: 'https://anything.example' } });
      c.close();
    } finally {
      await any.stop();
    }
  });
});
