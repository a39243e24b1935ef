// Protocol rules centrifuge-js never breaks on purpose, checked with a raw WebSocket client: framing,
// connect-first ordering, error codes and close codes (centrifuge-protocol.md §2–7).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawClient } from '../../harness/raw-client.js';
import { startHub, type TestHub } from '../helpers/hub.js';

describe('protocol over a raw WebSocket', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub({ GF_LIVE_PING_INTERVAL: '1', GF_LIVE_PONG_TIMEOUT: '1', GF_LIVE_CONNECT_TIMEOUT: '1' });
  });
  after(() => server.stop());

  test('connect reply has client id, version, ping and pong', async () => {
    const c = await RawClient.open(server.wsUrl);
    const reply = await c.connect();
    const connect = reply['connect'] as Record<string, unknown>;
    assert.match(String(connect['client']), /^[0-9a-f-]{36}$/);
    assert.equal(connect['ping'], 1);
    assert.equal(connect['pong'], true);
    assert.equal(typeof connect['version'], 'string');
    c.close();
  });

  test('commands sharing a frame with connect are processed after it, in order', async () => {
    const c = await RawClient.open(server.wsUrl);
    c.send(
      { id: 1, connect: { name: 'js' } },
      { id: 2, subscribe: { channel: '1/grafana/broadcast/order', flag: 1 } },
      { id: 3, publish: { channel: '1/grafana/broadcast/order', data: { a: 1 } } },
    );
    const r1 = await c.reply(1);
    const r2 = await c.reply(2);
    const r3 = await c.reply(3);
    assert.ok(r1['connect']);
    assert.deepEqual(r2['subscribe'], {});
    assert.deepEqual(r3['publish'], {});
    const push = await c.next((f) => f['push'] !== undefined);
    assert.deepEqual((push['push'] as Record<string, unknown>)['channel'], '1/grafana/broadcast/order');
    c.close();
  });

  test('a command before connect closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    c.send({ id: 1, subscribe: { channel: '1/grafana/broadcast/x' } });
    assert.deepEqual(await c.closed, { code: 3501, reason: 'bad request' });
  });

  test('an empty frame closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.sendRaw('');
    assert.equal((await c.closed).code, 3501);
  });

  test('malformed JSON closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    c.sendRaw('{"id":1,"connect":');
    assert.equal((await c.closed).code, 3501);
  });

  test('a binary frame closes with 3501 (JSON protocol only)', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.sendRaw(Buffer.from([1, 2, 3]));
    assert.equal((await c.closed).code, 3501);
  });

  test('a second connect closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ id: 2, connect: {} });
    assert.equal((await c.closed).code, 3501);
  });

  test('an unsolicited pong closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({});
    assert.equal((await c.closed).code, 3501);
  });

  test('a client that does not answer pings is closed with 3012 "no pong"', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    await c.next((f) => Object.keys(f).length === 0, 3000); // the server ping {}
    assert.deepEqual(await c.closed, { code: 3012, reason: 'no pong' });
  });

  test('a client answering pings stays connected', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    for (let i = 0; i < 3; i++) {
      await c.next((f) => Object.keys(f).length === 0, 3000);
      c.send({});
    }
    c.send({ id: 9, presence_stats: { channel: '1/grafana/broadcast/alive' } });
    const reply = await c.reply(9);
    assert.deepEqual(reply['presence_stats'], { num_clients: 0, num_users: 0 });
    c.close();
  });

  test('subscribing twice answers 105 and keeps the first subscription', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/twice' } });
    await c.reply(2);
    c.send({ id: 3, subscribe: { channel: '1/grafana/broadcast/twice' } });
    assert.deepEqual((await c.reply(3))['error'], { code: 105, message: 'already subscribed' });
    c.send({ id: 4, publish: { channel: '1/grafana/broadcast/twice', data: 1 } });
    await c.reply(4);
    await c.next((f) => f['push'] !== undefined);
    c.close();
  });

  test('the 129th subscription answers 106', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    const subs = [];
    for (let i = 0; i < 129; i++) subs.push({ id: 10 + i, subscribe: { channel: `1/grafana/broadcast/many${i}` } });
    c.send(...subs);
    for (let i = 0; i < 128; i++) assert.deepEqual((await c.reply(10 + i))['subscribe'], {});
    assert.deepEqual((await c.reply(138))['error'], { code: 106, message: 'limit exceeded' });
    c.close();
  });

  test('a full channel over 255 bytes answers 107; an empty channel closes 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ id: 2, subscribe: { channel: `1/grafana/broadcast/${'x'.repeat(250)}` } });
    assert.equal(((await c.reply(2))['error'] as { code: number }).code, 107);
    c.send({ id: 3, subscribe: { channel: '' } });
    assert.equal((await c.closed).code, 3501);
  });

  test('an unprefixed channel over 160 bytes is an invalid channel ID (400)', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ id: 2, subscribe: { channel: `1/grafana/broadcast/${'x'.repeat(150)}` } });
    assert.deepEqual((await c.reply(2))['error'], { code: 400, message: 'invalid channel ID' });
    c.close();
  });

  test('unsubscribe always succeeds, even for unknown channels', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ id: 2, unsubscribe: { channel: '1/grafana/broadcast/never' } });
    assert.deepEqual((await c.reply(2))['unsubscribe'], {});
    c.close();
  });

  test('send without a message handler closes 3508; with one it is delivered', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send({ send: { data: { hi: 1 } } });
    assert.equal((await c.closed).code, 3508);

    const received: unknown[] = [];
    server.hub.node.setMessageHandler((_identity, _client, data) => received.push(data));
    try {
      const d = await RawClient.open(server.wsUrl);
      await d.connect();
      d.send({ send: { data: { hi: 2 } } }, { id: 2, presence_stats: { channel: '1/grafana/broadcast/s' } });
      await d.reply(2);
      assert.deepEqual(received, [{ hi: 2 }]);
      d.close();
    } finally {
      server.hub.node.setMessageHandler(undefined);
    }
  });

  test('rpc to a registered method returns its data', async () => {
    server.hub.node.registerRpc('echo', async (identity, data) => JSON.stringify({ user: identity.userId, data }));
    try {
      const c = await RawClient.open(server.wsUrl);
      await c.connect();
      c.send({ id: 2, rpc: { method: 'echo', data: { x: 1 } } });
      assert.deepEqual((await c.reply(2))['rpc'], { data: { user: '0', data: { x: 1 } } });
      c.close();
    } finally {
      server.hub.node.unregisterRpc('echo');
    }
  });

  test('presence on a channel without presence answers 108; ping command answers 108', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    server.hub.registry.register('nopresence', () => ({
      onSubscribe: async () => ({ status: 'ok' }),
      onPublish: async () => ({ status: 'ok' }),
    }));
    c.send({ id: 2, presence: { channel: '1/nopresence/a/b' } }, { id: 3, history: { channel: '1/nopresence/a/b' } }, { id: 4, ping: {} });
    assert.deepEqual((await c.reply(2))['error'], { code: 108, message: 'not available' });
    assert.deepEqual((await c.reply(3))['error'], { code: 108, message: 'not available' });
    assert.deepEqual((await c.reply(4))['error'], { code: 108, message: 'not available' });
    c.close();
  });

  test('a handler that throws answers 100 temporary; statuses map to 404 and 403', async () => {
    server.hub.registry.register('flaky', (address) => ({
      onSubscribe: async () => {
        if (address.namespace === 'throw') throw new Error('boom');
        return { status: address.namespace === 'missing' ? 'not_found' : 'permission_denied' };
      },
      onPublish: async () => ({ status: 'permission_denied' }),
    }));
    const c = await RawClient.open(server.wsUrl);
    await c.connect();
    c.send(
      { id: 2, subscribe: { channel: '1/flaky/throw/x' } },
      { id: 3, subscribe: { channel: '1/flaky/missing/x' } },
      { id: 4, subscribe: { channel: '1/flaky/denied/x' } },
      { id: 5, publish: { channel: '1/flaky/denied/x', data: {} } },
    );
    assert.deepEqual((await c.reply(2))['error'], { code: 100, message: 'internal server error', temporary: true });
    assert.deepEqual((await c.reply(3))['error'], { code: 404, message: 'Not Found' });
    assert.deepEqual((await c.reply(4))['error'], { code: 403, message: 'Forbidden' });
    assert.deepEqual((await c.reply(5))['error'], { code: 403, message: 'Forbidden' });
    c.close();
  });

  test('a connection that never sends connect is closed as stale (3502)', async () => {
    const c = await RawClient.open(server.wsUrl);
    assert.deepEqual(await c.closed, { code: 3502, reason: 'stale' });
  });

  test('the shared-frame write path of ws is in use', async () => {
    const { WsClientTransport } = await import('../../src/transport/ws-transport.js');
    const { WebSocketServer, WebSocket } = await import('ws');
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const accepted = new Promise<InstanceType<typeof WebSocket>>((r) => wss.once('connection', r));
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((r) => client.once('open', r));
    const serverSide = await accepted;
    assert.equal(new WsClientTransport(serverSide).sharesFrames, true, 'ws Sender.sendFrame is available: frames are built once and shared');
    client.close();
    await new Promise((r) => client.once('close', r));
    wss.close();
  });

  test('a pong before connect closes with 3501', async () => {
    const c = await RawClient.open(server.wsUrl);
    c.send({});
    assert.equal((await c.closed).code, 3501);
  });
});
