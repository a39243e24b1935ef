// The HTTP surface of issue 2: POST /api/live/publish with Grafana's status codes (malformed input is
// a 400 with a message), /api/health, the non-upgrade GET on the WS path, and graceful shutdown (3001).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

describe('HTTP API', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub();
  });
  after(() => server.stop());

  test('POST /api/live/publish: success and every error status', async () => {
    const url = `${server.httpUrl}/api/live/publish`;
    const ok = await postJson(url, { channel: 'grafana/broadcast/http', data: { a: 1 } });
    assert.deepEqual([ok.status, ok.body], [200, {}]);
    const notJson = await postJson(url, '{"channel": ');
    assert.deepEqual([notJson.status, notJson.body], [400, { message: 'bad request data' }]);
    const notObject = await postJson(url, '[1,2]');
    assert.deepEqual([notObject.status, notObject.body], [400, { message: 'bad request data' }]);
    const noChannel = await postJson(url, { data: {} });
    assert.equal(noChannel.status, 400);
    assert.match(String((noChannel.body as { message: string }).message), /channel/);
    const invalid = await postJson(url, { channel: 'grafana/broadcast', data: {} });
    assert.deepEqual([invalid.status, invalid.body], [400, { message: 'invalid channel ID' }]);
    const badChars = await postJson(url, { channel: 'grafana/broadcast/a b', data: {} });
    assert.equal(badChars.status, 400);
    const unknownScope = await postJson(url, { channel: 'nosuch/ns/path', data: {} });
    assert.deepEqual([unknownScope.status, unknownScope.body], [404, { message: 'Not Found' }]);
    const deep = await postJson(url, `{"channel":"grafana/broadcast/deep","data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    assert.ok(deep.status === 400, `deeply nested data is the client's error, got ${deep.status}`);
    const huge = await postJson(url, JSON.stringify({ channel: 'grafana/broadcast/x', data: 'x'.repeat(1_100_000) }));
    assert.equal(huge.status, 413);
  });

  test('POST /api/live/publish publishes the handler data to WebSocket subscribers', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/http2');
    const got = collect(sub);
    await subscribed(sub);
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/http2', data: { from: 'http' } });
    await waitUntil(() => got.length === 1, 'publication', 5000, 10);
    assert.deepEqual(got[0]!.data, { from: 'http' });
    client.disconnect();
  });

  test('GET /api/health reports the engine', async () => {
    const res = await fetch(`${server.httpUrl}/api/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['status'], 'ok');
    assert.deepEqual(body['engine'], { kind: 'memory', healthy: true, state: 'ok' });
  });

  test('GET /api/live/cluster lists this node with its counts', async () => {
    const res = await fetch(`${server.httpUrl}/api/live/cluster`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { self: string; nodes: Array<{ id: string; self: boolean; numClients: number }> };
    assert.equal(body.nodes.length, 1);
    assert.equal(body.nodes[0]!.id, body.self);
    assert.equal(body.nodes[0]!.self, true);
  });

  test('a plain GET on the WebSocket path explains the missing Upgrade header', async () => {
    const res = await fetch(`${server.httpUrl}/api/live/ws`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /Upgrade/);
  });

  test('unknown routes answer 404 JSON, wrong methods 405', async () => {
    const missing = await fetch(`${server.httpUrl}/api/nothing`);
    assert.equal(missing.status, 404);
    const wrongMethod = await fetch(`${server.httpUrl}/api/live/publish`);
    assert.equal(wrongMethod.status, 405);
  });
});

describe('graceful shutdown', () => {
  test('clients are closed with 3001 "shutdown" and reconnect', async () => {
    const server = await startHub();
    const client = newClient(server.wsUrl, { minReconnectDelay: 5000, maxReconnectDelay: 10000 });
    await connected(client);
    const codes: Array<{ code: number; reason: string }> = [];
    client.on('connecting', (ctx) => codes.push({ code: ctx.code, reason: ctx.reason }));
    await server.hub.stop(); // (TestHub.stop would also disconnect the test's clients)
    await waitUntil(() => codes.length > 0, 'the client to notice the shutdown', 5000, 10);
    assert.deepEqual(codes[0], { code: 3001, reason: 'shutdown' });
    client.disconnect();
  });
});
